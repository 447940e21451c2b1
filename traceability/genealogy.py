"""Genealogy: the as-built record of a unit (backward) and where a lot went (forward).

Both are recursive CTEs that run unchanged on SQLite and PostgreSQL, one statement per question,
never a query per node. The recursion uses UNION (not UNION ALL), so a cycle in bad data ends
the walk instead of looping.

Time-awareness: an installation counts at time `at` when installed_at <= at and it was not removed
by then. With `at=None` the question is "now": every installation not removed. Boards inherit
what was installed on their panel at their position (or on the whole panel) until the panel was
depanelized.

Statements are built once per shape (cached, with bind parameters): building SQLAlchemy constructs
costs more than running these queries. On PostgreSQL a walk runs with merge and hash joins off:
the planner cannot estimate a recursive CTE's size (it guesses ~10x the seed) and picks merge joins
that scan whole indexes, where index nested loops touch only the rows of the trace (measured on
2.1M installations: forward trace 1.5 s -> 80 ms).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, Integer, and_, bindparam, exists, func, or_, select, text, true, union
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from traceability.models import (
    ComponentInstallation,
    Container,
    ContainerItem,
    MaterialLot,
    Part,
    Unit,
    WorkOrder,
)

I = ComponentInstallation.__table__  # noqa: E741 - the installation table, read everywhere below
U = Unit.__table__


@dataclass(frozen=True)
class TraceUnit:
    serial: str
    part_number: str
    kind: str
    status: str
    id: int = 0
    work_order: str | None = None
    parent_serial: str | None = None  # backward: the unit it is installed into
    reference_designator: str | None = None
    installed_at: datetime | None = None
    removed_at: datetime | None = None
    removal_reason: str | None = None
    depth: int = 0


@dataclass(frozen=True)
class TraceMaterial:
    lot: str
    part_number: str
    parent_serial: str
    reference_designator: str | None
    quantity: float
    installed_at: datetime
    station: str | None
    operation: str | None
    location: str | None
    attribution: str
    removed_at: datetime | None
    removal_reason: str | None
    supplier: str | None
    supplier_lot: str | None
    date_code: str | None
    lot_status: str
    flag: str | None = None  # e.g. quarantined_lot: installed although the lot was quarantined


@dataclass
class BackwardTrace:
    root: TraceUnit | None
    units: list[TraceUnit] = field(default_factory=list)
    materials: list[TraceMaterial] = field(default_factory=list)

    @property
    def lots(self) -> set[str]:
        return {m.lot for m in self.materials}


@dataclass(frozen=True)
class TraceContainer:
    code: str
    kind: str
    status: str
    parent_code: str | None
    customer: str | None
    shipped_at: datetime | None


@dataclass
class ForwardTrace:
    lots: list[str]
    units: list[TraceUnit]
    top_level: list[TraceUnit]
    containers: list[TraceContainer]

    @property
    def shipments(self) -> list[TraceContainer]:
        return [c for c in self.containers if c.kind == "shipment"]

    @property
    def serials(self) -> set[str]:
        return {u.serial for u in self.units}


@dataclass(frozen=True)
class ForwardReach:
    """The units a lot reached, as ids in ascending order (the keyset order of pages)."""

    unit_ids: list[int]
    top_level_ids: list[int]

    @property
    def total(self) -> int:
        return len(self.unit_ids)

    def page(self, first: int, after_id: int = 0) -> tuple[list[int], bool]:
        """The `first` ids after `after_id`, and whether more follow."""
        start = bisect_right(self.unit_ids, after_id)
        return self.unit_ids[start:start + first], start + first < len(self.unit_ids)


# --- shared conditions -------------------------------------------------------------------------


def _in_effect(inst, timed: bool, include_removed: bool) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """Installations in effect at :at (when `timed`) or now."""
    conds = []
    if timed:
        conds.append(inst.c.installed_at <= bindparam("at"))
    if not include_removed:
        conds.append(or_(inst.c.removed_at.is_(None), inst.c.removed_at > bindparam("at")) if timed
                     else inst.c.removed_at.is_(None))
    return and_(true(), *conds)


def _owned(inst, node) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """Installations that belong to a tree node: its own, and its panel position's before the cut."""
    return or_(
        inst.c.parent_unit_id == node.c.unit_id,
        and_(
            inst.c.parent_unit_id == node.c.panel_id,
            or_(inst.c.panel_position.is_(None), inst.c.panel_position == node.c.pos),
            or_(node.c.cut.is_(None), inst.c.installed_at <= node.c.cut),
        ),
    )


