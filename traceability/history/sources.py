"""One keyset read per kind of fact: the next `limit` facts after a position, filtered.

Every source orders by (time, key) and continues strictly after the cursor (at, rank, key), so
merging the sources' first `limit` facts gives the stream's next `limit` facts; once `limit`
facts are known, later sources read only up to the last of them (`until`). Grouped kinds
(components installed at one instant into one unit, units commissioned or packed together) page
by their group's smallest row id. Members and names are then read for the whole page at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true, tuple_
from sqlalchemy.orm import Session

from traceability.history import refs
from traceability.history.facts import (
    Commissioned,
    Fact,
    Input,
    Installed,
    LotSplit,
    OperationDone,
    Packed,
    Parameter,
    Removed,
    Shipped,
    Test,
    UnitRef,
    Unpacked,
)
from traceability.models import (
    ComponentInstallation,
    Container,
    ContainerItem,
    MaterialLot,
    ProcessParameter,
    TestResult,
    Unit,
    UnitOperation,
    WorkOrder,
)

Cursor = tuple[datetime, int, int]
I = ComponentInstallation.__table__  # noqa: E741 - the installation table
OP = UnitOperation.__table__


@dataclass(frozen=True)
class UnitScope:
    id: int
    panel_id: int | None
    position: int | None
    cut: datetime | None


@dataclass(frozen=True)
class Scope:
    start: datetime | None = None
    end: datetime | None = None
    unit: UnitScope | None = None
    lot_id: int | None = None
    recorded: tuple[int, int] | None = None  # only rows recorded in (after, upto] (recording.py)


# A fact's time column -> the column that says when it was recorded (models/history.py).
RECORDED_BY = {"removed_at": "removed_seq", "completed_at": "completed_seq", "unpacked_at": "unpacked_seq",
               "shipped_at": "shipped_seq"}


def _window(col, scope: Scope) -> list[ColumnElement[bool]]:  # type: ignore[no-untyped-def]
    """The event-time filter, and the recording slice on the same table as `col`."""
    conds = []
    if scope.recorded is not None:
        seq = col.table.c[RECORDED_BY.get(col.name, "recorded_seq")]
        conds += [seq > scope.recorded[0], seq <= scope.recorded[1]]
    if scope.start is not None:
        conds.append(col >= scope.start)
    if scope.end is not None:
        conds.append(col < scope.end)
    return conds


@dataclass(frozen=True)
class Bounds:
    """A page: strictly after `after`, at most up to `until` (inclusive), at most `limit` facts."""

    after: Cursor | None
    until: Cursor | None
    limit: int


def _between(time, key, rank: int, b: Bounds) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """The exact keyset condition on (time, rank, key) for one source of rank `rank`."""
    conds = []
    if b.after is not None:
        at, arank, akey = b.after
        conds.append(time >= at if rank > arank else time > at if rank < arank
                     else or_(time > at, and_(time == at, key > akey)))
    if b.until is not None:
        ut, urank, ukey = b.until
        conds.append(time < ut if rank > urank else time <= ut if rank < urank
                     else or_(time < ut, and_(time == ut, key <= ukey)))
    return and_(true(), *conds)


def _time_range(time, rank: int, b: Bounds) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """The part of `_between` a WHERE can apply before grouping (so an index on the time column
    bounds the scan); the exact condition goes in the HAVING."""
    conds = []
    if b.after is not None:
        conds.append(time >= b.after[0] if rank >= b.after[1] else time > b.after[0])
    if b.until is not None:
        conds.append(time <= b.until[0] if rank <= b.until[1] else time < b.until[0])
    return and_(true(), *conds)


def _installs_of_unit(scope: Scope) -> ColumnElement[bool]:
    u = scope.unit
    if u is None:
        return I.c.lot_id == scope.lot_id if scope.lot_id is not None else true()
    conds = [I.c.parent_unit_id == u.id, I.c.child_unit_id == u.id]
    if u.panel_id is not None:
        conds.append(and_(I.c.parent_unit_id == u.panel_id,
                          or_(I.c.panel_position.is_(None), I.c.panel_position == u.position),
                          I.c.installed_at <= u.cut if u.cut is not None else true()))
    mine = or_(*conds)
    return and_(mine, I.c.lot_id == scope.lot_id) if scope.lot_id is not None else mine


def install_identity(parent: str, position: int | None, at: datetime, station: str | None,
                     operation: str | None) -> str:
    return f"installed|{parent}|{position}|{at.isoformat()}|{station}|{operation}"


def _outputs(parent: int, position: int | None, at: datetime, panels: dict[int, refs.PanelBoards],
             names: dict[int, UnitRef]) -> tuple[UnitRef, ...]:
    ids = [parent, *(panels[parent].inheriting(at, position) if parent in panels else [])]
    return tuple(names[i] for i in ids if i in names)


def lot_splits(session: Session, scope: Scope, b: Bounds) -> list[LotSplit]:
    if scope.unit is not None:
        return []
    lot = MaterialLot.__table__
    conds = [lot.c.parent_lot_id.is_not(None), *_window(lot.c.received_at, scope),
             _between(lot.c.received_at, lot.c.id, LotSplit.rank, b)]
    if scope.lot_id is not None:
        conds.append(or_(lot.c.id == scope.lot_id, lot.c.parent_lot_id == scope.lot_id))
    rows = session.execute(select(lot.c.id, lot.c.parent_lot_id, lot.c.received_at, lot.c.quantity)
                           .where(*conds).order_by(lot.c.received_at, lot.c.id).limit(b.limit)).all()
    names = refs.lots(session, [x for r in rows for x in (r.id, r.parent_lot_id)])
    return [LotSplit(at=r.received_at, key=r.id, identity=f"split|{names[r.id].code}",
                     source=names[r.parent_lot_id], lot=names[r.id], quantity=r.quantity) for r in rows]


def commissioned(session: Session, scope: Scope, b: Bounds) -> list[Commissioned]:
    if scope.lot_id is not None:
        return []
    u, wo = Unit.__table__, WorkOrder.__table__
    key = func.min(u.c.id)
    conds = [*_window(u.c.created_at, scope), _time_range(u.c.created_at, Commissioned.rank, b)]
    if scope.unit:
        conds.append(u.c.id == scope.unit.id)
    groups = session.execute(
        select(u.c.work_order_id, u.c.created_at, key.label("key")).where(*conds)
        .group_by(u.c.created_at, u.c.work_order_id)
        .having(_between(u.c.created_at, key, Commissioned.rank, b))
        .order_by(u.c.created_at, key).limit(b.limit)).all()
    if not groups:
        return []
    members = session.execute(
        select(u.c.id, u.c.work_order_id, u.c.created_at, wo.c.number, wo.c.line_code)
        .outerjoin(wo, wo.c.id == u.c.work_order_id)
        .where(u.c.created_at.in_({g.created_at for g in groups})).order_by(u.c.id)).all()
    names = refs.units(session, [m.id for m in members])
    by_group: dict[tuple, list] = {}
    for m in members:
        by_group.setdefault((m.work_order_id, m.created_at), []).append(m)
    out = []
    for g in groups:
        mine = by_group[(g.work_order_id, g.created_at)]
        out.append(Commissioned(
            at=g.created_at, key=g.key, identity=f"commissioned|{mine[0].number}|{g.created_at.isoformat()}",
            units=tuple(names[m.id] for m in mine), work_order=mine[0].number, line=mine[0].line_code))
    return out


@dataclass(frozen=True)
class PendingInstall(Fact):
    """An installation group's position, read first; its rows are read only if it makes the page."""

    rank: ClassVar[int] = Installed.rank
    parent_unit_id: int
    panel_position: int | None
    station: str | None
    operation: str | None


