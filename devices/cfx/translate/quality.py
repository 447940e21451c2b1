"""Process data and quality results: UnitsProcessed, UnitsInspected, UnitsTested, UnitsRepaired.

Each becomes a RecordOperation per unit. When the message belongs to a transaction its
WorkStarted opened for that unit, the values and results attach to that operation and leave its
completion to WorkCompleted; otherwise the message is an operation of its own, completed with the
unit's overall result.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from devices.cfx import messages as m
from devices.cfx.context import Context, Held
from devices.cfx.structures import Defect, Measurement
from devices.cfx.translate.assembly import _targets
from devices.cfx.units import target
from traceability import commands as c

OVERALL = {"Passed": "pass", "Failed": "fail", "Succeeded": "pass", "RepairSuccessful": "pass",
           "UnableToRepair": "fail", "Scrap": "scrapped", "Error": "aborted", "Aborted": "aborted",
           "Skipped": "aborted"}


def _step(result: str | None) -> str:
    return "pass" if result in ("Passed", "Succeeded", "RepairSuccessful") else "fail"


def _record(ctx: Context, transaction: str | None, serial: str, operation: str, overall: str | None,
            operator: str | None, measurements: list[c.Measurement] = (),  # type: ignore[assignment]
            parameters: list[c.ParameterValue] = ()) -> c.RecordOperation:  # type: ignore[assignment]
    opened = {o.serial: o for o in ctx.transaction(transaction)}
    if serial in opened:  # part of a running work transaction: WorkCompleted closes it
        op = opened[serial]
        return c.RecordOperation(serial=serial, operation=op.operation, station=op.station,
                                 started_at=max(ctx.at, op.started_at), transaction_id=transaction,
                                 operator=operator, measurements=list(measurements),
                                 parameters=list(parameters))
    return c.RecordOperation(serial=serial, operation=operation, station=ctx.station, started_at=ctx.at,
                             completed_at=ctx.at, result=OVERALL.get(overall or "", "pass"),
                             transaction_id=transaction, operator=operator,
                             measurements=list(measurements), parameters=list(parameters))


def _defects(name: str, kind: str, defects: Iterable[Defect] | None) -> list[c.Measurement]:
    return [c.Measurement(name=name, result="fail", kind=kind, defect_code=d.DefectCode,
                          reference_designator=d.ComponentOfInterest.ReferenceDesignator
                          if d.ComponentOfInterest else None) for d in defects or ()]


def _numeric(name: str, kind: str, measurements: Iterable[Measurement] | None) -> list[c.Measurement]:
    out = []
    for x in measurements or ():
        value, units, lo, hi = x.numeric()
        out.append(c.Measurement(name=(x.MeasurementName or name)[:64], result=_step(x.Result), kind=kind,
                                 measured=value, unit=units[:16], lsl=lo, usl=hi))
    return out


def units_inspected(ctx: Context, msg: m.UnitsInspected) -> list[c.Command]:
    refs = [(u.UnitIdentifier, u.UnitPositionNumber) for u in msg.InspectedUnits]
    targets = _targets(ctx, msg.TransactionId, refs, "InspectedUnits")
    operation = ctx.operation((msg.InspectionMethod or "INSPECT").upper()[:32])
    operator = msg.Inspector.OperatorIdentifier if msg.Inspector else None
    cmds: list[c.Command] = []
    for unit in msg.InspectedUnits:
        found: list[c.Measurement] = []
        for n, x in enumerate(unit.Inspections or ()):
            name = (x.InspectionName or f"inspection-{n + 1}")[:64]
            defects = _defects(name, "inspection", x.DefectsFound)
            found += defects or [c.Measurement(name=name, result=_step(x.Result), kind="inspection")]
            found += _numeric(name, "inspection", x.Measurements)
        where = target(targets, unit.UnitIdentifier, unit.UnitPositionNumber)
        cmds.append(_record(ctx, msg.TransactionId, where.serial, operation, unit.OverallResult, operator,
                            found))
    return cmds


def units_tested(ctx: Context, msg: m.UnitsTested) -> list[c.Command]:
    refs = [(u.UnitIdentifier, u.UnitPositionNumber) for u in msg.TestedUnits]
    targets = _targets(ctx, msg.TransactionId, refs, "TestedUnits")
    operation = ctx.operation("TEST")
    operator = msg.Tester.OperatorIdentifier if msg.Tester else None
    cmds: list[c.Command] = []
    for unit in msg.TestedUnits:
        found: list[c.Measurement] = []
        for n, t in enumerate(unit.Tests or ()):
            name = (t.TestName or f"test-{n + 1}")[:64]
            steps = _numeric(name, "test", t.Measurements)
            steps += _defects(name, "test", t.DefectsFound)
            steps += [c.Measurement(name=name, result="fail", kind="test", defect_code=s.SymptomCode,
                                    reference_designator=(s.ComponentsOfInterest[0].ReferenceDesignator
                                                          if s.ComponentsOfInterest else None))
                      for s in t.SymptomsFound or ()]
            found += steps or [c.Measurement(name=name, result=_step(t.Result), kind="test")]
        where = target(targets, unit.UnitIdentifier, unit.UnitPositionNumber)
        cmds.append(_record(ctx, msg.TransactionId, where.serial, operation, unit.OverallResult, operator,
                            found))
    return cmds


def units_repaired(ctx: Context, msg: m.UnitsRepaired) -> list[c.Command]:
    refs = [(u.UnitIdentifier, u.UnitPositionNumber) for u in msg.RepairedUnits]
    targets = _targets(ctx, msg.TransactionId, refs, "RepairedUnits")
    operator = msg.RepairOperator.OperatorIdentifier if msg.RepairOperator else None
    cmds: list[c.Command] = []
    for unit in msg.RepairedUnits:
        repairs = [c.Measurement(
            name=(r.RepairName or "repair")[:64], result=_step(r.Result), kind="inspection",
            reference_designator=r.ComponentOfInterest.ReferenceDesignator if r.ComponentOfInterest else None,
        ) for r in unit.Repairs or ()]
        where = target(targets, unit.UnitIdentifier, unit.UnitPositionNumber)
        cmds.append(_record(ctx, msg.TransactionId, where.serial, ctx.operation("REPAIR"),
                            unit.OverallResult, operator, repairs))
    return cmds


def units_processed(ctx: Context, msg: m.UnitsProcessed) -> list[c.Command]:
    """CommonProcessData applies to every unit of the transaction; UnitProcessData to its unit."""
    operation = ctx.operation("PROCESS")
    cmds: list[c.Command] = []
    if msg.CommonProcessData:
        opened = ctx.transaction(msg.TransactionId)
        if not opened:
            ctx.problems["transaction_gap"] += 1
            if msg.TransactionId:
                raise Held(msg.TransactionId, "UnitsProcessed before the WorkStarted of its transaction")
        values = parameters(msg.CommonProcessData)
        cmds += [_record(ctx, msg.TransactionId, o.serial, operation, msg.OverallResult, None,
                         parameters=values) for o in opened]
    if msg.UnitProcessData:
        refs = [(u.UnitIdentifier, u.UnitPositionNumber) for u in msg.UnitProcessData]
        targets = _targets(ctx, msg.TransactionId, refs, "UnitProcessData")
        for unit in msg.UnitProcessData:
            where = target(targets, unit.UnitIdentifier, unit.UnitPositionNumber)
            cmds.append(_record(ctx, msg.TransactionId, where.serial, operation, unit.UnitResult, None,
                                parameters=parameters(unit.UnitProcessData or {})))
    return cmds


def parameters(data: dict[str, Any], limit: int = 2000) -> list[c.ParameterValue]:
    """Flatten a process data structure into named numeric values.

    Reflow zones become `<zone>.<subzone>.<reading type>` (setpoints with a `.setpoint` suffix);
    measurement lists become their MeasurementName; other numbers keep their path of field names.
    """
    out: dict[str, float] = {}

    def put(name: str, value: Any) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool) and len(out) < limit:
            out.setdefault(name[:64], float(value))

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "MeasurementName" in node:
                value = node.get("ActualValue", node.get("MeasuredValue"))
                put(str(node["MeasurementName"]), value.get("Value") if isinstance(value, dict) else value)
                return
            for key, value in node.items():
                if key == "ZoneData" and isinstance(value, list):
                    zones(value)
                elif not key.startswith("$"):
                    walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for n, item in enumerate(node):
                walk(item, f"{path}[{n}]")
        else:
            put(path, node)

    def zones(items: list) -> None:
        for n, z in enumerate(items):
            zone = z.get("Zone") or {}
            name = zone.get("StageName") or zone.get("ReflowZoneType") or f"Zone{n + 1}"
            for r in z.get("Readings") or ():
                put(f"{name}.{r.get('SubZone')}.{r.get('ReadingType')}", r.get("ReadingValue"))
            for s in z.get("Setpoints") or ():
                put(f"{name}.{s.get('SubZone')}.{s.get('SetpointType')}.setpoint", s.get("Setpoint"))

    walk(data, "")
    return [c.ParameterValue(name=k, value=v) for k, v in out.items()]
