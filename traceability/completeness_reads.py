"""The reads behind IPC-1782 completeness: a few set-based statements per selection of units.

A selection (one serial, a work order's units, the units registered in a time range) is resolved
to unit ids once; every other read takes the ids as one parameter (an array on PostgreSQL, an
expanding IN on SQLite, in chunks of CHUNK), so a work order of ten thousand units costs the same
handful of statements as one unit. The statements are built once per shape and cached: building
SQLAlchemy constructs costs more than running these queries.
What a unit owns follows the genealogy rules: its own records, and its panel's records at its
position (or panel-wide) made before the panel was cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Protocol

from sqlalchemy import Integer, Select, and_, bindparam, func, or_, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from traceability.models import (
    ComponentInstallation,
    MaterialLot,
    OperationMaterial,
    ParameterSpec,
    Part,
    ProcessParameter,
    Routing,
    RoutingOperation,
    Unit,
    UnitOperation,
    WorkOrder,
)

I = ComponentInstallation.__table__  # noqa: E741 - the installation table
U = Unit.__table__
OP = UnitOperation.__table__


@dataclass(frozen=True)
class UnitRow:
    id: int
    serial: str
    kind: str
    part_number: str
    work_order: str | None
    routing_id: int | None
    routing: str | None  # "part/revision"
    panel_id: int | None


@dataclass(frozen=True)
class BomLine:
    operation: str
    part_id: int
    part_number: str
    serialized: bool
    designators: tuple[str, ...]


@dataclass(frozen=True)
class RoutingNeeds:
    operations: tuple[str, ...]  # codes in sequence order
    bom: tuple[BomLine, ...]
    parameters: dict[str, tuple[str, ...]]  # operation code -> required parameter names


class Placement(Protocol):
    """An installation row as read (attribute access on the result row: no copy per row)."""

    owner: int
    reference_designator: str | None
    part_id: int
    lot: str | None
    child_unit_id: int | None
    attribution: str
    station: str | None


@dataclass(frozen=True, slots=True)
class OperationRecord:
    owner: int
    id: int
    operation: str
    station: str
    operator: str | None
    started_at: datetime
    completed_at: datetime | None
    result: str | None


CHUNK = 30000  # ids per statement on SQLite (its default limit of bound variables is 32766)


def _ids_match(col, dialect: str):  # type: ignore[no-untyped-def]
    if dialect == "postgresql":  # one array parameter: thousands of ids plan like one
        return col == func.any(bindparam("ids", type_=ARRAY(Integer)))
    return col.in_(bindparam("ids", expanding=True))


def _run(session: Session, statement, ids: list[int]) -> list:  # type: ignore[no-untyped-def]
    if not ids:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(session.execute(statement, {"ids": ids}).all())
    return [r for i in range(0, len(ids), CHUNK)
            for r in session.execute(statement, {"ids": ids[i:i + CHUNK]}).all()]


def _selection(dialect: str):  # type: ignore[no-untyped-def]
    """The selected units with what inheritance needs: their panel, position and the cut."""
    panel = U.alias("sel_panel")
    return (
        select(U.c.id.label("owner"), U.c.panel_unit_id.label("panel_id"),
               U.c.panel_position.label("pos"), panel.c.depanelized_at.label("cut"))
        .select_from(U.outerjoin(panel, panel.c.id == U.c.panel_unit_id))
        .where(_ids_match(U.c.id, dialect))
        .subquery("sel")
    )


def unit_ids(session: Session, selection: Select) -> list[int]:
    return list(session.scalars(selection))


@cache
def _units_statement(dialect: str):  # type: ignore[no-untyped-def]
    wo, part, routing, rpart = (WorkOrder.__table__, Part.__table__, Routing.__table__,
                                Part.__table__.alias("rpart"))
    return (select(U.c.id, U.c.serial, U.c.kind, U.c.panel_unit_id, part.c.part_number, wo.c.number,
                   wo.c.routing_id, rpart.c.part_number.label("routing_part"), routing.c.revision)
            .select_from(U.join(part, part.c.id == U.c.part_id)
                         .outerjoin(wo, wo.c.id == U.c.work_order_id)
                         .outerjoin(routing, routing.c.id == wo.c.routing_id)
                         .outerjoin(rpart, rpart.c.id == routing.c.part_id))
            .where(_ids_match(U.c.id, dialect)))


def units(session: Session, ids: list[int]) -> list[UnitRow]:
    rows = _run(session, _units_statement(session.get_bind().dialect.name), ids)
    return [UnitRow(id=r.id, serial=r.serial, kind=r.kind, part_number=r.part_number,
                    work_order=r.number, routing_id=r.routing_id, panel_id=r.panel_unit_id,
                    routing=f"{r.routing_part}/{r.revision}" if r.routing_id else None)
            for r in sorted(rows, key=lambda r: r.id)]


def routing_needs(session: Session, routing_ids: set[int]) -> dict[int, RoutingNeeds]:
    """What each routing revision says must be recorded: three statements for all of them."""
    if not routing_ids:
        return {}
    ro = RoutingOperation.__table__
    ops = session.execute(select(ro.c.id, ro.c.routing_id, ro.c.code).where(
        ro.c.routing_id.in_(routing_ids)).order_by(ro.c.routing_id, ro.c.sequence)).all()
    om, part = OperationMaterial.__table__, Part.__table__
    mats = session.execute(
        select(om.c.operation_id, om.c.part_id, part.c.part_number, part.c.serialized,
               om.c.reference_designators)
        .join(part, part.c.id == om.c.part_id)
        .where(om.c.operation_id.in_([o.id for o in ops])).order_by(om.c.id)).all()
    ps = ParameterSpec.__table__
    specs = session.execute(select(ps.c.operation_id, ps.c.name).where(
        ps.c.operation_id.in_([o.id for o in ops]), ps.c.required.is_(True)).order_by(ps.c.id)).all()
    code = {o.id: o.code for o in ops}
    out = {}
    for rid in routing_ids:
        op_ids = [o.id for o in ops if o.routing_id == rid]
        out[rid] = RoutingNeeds(
            operations=tuple(code[i] for i in op_ids),
            bom=tuple(BomLine(operation=code[m.operation_id], part_id=m.part_id,
                              part_number=m.part_number, serialized=m.serialized,
                              designators=tuple(m.reference_designators.split()))
                      for m in mats if m.operation_id in op_ids),
            parameters={code[i]: tuple(s.name for s in specs if s.operation_id == i) for i in op_ids},
        )
    return out


@cache
def _placements_statement(dialect: str):  # type: ignore[no-untyped-def]
    sel = _selection(dialect)
    lot = MaterialLot.__table__
    cols = (I.c.reference_designator, I.c.part_id, I.c.child_unit_id, I.c.attribution, I.c.station,
            I.c.lot_id)
    own = select(sel.c.owner, *cols).select_from(sel.join(I, I.c.parent_unit_id == sel.c.owner)).where(
        I.c.removed_at.is_(None))
    inherited = select(sel.c.owner, *cols).select_from(sel.join(I, and_(
        I.c.parent_unit_id == sel.c.panel_id,
        or_(I.c.panel_position.is_(None), I.c.panel_position == sel.c.pos),
        or_(sel.c.cut.is_(None), I.c.installed_at <= sel.c.cut),
    ))).where(I.c.removed_at.is_(None))
    both = union_all(own, inherited).subquery("owned")
    return select(both, lot.c.lot_code.label("lot")).select_from(
        both.outerjoin(lot, lot.c.id == both.c.lot_id))


def placements(session: Session, ids: list[int]) -> list[Placement]:
    """Installations in effect now on the units: their own and their panel position's."""
    return _run(session, _placements_statement(session.get_bind().dialect.name), ids)