def installed(session: Session, scope: Scope, b: Bounds) -> list[PendingInstall]:
    """The groups (one per instant, unit, position, station, operation), positions only."""
    key = func.min(I.c.id)
    cols = (I.c.installed_at, I.c.parent_unit_id, I.c.panel_position, I.c.station, I.c.operation)
    groups = session.execute(
        select(*cols, key.label("key"))
        .where(*_window(I.c.installed_at, scope), _installs_of_unit(scope),
               _time_range(I.c.installed_at, Installed.rank, b))
        .group_by(*cols).having(_between(I.c.installed_at, key, Installed.rank, b))
        .order_by(I.c.installed_at, key).limit(b.limit)).all()
    return [PendingInstall(at=g.installed_at, key=g.key, identity="", parent_unit_id=g.parent_unit_id,
                           panel_position=g.panel_position, station=g.station, operation=g.operation)
            for g in groups]


def complete_installs(session: Session, pending: list[PendingInstall]) -> dict[int, Installed]:
    """The rows of the groups on the page: by parent (indexed) within the page's time span."""
    if not pending:
        return {}
    rows = session.execute(
        select(I).where(I.c.parent_unit_id.in_({g.parent_unit_id for g in pending}),
                        I.c.installed_at >= min(g.at for g in pending),
                        I.c.installed_at <= max(g.at for g in pending)).order_by(I.c.id)).all()
    wanted = {(g.parent_unit_id, g.panel_position, g.at, g.station, g.operation): g for g in pending}
    members: dict[int, list] = {}
    for r in rows:
        g = wanted.get((r.parent_unit_id, r.panel_position, r.installed_at, r.station, r.operation))
        if g is not None:
            members.setdefault(g.key, []).append(r)
    panels = refs.panels(session, {g.parent_unit_id for g in pending})
    names = refs.units(session, [*(r.child_unit_id for r in rows), *(g.parent_unit_id for g in pending),
                                 *(b.id for p in panels.values() for b in p.boards)])
    lots = refs.lots(session, [r.lot_id for r in rows])
    lines = refs.lines(session, [g.station for g in pending])
    return {g.key: Installed(
        at=g.at, key=g.key,
        identity=install_identity(names[g.parent_unit_id].serial, g.panel_position, g.at, g.station,
                                  g.operation),
        outputs=_outputs(g.parent_unit_id, g.panel_position, g.at, panels, names),
        inputs=tuple(_input(r, lots, names) for r in members.get(g.key, ())),
        station=g.station, operation=g.operation, line=lines.get(g.station or "")) for g in pending}


