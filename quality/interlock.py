"""The route interlock: may this unit be worked at this station, at this operation, now?

`check_units` answers a batch (a CFX ValidateUnitsRequest names several units) with two indexed
reads whatever the batch size: the units with their panel, work order, routing, the containers
around them, whether any of those is held, and the completed operations of the units and their
panels; then the stations' type and loaded material. The details of holds are read only when a
unit is held (`quality.holds`), routing steps once per published revision. It writes nothing.

The rules, in the plant's words: the unit is at this step of its work order's pinned routing
revision, every earlier step passed (its latest execution), and the step has not run yet unless
the routing allows it to repeat (a rework or retest loop); the unit is in process (not scrapped,
shipped, or a panel already cut) and not built into another unit; its work order is released;
nothing holds it; the material loaded at the station is neither quarantined nor held. A board
counts the operations its panel went through before depanelization.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, union_all
from sqlalchemy.orm import Session

from quality.holds import carriers_columns, carriers_of, first_open_hold, open_holds, station_state
from traceability.models import (
    ComponentInstallation,
    Routing,
    RoutingOperation,
    Unit,
    UnitOperation,
    WorkOrder,
)

RUNNABLE_ORDERS = {"released", "in_progress"}


@dataclass(frozen=True)
class UnitCheck:
    serial: str
    station: str
    operation: str


@dataclass(frozen=True)
class Reason:
    code: str  # stable, for machines: skipped, repeated, on_hold, material_quarantined, ...
    message: str


@dataclass
class CheckResult:
    serial: str
    station: str
    operation: str
    reasons: list[Reason] = field(default_factory=list)
    work_order: str | None = None
    routing_revision: str | None = None
    next_operation: str | None = None  # the first step not yet passed

    @property
    def go(self) -> bool:
        return not self.reasons

    def refuse(self, code: str, message: str) -> None:
        self.reasons.append(Reason(code, message))


@dataclass(frozen=True)
class _Step:
    sequence: int
    code: str
    allow_repeat: bool
    station_type: str


def _units_select():  # type: ignore[no-untyped-def]
    """Each unit with its panel, order, routing, containers and whether anything holds it."""
    u, panel, wo, r = Unit.__table__, Unit.__table__.alias("panel"), WorkOrder.__table__, Routing.__table__
    carriers, joined = carriers_columns(u, panel, wo)
    c = {col.name: col for col in carriers}
    held = first_open_hold(u.c.serial, c["panel_serial"], c["wo_number"],
                           [c["container1"], c["container2"], c["container3"]])
    inst, parent = ComponentInstallation.__table__, Unit.__table__.alias("parent")
    built_into = (select(parent.c.serial).select_from(inst.join(parent, parent.c.id == inst.c.parent_unit_id))
                  .where(inst.c.child_unit_id == u.c.id, inst.c.removed_at.is_(None))
                  .limit(1).scalar_subquery())
    return (select(u.c.id, u.c.serial, u.c.status, u.c.panel_unit_id, panel.c.depanelized_at.label("cut"),
                   wo.c.status.label("wo_status"), wo.c.routing_id, r.c.revision,
                   r.c.created_at.label("routing_created"), held.label("held"),
                   built_into.label("built_into"), *carriers)
            .select_from(joined.outerjoin(r, r.c.id == wo.c.routing_id))
            .where(u.c.serial.in_(bindparam("serials", expanding=True))))


@cache
def _checked_statement():  # type: ignore[no-untyped-def]
    """The units (`_units_select`), each joined to its completed operations and its panel's: one row
    per operation, or one row for a unit without any. Each operation branch is an equality join on
    the operation's unit (an index range per unit, whatever the statistics)."""
    units = _units_select().cte("checked")
    op = UnitOperation.__table__
    done = and_(op.c.completed_at.is_not(None), or_(op.c.result.is_(None), op.c.result != "aborted"))

    def operations_of(owner):  # type: ignore[no-untyped-def]
        return (select(units.c.id.label("for_unit"), op.c.unit_id.label("op_unit"), op.c.operation,
                       op.c.result, op.c.started_at, op.c.id.label("op_id"))
                .select_from(units.join(op, op.c.unit_id == owner)).where(done))

    history = union_all(operations_of(units.c.id), operations_of(units.c.panel_unit_id)).subquery("history")
    return (select(units, history.c.op_unit, history.c.operation, history.c.result, history.c.started_at)
            .select_from(units.outerjoin(history, history.c.for_unit == units.c.id))
            .order_by(units.c.id, history.c.started_at, history.c.op_id))


@cache
def _steps_statement():  # type: ignore[no-untyped-def]
    ro = RoutingOperation.__table__
    return (select(ro.c.routing_id, ro.c.sequence, ro.c.code, ro.c.allow_repeat, ro.c.station_type)
            .where(ro.c.routing_id.in_(bindparam("routings", expanding=True))).order_by(ro.c.sequence))


# A published routing revision never changes (DefineRouting refuses other content under it), so its
# steps are kept per process, keyed by database, routing id and creation time (a re-created
# database reusing an id does not match).
_STEPS: dict[tuple[str, int, object], dict[str, _Step]] = {}
_STEPS_CAP = 1024