# In a transaction: transaction-local (SET LOCAL), so the caller's other statements plan as usual.
# A read session on PostgreSQL runs in autocommit, where a local setting would last one statement:
# there the switch is for the session and is always switched back (a pooled connection is shared).
_JOINS = text("SELECT set_config('enable_mergejoin', :on, :local), "
              "set_config('enable_hashjoin', :on, :local)")


@contextmanager
def graph_walk(session: Session) -> Iterator[None]:
    """Index nested loops for the walks inside (PostgreSQL only; SQLite plans these well by itself).
    Nests: a caller running several walks and lookups (a recall scope) switches once for all."""
    switch = session.get_bind().dialect.name == "postgresql" and not session.info.get("graph_walk")
    if not switch:
        yield
        return
    conn = session.connection()
    local = conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
    # one statement each way: a SET per switch was a round trip per switch
    session.execute(_JOINS, {"on": "off", "local": local})
    session.info["graph_walk"] = True
    try:
        yield
    except BaseException:
        session.info["graph_walk"] = False
        if not local:  # a failed transaction's rollback undoes SET LOCAL; autocommit must undo it
            try:
                session.execute(_JOINS, {"on": "on", "local": local})
            except Exception:  # noqa: BLE001 - cannot switch back: the connection must not be reused
                conn.invalidate()
        raise
    session.info["graph_walk"] = False
    session.execute(_JOINS, {"on": "on", "local": local})


# --- backward --------------------------------------------------------------------------------


def _as_built_tree(timed: bool, include_removed: bool):  # type: ignore[no-untyped-def]
    """Every unit in the as-built of :serial (itself included), with its panel for inheritance."""
    panel = U.alias("panel")
    base = (
        select(U.c.id.label("unit_id"), U.c.panel_unit_id.label("panel_id"),
               U.c.panel_position.label("pos"), panel.c.depanelized_at.label("cut"))
        .select_from(U.outerjoin(panel, panel.c.id == U.c.panel_unit_id))
        .where(U.c.serial == bindparam("serial"))
    )
    tree = base.cte("tree", recursive=True)
    inst, child, child_panel = I.alias("ti"), U.alias("child"), U.alias("child_panel")
    step = (
        select(child.c.id, child.c.panel_unit_id, child.c.panel_position, child_panel.c.depanelized_at)
        .select_from(
            tree.join(inst, _owned(inst, tree))
            .join(child, child.c.id == inst.c.child_unit_id)
            .outerjoin(child_panel, child_panel.c.id == child.c.panel_unit_id)
        )
        .where(inst.c.child_unit_id.is_not(None), _in_effect(inst, timed, include_removed))
    )
    return tree.union(step)


@cache
def _backward_statement(timed: bool, include_removed: bool):  # type: ignore[no-untyped-def]
    tree = _as_built_tree(timed, include_removed)
    owner, child, part = U.alias("owner"), U.alias("child"), Part.__table__
    lot = MaterialLot.__table__
    return (
        select(
            owner.c.serial.label("parent_serial"), part.c.part_number, I.c.reference_designator,
            I.c.quantity, I.c.installed_at, I.c.removed_at, I.c.removal_reason, I.c.station,
            I.c.operation, I.c.location, I.c.attribution, I.c.flag,
            lot.c.lot_code, lot.c.supplier, lot.c.supplier_lot, lot.c.date_code,
            lot.c.status.label("lot_status"),
            child.c.id.label("child_id"), child.c.serial.label("child_serial"),
            child.c.kind.label("child_kind"), child.c.status.label("child_status"),
        )
        .select_from(
            tree.join(I, _owned(I, tree))
            .join(owner, owner.c.id == tree.c.unit_id)
            .join(part, part.c.id == I.c.part_id)
            .outerjoin(lot, lot.c.id == I.c.lot_id)
            .outerjoin(child, child.c.id == I.c.child_unit_id)
        )
        .where(_in_effect(I, timed, include_removed))
        .order_by(owner.c.serial, I.c.reference_designator.nulls_last(), I.c.installed_at, I.c.id)
    )


