"""Genealogy: the as-built record of a unit (backward) and where a lot went (forward).

Both are recursive CTEs that run unchanged on SQLite and PostgreSQL, one statement per question,
never a query per node. The recursion uses UNION (not UNION ALL), so a cycle in bad data ends
the walk instead of looping.

Time-awareness: an installation counts at time `at` when installed_at <= at and it was not removed
by then. With `at=None` the question is "now": every installation not removed. Boards inherit
what was installed on their panel at their position (or on the whole panel) until the panel was
depanelized.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select, true, union
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


# --- shared conditions -------------------------------------------------------------------------


def _in_effect(inst, at: datetime | None, include_removed: bool) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    conds = []
    if at is not None:
        conds.append(inst.c.installed_at <= at)
    if not include_removed:
        conds.append(inst.c.removed_at.is_(None) if at is None else
                     or_(inst.c.removed_at.is_(None), inst.c.removed_at > at))
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


# --- backward --------------------------------------------------------------------------------


def _as_built_tree(serial: str, at: datetime | None, include_removed: bool):  # type: ignore[no-untyped-def]
    """Every unit in the as-built of `serial` (itself included), with its panel for inheritance."""
    panel = U.alias("panel")
    base = (
        select(U.c.id.label("unit_id"), U.c.panel_unit_id.label("panel_id"),
               U.c.panel_position.label("pos"), panel.c.depanelized_at.label("cut"))
        .select_from(U.outerjoin(panel, panel.c.id == U.c.panel_unit_id))
        .where(U.c.serial == serial)
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
        .where(inst.c.child_unit_id.is_not(None), _in_effect(inst, at, include_removed))
    )
    return tree.union(step)


def backward(
    session: Session, serial: str, *, at: datetime | None = None, include_removed: bool = False
) -> BackwardTrace:
    """The as-built record of `serial` through every level, as of `at` (default: now)."""
    root = _unit_row(session, serial)
    if root is None:
        return BackwardTrace(root=None)
    tree = _as_built_tree(serial, at, include_removed)
    owner, child, part = U.alias("owner"), U.alias("child"), Part.__table__
    lot = MaterialLot.__table__
    rows = session.execute(
        select(
            owner.c.serial.label("parent_serial"), part.c.part_number, I.c.reference_designator,
            I.c.quantity, I.c.installed_at, I.c.removed_at, I.c.removal_reason, I.c.station,
            I.c.operation, I.c.location, I.c.attribution,
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
        .where(_in_effect(I, at, include_removed))
        .order_by(owner.c.serial, I.c.reference_designator.nulls_last(), I.c.installed_at, I.c.id)
    ).all()
    units, materials = [], []
    depth = {serial: 0}
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
                date_code=r.date_code, lot_status=r.lot_status))
    # Depth from the root, following parent links (the rows are few: one unit's as-built).
    pending = list(units)
    for _ in range(len(pending) + 1):
        rest = []
        for u in pending:
            if u.parent_serial in depth:
                depth[u.serial] = depth[u.parent_serial] + 1
            else:
                rest.append(u)
        if not rest or len(rest) == len(pending):
            break
        pending = rest
    units = [TraceUnit(**{**u.__dict__, "depth": depth.get(u.serial, 0)}) for u in units]
    return BackwardTrace(root=root, units=units, materials=materials)


# --- forward ---------------------------------------------------------------------------------


def _lot_family(lot_code: str):  # type: ignore[no-untyped-def]
    """The lot and every sublot split from it, at any depth."""
    lot = MaterialLot.__table__
    base = select(lot.c.id.label("lot_id")).where(lot.c.lot_code == lot_code).cte("lots", recursive=True)
    sub = lot.alias("sub")
    return base.union(select(sub.c.id).select_from(base.join(sub, sub.c.parent_lot_id == base.c.lot_id)))


def containing_units(lot_code: str, *, include_removed: bool = False):  # type: ignore[no-untyped-def]
    """A CTE of every unit id that contains the lot (or its sublots) at any level."""
    lots = _lot_family(lot_code)
    direct, board, pan = I.alias("direct"), U.alias("board"), U.alias("pan")
    active = _in_effect(direct, None, include_removed)
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
    ).where(_in_effect(edge, None, include_removed))
    return up.union(step)


def _containers_of(units):  # type: ignore[no-untyped-def]
    """A CTE of the containers holding those units, and the containers holding those, upwards."""
    ci = ContainerItem.__table__
    base = select(ci.c.container_id.label("container_id")).where(
        ci.c.unit_id.in_(select(units.c.unit_id)), ci.c.unpacked_at.is_(None)
    ).cte("held_in", recursive=True)
    outer = ci.alias("outer_item")
    return base.union(
        select(outer.c.container_id).select_from(
            base.join(outer, outer.c.child_container_id == base.c.container_id)
        ).where(outer.c.unpacked_at.is_(None))
    )


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


def forward(session: Session, lot_code: str, *, include_removed: bool = False) -> ForwardTrace:
    """Every unit containing the lot at any level, the top-level units, their containers."""
    units_cte = containing_units(lot_code, include_removed=include_removed)
    cols, joined = _unit_columns()
    units = [_to_unit(r) for r in session.execute(
        select(*cols).select_from(joined).where(U.c.id.in_(select(units_cte.c.unit_id))).order_by(U.c.id)
    )]
    top_ids = set(session.scalars(select(U.c.id).where(
        U.c.id.in_(select(units_cte.c.unit_id)), _is_top_level())))
    return ForwardTrace(
        lots=lot_family_codes(session, lot_code),
        units=units,
        top_level=[u for u in units if u.id in top_ids],
        containers=_containers(session, containing_units(lot_code, include_removed=include_removed)),
    )


def forward_page(
    session: Session, lot_code: str, *, first: int, after_id: int = 0, include_removed: bool = False
) -> tuple[list[TraceUnit], int, bool]:
    """One keyset page of the units containing the lot: (units, total, has_next)."""
    units_cte = containing_units(lot_code, include_removed=include_removed)
    cols, joined = _unit_columns()
    page = [_to_unit(r) for r in session.execute(
        select(*cols).select_from(joined)
        .where(U.c.id.in_(select(units_cte.c.unit_id)), U.c.id > after_id)
        .order_by(U.c.id).limit(first + 1)
    )]
    total = session.scalar(select(func.count()).select_from(units_cte)) or 0
    return page[:first], total, len(page) > first


def _containers(session: Session, units_cte) -> list[TraceContainer]:  # type: ignore[no-untyped-def]
    held = _containers_of(units_cte)
    c, ci = Container.__table__, ContainerItem.__table__
    parent = select(ci.c.child_container_id, func.min(ci.c.container_id).label("parent_id")).where(
        ci.c.child_container_id.is_not(None), ci.c.unpacked_at.is_(None)
    ).group_by(ci.c.child_container_id).subquery()
    pc = c.alias("pc")
    rows = session.execute(
        select(c.c.code, c.c.kind, c.c.status, c.c.customer, c.c.shipped_at, pc.c.code.label("parent"))
        .select_from(c.outerjoin(parent, parent.c.child_container_id == c.c.id)
                     .outerjoin(pc, pc.c.id == parent.c.parent_id))
        .where(c.c.id.in_(select(held.c.container_id)))
        .order_by(c.c.kind, c.c.code)
    ).all()
    return [TraceContainer(code=r.code, kind=r.kind, status=r.status, parent_code=r.parent,
                           customer=r.customer, shipped_at=r.shipped_at) for r in rows]


def lot_family_codes(session: Session, lot_code: str) -> list[str]:
    fam = _lot_family(lot_code)
    lot = MaterialLot.__table__
    return list(session.scalars(
        select(lot.c.lot_code).where(lot.c.id.in_(select(fam.c.lot_id))).order_by(lot.c.id)))


def _unit_row(session: Session, serial: str) -> TraceUnit | None:
    cols, joined = _unit_columns()
    r = session.execute(select(*cols).select_from(joined).where(U.c.serial == serial)).first()
    return _to_unit(r) if r else None


def ancestors(session: Session, unit_id: int) -> set[int]:
    """Units that (now) contain `unit_id`, at any level: used to refuse cycles."""
    up = select(literal(unit_id).label("unit_id")).cte("anc", recursive=True)
    edge = I.alias("edge")
    up = up.union(select(edge.c.parent_unit_id).select_from(
        up.join(edge, edge.c.child_unit_id == up.c.unit_id)).where(edge.c.removed_at.is_(None)))
    return set(session.scalars(select(up.c.unit_id))) - {unit_id}
