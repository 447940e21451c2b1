"""IPC-1782 trace levels in GraphQL: `Unit.traceLevel` and `WorkOrder.traceLevel` (see docs/ipc-1782.md).

Both resolve through request DataLoaders over the set-based assessment in
`traceability.completeness`: every unit (or order) asked for in one execution step is assessed
in the same few statements.
"""

from __future__ import annotations

import strawberry

from traceability import completeness


@strawberry.type(description="One gap in a unit's record: what the routing revision asks for and is "
                             "not there, and the IPC-1782 level it blocks.")
class TraceGap:
    serial: str = strawberry.field(description="the unit (or sub-assembly) the gap is on")
    blocks: str = strawberry.field(description="the level it keeps the unit from: M1..M4 or P1..P4")
    kind: str = strawberry.field(description="work_order | routing | material | designator | lot | "
                                             "ambiguous_lot | part | serial | station | operation | "
                                             "incomplete | operator | times | parameter")
    reason: str
    operation: str | None
    reference_designator: str | None
    part_number: str | None
    parameter: str | None

    @classmethod
    def of(cls, m: completeness.Missing) -> TraceGap:
        return cls(serial=m.serial, blocks=m.blocks, kind=m.kind, reason=m.reason, operation=m.operation,
                   reference_designator=m.reference_designator, part_number=m.part_number,
                   parameter=m.parameter)


@strawberry.type(description="The IPC-1782 levels a unit's recorded data reaches, sub-assemblies "
                             "included, against its work order's routing revision.")
class TraceLevel:
    manufacturing: str = strawberry.field(description="M0..M4 (materials)")
    process: str = strawberry.field(description="P0..P4 (operations and process data)")
    routing: str | None = strawberry.field(description="part/revision checked against")
    missing: list[TraceGap] = strawberry.field(description="the gaps, lowest blocked level first")

    @classmethod
    def of(cls, t: completeness.TraceLevel) -> TraceLevel:
        return cls(manufacturing=t.manufacturing, process=t.process, routing=t.routing,
                   missing=[TraceGap.of(m) for m in t.missing])


@strawberry.type(description="How many units are at one level.")
class LevelCount:
    level: str
    units: int


@strawberry.type(description="A gap and how many units of the order it affects.")
class TraceGapCount:
    blocks: str
    kind: str
    reason: str
    units: int
    operation: str | None
    reference_designator: str | None
    part_number: str | None
    parameter: str | None


@strawberry.type(description="A work order's units per IPC-1782 level and its commonest gaps.")
class TraceLevelSummary:
    units: int
    manufacturing: list[LevelCount]
    process: list[LevelCount]
    top_missing: list[TraceGapCount]

    @classmethod
    def of(cls, s: completeness.TraceLevelSummary, top: int) -> TraceLevelSummary:
        return cls(units=s.units,
                   manufacturing=[LevelCount(level=k, units=v) for k, v in s.manufacturing.items()],
                   process=[LevelCount(level=k, units=v) for k, v in s.process.items()],
                   top_missing=[TraceGapCount(**m.__dict__) for m in s.top_missing[:top]])