def backward(
    session: Session, serial: str, *, at: datetime | None = None, include_removed: bool = False
) -> BackwardTrace:
    """The as-built record of `serial` through every level, as of `at` (default: now)."""
    root = _unit_row(session, serial)
    if root is None:
        return BackwardTrace(root=None)
    units, materials = backward_walk(session, serial, at=at, include_removed=include_removed)
    return BackwardTrace(root=root, units=units, materials=materials)


def backward_walk(
    session: Session, serial: str, *, at: datetime | None = None, include_removed: bool = False
) -> tuple[list[TraceUnit], list[TraceMaterial]]:
    """`backward` without the root's lookup: the sub-units and materials (none for an unknown
    serial). For a caller that reads the unit records anyway and finds the root among them."""
    params = {"serial": serial, **({"at": at} if at is not None else {})}
    with graph_walk(session):
        rows = session.execute(_backward_statement(at is not None, include_removed), params).all()
    units, materials = [], []
    for r in rows:
        if r.child_serial is not None:
            units.append(TraceUnit(
                id=r.child_id, serial=r.child_serial, part_number=r.part_number, kind=r.child_kind,
                status=r.child_status, parent_serial=r.parent_serial,
                reference_designator=r.reference_designator, installed_at=r.installed_at,
                removed_at=r.removed_at, removal_reason=r.removal_reason))
        else:
            materials.append(TraceMaterial(
                lot=r.lot_code, part_number=r.part_number, parent_serial=r.parent_serial,
                reference_designator=r.reference_designator, quantity=r.quantity,
                installed_at=r.installed_at, station=r.station, operation=r.operation,
                location=r.location, attribution=r.attribution, removed_at=r.removed_at,
                removal_reason=r.removal_reason, supplier=r.supplier, supplier_lot=r.supplier_lot,
                date_code=r.date_code, lot_status=r.lot_status, flag=r.flag))
    return _with_depth(serial, units), materials


def _with_depth(root: str, units: list[TraceUnit]) -> list[TraceUnit]:
    """Depth from the root, following parent links (one unit's as-built: few rows)."""
    depth = {root: 0}
    pending = list(units)
    while pending:
        rest = [u for u in pending if u.parent_serial not in depth]
        for u in pending:
            if u.parent_serial in depth:
                depth[u.serial] = depth[u.parent_serial] + 1
        if len(rest) == len(pending):
            break
        pending = rest
    return [TraceUnit(**{**u.__dict__, "depth": depth.get(u.serial, 0)}) for u in units]


# --- forward ---------------------------------------------------------------------------------


def _lot_family():  # type: ignore[no-untyped-def]
    """The lot :lot and every sublot split from it, at any depth."""
    lot = MaterialLot.__table__
    base = select(lot.c.id.label("lot_id")).where(lot.c.lot_code == bindparam("lot")).cte(
        "lots", recursive=True)
    sub = lot.alias("sub")
    return base.union(select(sub.c.id).select_from(base.join(sub, sub.c.parent_lot_id == base.c.lot_id)))


def containing_units(include_removed: bool = False):  # type: ignore[no-untyped-def]
    """A CTE of every unit id that contains the lot :lot (or its sublots) at any level."""
    lots = _lot_family()
    direct, board, pan = I.alias("direct"), U.alias("board"), U.alias("pan")
    active = _in_effect(direct, False, include_removed)
    own = select(direct.c.parent_unit_id.label("unit_id")).where(
        direct.c.lot_id.in_(select(lots.c.lot_id)), active)
    inherited = (
        select(board.c.id)
        .select_from(
            direct.join(board, board.c.panel_unit_id == direct.c.parent_unit_id)
            .join(pan, pan.c.id == direct.c.parent_unit_id)
        )
        .where(
            direct.c.lot_id.in_(select(lots.c.lot_id)), active,
            or_(direct.c.panel_position.is_(None), direct.c.panel_position == board.c.panel_position),
            or_(pan.c.depanelized_at.is_(None), direct.c.installed_at <= pan.c.depanelized_at),
        )
    )
    seed = union(own, inherited).subquery("seed")
    up = select(seed.c.unit_id).cte("up", recursive=True)
    edge = I.alias("edge")
    step = select(edge.c.parent_unit_id).select_from(
        up.join(edge, edge.c.child_unit_id == up.c.unit_id)
    ).where(_in_effect(edge, False, include_removed))
    return up.union(step)


