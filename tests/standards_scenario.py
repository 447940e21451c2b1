"""The foundation scenario with routings pinned to its work orders and every operation recorded.

Used by the IPC-1782 and EPCIS tests: the routings say what must be recorded (a BOM per
operation with reference designators, required parameters), and the added operations record
it, so every product reaches M4/P4 until a test takes something away.
"""

from __future__ import annotations

import uuid

from tests import scenario
from tests.scenario import Scenario, t
from traceability import commands as c


def routings(s: Scenario) -> list[c.Command]:
    n = s.n
    return [
        c.DefineRouting(part_number=n("BRD"), revision="A", operations=[
            c.RoutingStep(sequence=10, code="PASTE", station_type="PRINTER",
                          materials=[c.BomLine(part_number=n("PASTE"), quantity=2)]),
            c.RoutingStep(sequence=20, code="SMT", station_type="PLACEMENT", materials=[
                c.BomLine(part_number=n("CAP"), reference_designators=["C1"]),
                c.BomLine(part_number=n("RES"), reference_designators=["R1"]),
            ]),
            c.RoutingStep(sequence=30, code="REFLOW", station_type="OVEN", parameters=[
                c.ParameterLimit(name="peak_temp", unit="C", lsl=235, usl=255)]),
            c.RoutingStep(sequence=40, code="AOI", station_type="AOI", allow_repeat=True),
        ]),
        c.DefineRouting(part_number=n("PRD"), revision="A", operations=[
            c.RoutingStep(sequence=10, code="ASSEMBLY", station_type="ASSEMBLY", materials=[
                c.BomLine(part_number=n("BRD"), reference_designators=["J1"])]),
            c.RoutingStep(sequence=20, code="FCT", station_type="FCT", parameters=[
                c.ParameterLimit(name="supply_current", unit="mA", lsl=80, usl=120)]),
        ]),
    ]


def operations(s: Scenario) -> list[c.Command]:
    n = s.n
    ops: list[c.Command] = [
        c.RecordOperation(serial=n("P1"), operation="PASTE", station=n("PRINTER"), operator="op-11",
                          started_at=t(1), completed_at=t(1.5), result="pass"),
        c.RecordOperation(serial=n("P1"), operation="REFLOW", station=n("OVEN1"), operator="op-12",
                          started_at=t(9), completed_at=t(14), result="pass",
                          parameters=[c.ParameterValue(name="peak_temp", value=245.5, unit="C")]),
    ]
    tombstone = c.Measurement(name="aoi", kind="inspection", result="fail", defect_code="TOMBSTONE",
                              reference_designator="R1")
    for i, board in enumerate(s.boards, 1):
        ops.append(c.RecordOperation(
            serial=board, operation="AOI", station=n("AOI1"), operator="op-13", started_at=t(15 + i),
            completed_at=t(15.5 + i), result="fail" if i == 2 else "pass",
            measurements=[tombstone] if i == 2 else []))
    ops.append(c.RecordOperation(serial=n("B2"), operation="AOI", station=n("AOI1"), operator="op-13",
                                 started_at=t(32), completed_at=t(32.5), result="pass"))
    for i, product in enumerate(s.products, 1):
        ops.append(c.RecordOperation(serial=product, operation="ASSEMBLY", station=n("FA1"),
                                     operator="op-21", started_at=t(41 + i), completed_at=t(41.5 + i),
                                     result="pass"))
        ops.append(c.RecordOperation(
            serial=product, operation="FCT", station=n("FCT1"), operator="op-22", started_at=t(50 + i),
            completed_at=t(50.5 + i), result="pass",
            parameters=[c.ParameterValue(name="supply_current", value=99.0 + i, unit="mA")],
            measurements=[c.Measurement(name="boot", result="pass")]))
    return ops


def commands(p: str) -> Scenario:
    """Routings right after the parts (so the work orders pin them), operations at the end."""
    base = scenario.commands(p)
    s = Scenario(p)
    parts = [x for x in base.steps if isinstance(x[0], c.DefinePart)]
    rest = [x for x in base.steps if not isinstance(x[0], c.DefinePart)]
    s.steps = [*parts, *[(cmd, f"{p}-std-r{i}") for i, cmd in enumerate(routings(s))], *rest,
               *[(cmd, f"{p}-std-o{i}") for i, cmd in enumerate(operations(s))]]
    return s


def build(store, prefix: str) -> Scenario:  # type: ignore[no-untyped-def]
    s = commands(prefix)
    scenario.run(store, s)
    return s


def run(store, cmds: list[c.Command], prefix: str) -> None:  # type: ignore[no-untyped-def]
    """Extra commands a test adds, each in its own transaction (fresh message ids per call)."""
    batch = uuid.uuid4().hex[:8]
    for i, cmd in enumerate(cmds):
        with store.write() as session:
            c.execute(session, cmd, source="test", message_id=f"{prefix}-extra-{batch}-{i}")