def _routing_steps(session: Session, routings: dict[int, object]) -> dict[int, dict[str, _Step]]:
    db = str(session.get_bind().url)
    cached = {rid: _STEPS.get((db, rid, created)) for rid, created in routings.items()}
    out = {rid: steps for rid, steps in cached.items() if steps is not None}  # .get: threads may clear
    missing = [rid for rid in routings if rid not in out]
    if missing:
        for rid in missing:
            out[rid] = {}
        for s in session.execute(_steps_statement(), {"routings": missing}):
            out[s.routing_id][s.code] = _Step(s.sequence, s.code, s.allow_repeat, s.station_type)
        if len(_STEPS) > _STEPS_CAP:
            _STEPS.clear()
        for rid in missing:
            _STEPS[(db, rid, routings[rid])] = out[rid]
    return out


def check_unit(session: Session, serial: str, *, station: str, operation: str) -> CheckResult:
    return check_units(session, [UnitCheck(serial, station, operation)])[0]


def check_units(session: Session, requests: list[UnitCheck]) -> list[CheckResult]:
    """Go/no-go with every reason, one result per request, in request order."""
    if not requests:
        return []
    units: dict[str, Any] = {}
    history: dict[int, list] = defaultdict(list)  # unit id -> its operations and its panel's, by time
    for row in session.execute(_checked_statement(), {"serials": list({q.serial for q in requests})}):
        units.setdefault(row.serial, row)
        if row.operation is not None:
            history[row.id].append(row)
    steps = _routing_steps(session, {u.routing_id: u.routing_created for u in units.values() if u.routing_id})
    held = open_holds(session, {u.id: carriers_of(u.serial, u) for u in units.values() if u.held})
    station_types, material = station_state(session, {q.station for q in requests})

    results = []
    for q in requests:
        res = CheckResult(serial=q.serial, station=q.station, operation=q.operation)
        results.append(res)
        u = units.get(q.serial)
        if u is None:
            res.refuse("unknown_unit", f"unit {q.serial!r} is not known")
            continue
        res.work_order, res.routing_revision = u.wo_number, u.revision
        if u.status != "in_process":
            res.refuse(u.status, f"unit {q.serial} is {u.status}")
        if u.built_into:  # worked on as part of that unit now, on that unit's routing
            res.refuse("installed", f"unit {q.serial} is built into {u.built_into}")
        ops = history.get(u.id, [])
        past = [h for h in ops if h.op_unit != u.id and (u.cut is None or h.started_at <= u.cut)]
        _route(res, u, steps.get(u.routing_id, {}), past + [h for h in ops if h.op_unit == u.id],
               station_types.get(q.station))
        for h in held.get(u.id, []):
            on = "" if h.via == "unit" else f" (through its {h.via.replace('_', ' ')} {h.target})"
            res.refuse("on_hold", f"on hold{on}: {h.reason} (hold {h.id}, by {h.held_by})")
        for m in material.get(q.station, []):
            via = "" if m.blocked_lot == m.lot else f" (from lot {m.blocked_lot})"
            res.refuse(f"material_{m.problem}",
                       f"material {m.lot} at {q.station}/{m.location} is {m.problem.replace('_', ' ')}"
                       f"{via}: {m.reason}")
    return results


def _route(res: CheckResult, u, steps: dict[str, _Step], history: list, station_type: str | None) -> None:  # type: ignore[no-untyped-def]
    """Work order and routing rules: released order, a step of its revision, in sequence."""
    if u.wo_number is None:
        res.refuse("no_work_order", f"unit {res.serial} belongs to no work order")
        return
    if u.wo_status not in RUNNABLE_ORDERS:
        res.refuse("work_order_not_released", f"work order {u.wo_number} is {u.wo_status}")
    if u.routing_id is None:
        res.refuse("no_routing", f"work order {u.wo_number} has no routing revision")
        return
    last: dict[str, str | None] = {}
    for h in history:  # oldest first: the last write per step is its latest execution
        if h.operation in steps:
            last[h.operation] = h.result
    ordered = sorted(steps.values(), key=lambda s: s.sequence)
    res.next_operation = next((s.code for s in ordered if last.get(s.code) != "pass"), None)
    step = steps.get(res.operation)
    if step is None:
        res.refuse("not_on_routing", f"{res.operation} is not a step of routing revision {u.revision} "
                   f"(steps: {' '.join(s.code for s in ordered)})")
        return
    if station_type and step.station_type and station_type != step.station_type:
        res.refuse("wrong_station", f"{res.station} is a {station_type} station; {step.code} needs "
                   f"{step.station_type}")
    if step.code in last:
        if not step.allow_repeat:
            res.refuse("repeated", f"{step.code} already ran (result {last[step.code]}) and routing "
                       f"revision {u.revision} does not allow it to repeat")
        return
    missing = [s for s in ordered if s.sequence < step.sequence and last.get(s.code) != "pass"]
    if missing:
        detail = ", ".join(f"{s.code} ({'last result ' + str(last[s.code]) if s.code in last else 'not run'})"
                           for s in missing)
        res.refuse("skipped", f"{step.code} comes after steps not passed: {detail}")