def _input(r, lots, names) -> Input:  # type: ignore[no-untyped-def]
    return Input(lot=lots.get(r.lot_id) if r.lot_id else None,
                 unit=names.get(r.child_unit_id) if r.child_unit_id else None,
                 quantity=r.quantity, reference_designator=r.reference_designator,
                 attribution=r.attribution)


def removed(session: Session, scope: Scope, b: Bounds) -> list[Removed]:
    rows = session.execute(
        select(I).where(I.c.removed_at.is_not(None), *_window(I.c.removed_at, scope),
                        _installs_of_unit(scope), _between(I.c.removed_at, I.c.id, Removed.rank, b))
        .order_by(I.c.removed_at, I.c.id).limit(b.limit)).all()
    if not rows:
        return []
    panels = refs.panels(session, {r.parent_unit_id for r in rows})
    names = refs.units(session, [*(r.child_unit_id for r in rows), *(r.parent_unit_id for r in rows),
                                 *(b.id for p in panels.values() for b in p.boards)])
    lots = refs.lots(session, [r.lot_id for r in rows])
    return [Removed(
        at=r.removed_at, key=r.id, identity=f"removed|{r.id}",
        outputs=_outputs(r.parent_unit_id, r.panel_position, r.installed_at, panels, names),
        installed=install_identity(names[r.parent_unit_id].serial, r.panel_position, r.installed_at,
                                   r.station, r.operation),
        input=_input(r, lots, names), reason=r.removal_reason) for r in rows]


def completed_operations(session: Session, scope: Scope, b: Bounds
                         ) -> list[OperationDone]:
    return _operations(session, scope, b, OP.c.completed_at, "operation")


def open_operations(session: Session, scope: Scope, b: Bounds) -> list[OperationDone]:
    """Operations started and not completed: at their start, as work in progress."""
    return _operations(session, scope, b, OP.c.started_at, "operation-open")


