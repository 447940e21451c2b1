"""WorkOrder: the production order, its progress per operation and its yield."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated

import strawberry

from gateway.graph.context import Info
from gateway.graph.holds import INCLUDE_RELEASED, Hold, holds_on
from gateway.graph.trace_levels import TraceLevelSummary
from traceability.records.work_orders import OperationProgress as ProgressRecord
from traceability.records.work_orders import WorkOrderRecord


@strawberry.type(description="Units through one operation of the order, counted once per unit.")
class OperationProgress:
    operation: str
    sequence: int | None = strawberry.field(description="its routing step; null when off the routing")
    name: str
    units: int = strawberry.field(description="units that started it")
    completed: int = strawberry.field(description="units with a completed attempt (pass, fail, scrapped)")
    passed: int = strawberry.field(description="units whose latest completed attempt passed")
    failed: int = strawberry.field(description="units whose latest completed attempt failed or scrapped")
    in_process: int = strawberry.field(description="units whose latest attempt is running")
    first_pass: int = strawberry.field(description="units whose first completed attempt passed")
    first_pass_yield: float | None = strawberry.field(description="firstPass / completed")

    @classmethod
    def of(cls, r: ProgressRecord) -> OperationProgress:
        return cls(operation=r.operation, sequence=r.sequence, name=r.name, units=r.units,
                   completed=r.completed, passed=r.passed, failed=r.failed, in_process=r.in_process,
                   first_pass=r.first_pass, first_pass_yield=r.first_pass_yield)


@strawberry.type(description="How much of the order came out good.")
class WorkOrderYield:
    units: int = strawberry.field(description="units of the order's part registered against it")
    scrapped: int
    last_operation: str | None = strawberry.field(
        description="the last routing operation any unit has reached")
    completed: int = strawberry.field(description="units that passed lastOperation")
    final_yield: float | None = strawberry.field(description="completed / units")
    rolled_throughput_yield: float | None = strawberry.field(
        description="the product of every operation's first-pass yield")


@strawberry.type(description="An ISA-95 production order.")
class WorkOrder:
    rec: strawberry.Private[WorkOrderRecord]
    number: str
    part_number: str
    quantity: float
    status: str
    line: str | None
    due_date: date | None
    routing_revision: str | None

    @strawberry.field(description="Each routing operation in sequence, then operations off the routing.")
    async def progress(self, info: Info) -> list[OperationProgress]:
        return [OperationProgress.of(p) for p in await info.context.loaders.progress.load(self.rec.id)]

    @strawberry.field(name="yield")
    async def yield_(self, info: Info) -> WorkOrderYield:
        steps: list[ProgressRecord] = await info.context.loaders.progress.load(self.rec.id)
        reached = [p for p in steps if p.sequence is not None and p.units]
        last = reached[-1] if reached else None
        fpys = [p.first_pass_yield for p in steps if p.first_pass_yield is not None]
        units = self.rec.units
        completed = last.passed if last else 0
        return WorkOrderYield(
            units=units, scrapped=self.rec.scrapped, last_operation=last.operation if last else None,
            completed=completed, final_yield=completed / units if units else None,
            rolled_throughput_yield=math.prod(fpys) if fpys else None)

    @strawberry.field
    async def holds(self, info: Info,
                    include_released: Annotated[bool, INCLUDE_RELEASED] = False) -> list[Hold]:
        return await holds_on(info, "work_order", self.number, include_released)

    @strawberry.field(description="Its units per IPC-1782 level and the commonest gaps (panels aside).")
    async def trace_level(
        self, info: Info,
        top: Annotated[int, strawberry.argument(description="gaps listed, at most 100")] = 10,
    ) -> TraceLevelSummary:
        summary = await info.context.loaders.trace_summary.load(self.rec.id)
        return TraceLevelSummary.of(summary, max(1, min(top, 100)))

    @classmethod
    def of(cls, r: WorkOrderRecord) -> WorkOrder:
        return cls(rec=r, number=r.number, part_number=r.part_number, quantity=r.quantity, status=r.status,
                   line=r.line_code, due_date=r.due_date, routing_revision=r.routing_revision)