def _unit_columns():  # type: ignore[no-untyped-def]
    wo, part = WorkOrder.__table__, Part.__table__
    cols = (U.c.id, U.c.serial, part.c.part_number, U.c.kind, U.c.status,
            wo.c.number.label("work_order"))
    joined = U.join(part, part.c.id == U.c.part_id).outerjoin(wo, wo.c.id == U.c.work_order_id)
    return cols, joined


def _to_unit(r) -> TraceUnit:  # type: ignore[no-untyped-def]
    return TraceUnit(id=r.id, serial=r.serial, part_number=r.part_number, kind=r.kind,
                     status=r.status, work_order=r.work_order)


def _is_top_level() -> ColumnElement[bool]:
    """Not installed (now) in another unit, and not a panel already cut into boards."""
    edge = I.alias("above")
    return and_(
        ~exists().where(edge.c.child_unit_id == U.c.id, edge.c.removed_at.is_(None)),
        or_(U.c.kind != "panel", U.c.depanelized_at.is_(None)),
    )


@cache
def _forward_units_statement(include_removed: bool):  # type: ignore[no-untyped-def]
    units_cte = containing_units(include_removed)
    cols, joined = _unit_columns()
    return (select(*cols, _is_top_level().label("top")).select_from(joined)
            .where(U.c.id.in_(select(units_cte.c.unit_id))).order_by(U.c.id))


@cache
def _forward_reach_statement(include_removed: bool):  # type: ignore[no-untyped-def]
    """Ids and top-level flags only: no part, work order or serial per reached unit."""
    up = containing_units(include_removed)
    return (select(U.c.id, _is_top_level().label("top"))
            .select_from(U.join(up, up.c.unit_id == U.c.id)).order_by(U.c.id))


@cache
def _forward_page_statement(include_removed: bool):  # type: ignore[no-untyped-def]
    """One page by keyset, with the total in the same statement (the CTE is computed once)."""
    units_cte = containing_units(include_removed)
    cols, joined = _unit_columns()
    total = select(func.count()).select_from(units_cte).scalar_subquery()
    return (select(*cols, total.label("total")).select_from(joined)
            .where(U.c.id.in_(select(units_cte.c.unit_id)), U.c.id > bindparam("after"))
            .order_by(U.c.id).limit(bindparam("first")))


@cache
def _containers_statement(dialect: str):  # type: ignore[no-untyped-def]
    """The containers holding :unit_ids, upwards to shipments, each with its parent container."""
    ci, c = ContainerItem.__table__, Container.__table__
    if dialect == "postgresql":  # one array parameter: thousands of ids plan like one
        holds_units = ci.c.unit_id == func.any(bindparam("unit_ids", type_=ARRAY(Integer)))
    else:
        holds_units = ci.c.unit_id.in_(bindparam("unit_ids", expanding=True))
    held = select(ci.c.container_id.label("container_id")).where(
        holds_units, ci.c.unpacked_at.is_(None)).cte("held_in", recursive=True)
    outer = ci.alias("outer_item")
    held = held.union(select(outer.c.container_id).select_from(
        held.join(outer, outer.c.child_container_id == held.c.container_id)
    ).where(outer.c.unpacked_at.is_(None)))
    up_item, pc = ci.alias("up_item"), c.alias("pc")
    return (
        select(c.c.code, c.c.kind, c.c.status, c.c.customer, c.c.shipped_at, pc.c.code.label("parent"))
        .select_from(
            c.outerjoin(up_item, and_(up_item.c.child_container_id == c.c.id,
                                      up_item.c.unpacked_at.is_(None)))
            .outerjoin(pc, pc.c.id == up_item.c.container_id))
        .where(c.c.id.in_(select(held.c.container_id)))
        .order_by(c.c.kind, c.c.code)
    )