def _operations(session: Session, scope: Scope, b: Bounds, at, name: str  # type: ignore[no-untyped-def]
                ) -> list[OperationDone]:
    if scope.lot_id is not None:
        return []
    done = OP.c.completed_at.is_not(None) if name == "operation" else OP.c.completed_at.is_(None)
    conds = [done, *_window(at, scope), _between(at, OP.c.id, OperationDone.rank, b)]
    if scope.unit is not None:
        u = scope.unit
        conds.append(or_(OP.c.unit_id == u.id, and_(
            OP.c.unit_id == u.panel_id, OP.c.started_at <= u.cut if u.cut is not None else true())
            if u.panel_id is not None else false()))
    wo = WorkOrder.__table__
    rows = session.execute(
        select(OP, at.label("at"), wo.c.number, wo.c.line_code).outerjoin(wo, wo.c.id == OP.c.work_order_id)
        .where(*conds).order_by(at, OP.c.id).limit(b.limit)).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    params: dict[int, list[Parameter]] = {}
    pp = ProcessParameter.__table__
    for p in session.execute(select(pp).where(pp.c.unit_operation_id.in_(ids)).order_by(pp.c.id)):
        params.setdefault(p.unit_operation_id, []).append(
            Parameter(name=p.name, value=p.value, unit=p.unit, recorded_at=p.recorded_at))
    tests: dict[int, list[Test]] = {}
    tr = TestResult.__table__
    for x in session.execute(select(tr).where(tr.c.unit_operation_id.in_(ids)).order_by(tr.c.id)):
        tests.setdefault(x.unit_operation_id, []).append(Test(
            name=x.name, kind=x.kind, result=x.result, measured=x.measured, unit=x.unit,
            defect_code=x.defect_code, reference_designator=x.reference_designator))
    panels = refs.panels(session, {r.unit_id for r in rows})
    names = refs.units(session, [*(r.unit_id for r in rows),
                                 *(b.id for p in panels.values() for b in p.boards)])
    lines = refs.lines(session, [r.station for r in rows])
    return [OperationDone(
        at=r.at, key=r.id, identity=f"{name}|{r.id}",
        units=_outputs(r.unit_id, None, r.started_at, panels, names), operation=r.operation,
        station=r.station, line=lines.get(r.station, r.line_code), operator=r.operator,
        started_at=r.started_at, completed_at=r.completed_at, result=r.result, work_order=r.number,
        parameters=tuple(params.get(r.id, ())), tests=tuple(tests.get(r.id, ()))) for r in rows]


def _packing(session: Session, scope: Scope, b: Bounds, kind: type[Packed]
             ) -> list[Packed]:
    if scope.lot_id is not None:
        return []
    ci = ContainerItem.__table__
    time = ci.c.packed_at if kind is Packed else ci.c.unpacked_at
    key = func.min(ci.c.id)
    conds = [time.is_not(None), *_window(time, scope), _time_range(time, kind.rank, b)]
    if scope.unit is not None:
        conds.append(ci.c.unit_id == scope.unit.id)
    groups = session.execute(
        select(ci.c.container_id, time.label("at"), key.label("key")).where(*conds)
        .group_by(time, ci.c.container_id).having(_between(time, key, kind.rank, b))
        .order_by(time, key).limit(b.limit)).all()
    if not groups:
        return []
    members = session.execute(
        select(ci.c.container_id, time.label("at"), ci.c.unit_id, ci.c.child_container_id)
        .where(tuple_(ci.c.container_id, time).in_({(g.container_id, g.at) for g in groups}))
        .order_by(ci.c.id)).all()
    units = refs.units(session, [m.unit_id for m in members])
    boxes = refs.containers(session, [*(m.child_container_id for m in members),
                                      *(g.container_id for g in groups)])
    verb = "packed" if kind is Packed else "unpacked"
    by_group: dict[tuple, list] = {}
    for m in members:
        by_group.setdefault((m.container_id, m.at), []).append(m)
    out = []
    for g in groups:
        mine = by_group[(g.container_id, g.at)]
        box = boxes[g.container_id]
        out.append(kind(at=g.at, key=g.key, identity=f"{verb}|{box.code}|{g.at.isoformat()}", container=box,
                        units=tuple(units[m.unit_id] for m in mine if m.unit_id),
                        containers=tuple(boxes[m.child_container_id] for m in mine if m.child_container_id)))
    return out


def packed(session: Session, scope: Scope, b: Bounds) -> list[Packed]:
    return _packing(session, scope, b, Packed)


def unpacked(session: Session, scope: Scope, b: Bounds) -> list[Packed]:
    return _packing(session, scope, b, Unpacked)


def shipped(session: Session, scope: Scope, b: Bounds) -> list[Shipped]:
    if scope.lot_id is not None or scope.unit is not None:
        return []
    c = Container.__table__
    rows = session.execute(
        select(c).where(c.c.shipped_at.is_not(None), *_window(c.c.shipped_at, scope),
                        _between(c.c.shipped_at, c.c.id, Shipped.rank, b))
        .order_by(c.c.shipped_at, c.c.id).limit(b.limit)).all()
    boxes = refs.containers(session, [r.id for r in rows])
    return [Shipped(at=r.shipped_at, key=r.id, identity=f"shipped|{r.code}", container=boxes[r.id],
                    customer=r.customer, destination=r.destination) for r in rows]


# The densest first: each source's last fact bounds what the next ones need to read.
SOURCES = (installed, completed_operations, commissioned, packed, removed, open_operations, unpacked,
           lot_splits, shipped)