@cache
def _operations_statement(dialect: str):  # type: ignore[no-untyped-def]
    sel = _selection(dialect)
    cols = (OP.c.id, OP.c.operation, OP.c.station, OP.c.operator, OP.c.started_at,
            OP.c.completed_at, OP.c.result)
    own = select(sel.c.owner, *cols).select_from(sel.join(OP, OP.c.unit_id == sel.c.owner))
    inherited = select(sel.c.owner, *cols).select_from(sel.join(OP, and_(
        OP.c.unit_id == sel.c.panel_id, or_(sel.c.cut.is_(None), OP.c.started_at <= sel.c.cut))))
    return union_all(own, inherited)


@cache
def _parameters_statement(dialect: str):  # type: ignore[no-untyped-def]
    """Parameter names per operation record, found by unit (indexed) rather than by operation."""
    pp = ProcessParameter.__table__
    return select(pp.c.unit_operation_id, pp.c.name).where(
        _ids_match(pp.c.unit_id, dialect), pp.c.unit_operation_id.is_not(None)).distinct()


def operations(session: Session, units: list[UnitRow]) -> tuple[list[OperationRecord], dict[int, set[str]]]:
    """Operation records of the units (their panel's included) and the parameter names of each."""
    dialect = session.get_bind().dialect.name
    rows = _run(session, _operations_statement(dialect), [u.id for u in units])
    records = [OperationRecord(owner=r.owner, id=r.id, operation=r.operation, station=r.station,
                               operator=r.operator, started_at=r.started_at,
                               completed_at=r.completed_at, result=r.result)
               for r in sorted(rows, key=lambda r: (r.started_at, r.id))]
    holders = sorted({u.id for u in units} | {u.panel_id for u in units if u.panel_id is not None})
    wanted = {r.id for r in records}
    params: dict[int, set[str]] = {}
    for op_id, name in _run(session, _parameters_statement(dialect), holders):
        if op_id in wanted:
            params.setdefault(op_id, set()).add(name)
    return records, params