def forward(session: Session, lot_code: str, *, include_removed: bool = False) -> ForwardTrace:
    """Every unit containing the lot at any level, the top-level units, their containers."""
    with graph_walk(session):
        rows = session.execute(_forward_units_statement(include_removed), {"lot": lot_code}).all()
        units = [_to_unit(r) for r in rows]
        containers = containers_of(session, [u.id for u in units])
    return ForwardTrace(
        lots=lot_family_codes(session, lot_code),
        units=units,
        top_level=[u for u, r in zip(units, rows, strict=True) if r.top],
        containers=containers,
    )


def forward_reach(session: Session, lot_code: str, *, include_removed: bool = False) -> ForwardReach:
    """Every unit containing the lot, by id, with the top-level ones: the recall scope in one walk.
    A page, the total and the containers (`containers_of`) are all taken from it."""
    with graph_walk(session):
        rows = session.execute(_forward_reach_statement(include_removed), {"lot": lot_code}).all()
    return ForwardReach(unit_ids=[r.id for r in rows], top_level_ids=[r.id for r in rows if r.top])


def forward_page(
    session: Session, lot_code: str, *, first: int, after_id: int = 0, include_removed: bool = False
) -> tuple[list[TraceUnit], int, bool]:
    """One keyset page of the units containing the lot: (units, total, has_next)."""
    with graph_walk(session):
        rows = session.execute(_forward_page_statement(include_removed),
                               {"lot": lot_code, "after": after_id, "first": first + 1}).all()
    total = rows[0].total if rows else _forward_total(session, lot_code, include_removed)
    page = [_to_unit(r) for r in rows]
    return page[:first], total, len(page) > first


def _forward_total(session: Session, lot_code: str, include_removed: bool) -> int:
    """The total when a page is empty (past the end): counted on its own."""
    units_cte = containing_units(include_removed)
    with graph_walk(session):
        return session.scalar(select(func.count()).select_from(units_cte), {"lot": lot_code}) or 0


def containers_of(session: Session, unit_ids: list[int]) -> list[TraceContainer]:
    """The containers holding these units, and those holding them, up to shipments."""
    if not unit_ids:
        return []
    statement = _containers_statement(session.get_bind().dialect.name)
    with graph_walk(session):  # else PostgreSQL hashes all of container_item for a few boxes
        rows = session.execute(statement, {"unit_ids": unit_ids}).all()
    return [TraceContainer(code=r.code, kind=r.kind, status=r.status, parent_code=r.parent,
                           customer=r.customer, shipped_at=r.shipped_at) for r in rows]


@cache
def _lot_family_statement():  # type: ignore[no-untyped-def]
    fam = _lot_family()
    lot = MaterialLot.__table__
    return select(lot.c.lot_code).where(lot.c.id.in_(select(fam.c.lot_id))).order_by(lot.c.id)


def lot_family_codes(session: Session, lot_code: str) -> list[str]:
    return list(session.scalars(_lot_family_statement(), {"lot": lot_code}))


@cache
def _unit_statement():  # type: ignore[no-untyped-def]
    cols, joined = _unit_columns()
    return select(*cols).select_from(joined).where(U.c.serial == bindparam("serial"))


def _unit_row(session: Session, serial: str) -> TraceUnit | None:
    r = session.execute(_unit_statement(), {"serial": serial}).first()
    return _to_unit(r) if r else None


@cache
def _ancestors_statement():  # type: ignore[no-untyped-def]
    up = select(bindparam("unit_id", type_=Integer).label("unit_id")).cte("anc", recursive=True)
    edge = I.alias("edge")
    return select(up.union(select(edge.c.parent_unit_id).select_from(
        up.join(edge, edge.c.child_unit_id == up.c.unit_id)).where(edge.c.removed_at.is_(None))).c.unit_id)


def ancestors(session: Session, unit_id: int) -> set[int]:
    """Units that (now) contain `unit_id`, at any level: used to refuse cycles."""
    return set(session.scalars(_ancestors_statement(), {"unit_id": unit_id})) - {unit_id}
