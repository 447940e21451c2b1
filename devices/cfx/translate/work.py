"""Work transactions and unit movements: WorkStarted/WorkCompleted, UnitsArrived/Departed,
UnitsDisqualified.

WorkStarted names a panel (PrimaryIdentifier, or the carrier every UnitPosition shares) and its
boards (UnitIdentifier + PositionNumber); units the store does not know are registered when the
message names a known work order, else the message is refused naming them.
"""

from __future__ import annotations

from sqlalchemy import select

from devices.cfx import messages as m
from devices.cfx.context import Context, Held
from devices.cfx.units import position
from traceability import commands as c
from traceability import lookup
from traceability.errors import Invalid
from traceability.models import Part, TestResult

WORK_RESULT = {"Completed": "pass", "Failed": "fail", "Aborted": "aborted", "Skipped": "aborted"}


def _shape(msg: m.UnitsMessage) -> tuple[str | None, list[tuple[str, int | None]]]:
    """(panel serial or None, [(unit serial or panel serial, position)]) of a units message."""
    primary = msg.PrimaryIdentifier or msg.HermesIdentifier
    units = [(u.UnitIdentifier, position(u.PositionNumber)) for u in msg.Units if u.UnitIdentifier]
    idents = {i for i, _ in units}
    if not units:
        if not primary:
            raise Invalid("MessageBody.Units", "names no unit (Units and PrimaryIdentifier are empty)")
        return None, [(primary, None)]
    if primary and idents != {primary}:
        return primary, units  # boards with their own serials on the panel `primary`
    if (len(idents) == 1 and len(units) > 1) or (primary and idents == {primary}):
        return next(iter(idents)), units  # a carrier/panel and its positions
    return None, units  # independent units


def work_started(ctx: Context, msg: m.WorkStarted) -> list[c.Command]:
    panel, units = _shape(msg)
    own_serials = panel is None or any(i != panel for i, _ in units)  # else positions on a carrier
    idents = ([panel] if panel else []) + ([i for i, _ in units] if own_serials else [])
    missing = set(idents) - set(lookup.units(ctx.session, idents))
    cmds: list[c.Command] = []
    if missing:
        cmds.append(_register(ctx, msg, panel, units if own_serials else [], missing))
    serials = idents
    if panel and not own_serials and panel not in missing:
        targets, _ = ctx.resolve(units)  # boards registered at the carrier's positions
        serials = serials + [t.serial for t in targets.values() if t.serial != panel]
    operation = ctx.operation("WORK")
    return cmds + [c.RecordOperation(serial=s, operation=operation, station=ctx.station, started_at=ctx.at,
                                     transaction_id=msg.TransactionID) for s in dict.fromkeys(serials)]


def _register(ctx: Context, msg: m.WorkStarted, panel: str | None, boards: list[tuple[str, int | None]],
              missing: set[str]) -> c.RegisterUnits:
    number = msg.WorkOrderIdentifier.WorkOrderId if msg.WorkOrderIdentifier else None
    if not number:
        ctx.problems["unknown_unit"] += len(missing)
        raise Invalid("MessageBody.Units", f"unknown unit(s) {', '.join(sorted(missing))} and no "
                      "WorkOrderIdentifier to register them under")
    order = lookup.work_order(ctx.session, number, "MessageBody.WorkOrderIdentifier.WorkOrderId")
    part = ctx.session.scalars(select(Part.part_number).where(Part.id == order.part_id)).one()
    new: list[c.NewUnit] = []
    if panel and panel in missing:
        new.append(c.NewUnit(serial=panel, part_number=part, kind="panel"))
    for serial, pos in boards:
        if panel and serial in missing:
            if pos is None:
                raise Invalid("MessageBody.Units.PositionNumber", f"board {serial!r} has no position")
            new.append(c.NewUnit(serial=serial, part_number=part, kind="board", panel_serial=panel,
                                 panel_position=pos))
    if not panel:
        new += [c.NewUnit(serial=s, part_number=part) for s in sorted(missing)]
    return c.RegisterUnits(units=new, work_order=number, registered_at=ctx.at)


def work_completed(ctx: Context, msg: m.WorkCompleted) -> list[c.Command]:
    opened = ctx.transaction(msg.TransactionID)
    if not opened:
        ctx.problems["transaction_gap"] += 1
        raise Held(msg.TransactionID, f"WorkCompleted before the WorkStarted of {msg.TransactionID}")
    result = WORK_RESULT.get(msg.Result, "aborted")
    failed = set(ctx.session.scalars(select(TestResult.unit_operation_id).where(
        TestResult.unit_operation_id.in_([o.operation_id for o in opened]), TestResult.result == "fail")))
    cmds: list[c.Command] = []
    for op in opened:
        done = ctx.at
        if done < op.started_at:
            ctx.problems["clock_order"] += 1
            done = op.started_at
        outcome = "fail" if result == "pass" and op.operation_id in failed else result
        cmds.append(c.RecordOperation(serial=op.serial, operation=op.operation, station=op.station,
                                      started_at=op.started_at, completed_at=done, result=outcome,
                                      transaction_id=msg.TransactionID))
    return cmds


def units_seen(ctx: Context, msg: m.UnitsMessage) -> list[c.Command]:
    """UnitsArrived/UnitsDeparted change nothing in the store; units it does not know are reported."""
    panel, units = _shape(msg)
    _, missing = ctx.resolve(([(panel, None)] if panel else []) + units)
    ctx.problems["unknown_unit"] += len(missing)
    return []


def units_disqualified(ctx: Context, msg: m.UnitsDisqualified) -> list[c.Command]:
    _, units = _shape(msg)
    targets, missing = ctx.resolve(units)
    if missing:
        ctx.problems["unknown_unit"] += len(missing)
        raise Invalid("MessageBody.Units", f"unknown unit(s) {', '.join(sorted(missing))}")
    reason = (msg.Reason or "disqualified")[:32]
    return [c.RecordOperation(
        serial=t.serial, operation=ctx.operation("DISQUALIFY"), station=ctx.station, started_at=ctx.at,
        completed_at=ctx.at, result="scrapped", measurements=[c.Measurement(
            name="disqualified", result="fail", kind="inspection", defect_code=reason)],
    ) for t in dict.fromkeys(targets.values())]
