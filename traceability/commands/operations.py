"""Recording what a station did to a unit: the operation, its process values and test results."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field, model_validator
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from traceability import confirmations, lookup, outbox, progress
from traceability.commands.base import Command
from traceability.models import ProcessParameter, TestResult, UnitOperation

Result = Literal["pass", "fail", "scrapped", "aborted"]


class ParameterValue(Command):
    name: str = Field(min_length=1, max_length=64)
    value: float
    unit: str = Field(default="", max_length=16)
    recorded_at: AwareDatetime | None = None


class Measurement(Command):
    """A test step or an inspection finding. A defect names its code and designator."""

    name: str = Field(min_length=1, max_length=64)
    result: Literal["pass", "fail"]
    kind: Literal["test", "inspection"] = "test"
    measured: float | None = None
    unit: str = Field(default="", max_length=16)
    lsl: float | None = None
    usl: float | None = None
    defect_code: str | None = Field(default=None, max_length=32)
    reference_designator: str | None = Field(default=None, max_length=32)


class RecordOperation(Command):
    """Start and/or complete an operation on a unit. The same transaction id completes a started one."""

    serial: str = Field(min_length=1, max_length=100)
    operation: str = Field(min_length=1, max_length=32)
    station: str = Field(min_length=1, max_length=64)
    operator: str | None = Field(default=None, max_length=64)
    started_at: AwareDatetime
    completed_at: AwareDatetime | None = None
    result: Result | None = None
    transaction_id: str | None = Field(default=None, max_length=100)
    parameters: list[ParameterValue] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> RecordOperation:
        if self.completed_at and self.completed_at < self.started_at:
            raise ValueError("completed_at: before started_at")
        return self


def record_operation(session: Session, cmd: RecordOperation) -> dict:
    unit = lookup.unit(session, cmd.serial)
    op = None
    if cmd.transaction_id:
        op = session.scalars(select(UnitOperation).where(
            UnitOperation.transaction_id == cmd.transaction_id, UnitOperation.unit_id == unit.id,
        )).first()
    if op is None:
        op = UnitOperation(unit_id=unit.id, work_order_id=unit.work_order_id,
                           operation=cmd.operation, station=cmd.station, operator=cmd.operator,
                           started_at=cmd.started_at, transaction_id=cmd.transaction_id)
        session.add(op)
    newly_completed = bool(cmd.completed_at) and op.completed_at is None
    if cmd.completed_at:
        op.completed_at, op.result = cmd.completed_at, cmd.result or "pass"
        op.operator = op.operator or cmd.operator
        if op.result == "scrapped":
            unit.status = "scrapped"
    session.flush()
    at = cmd.completed_at or cmd.started_at
    if cmd.parameters:
        session.execute(insert(ProcessParameter), [
            {"unit_id": unit.id, "unit_operation_id": op.id, "station": cmd.station,
             "name": p.name, "value": p.value, "unit": p.unit,
             "recorded_at": p.recorded_at or at, "source": "operation"}
            for p in cmd.parameters
        ])
    if cmd.measurements:
        session.execute(insert(TestResult), [
            {"unit_id": unit.id, "unit_operation_id": op.id, "recorded_at": at, **m.model_dump()}
            for m in cmd.measurements
        ])
    if cmd.completed_at:
        wo = progress.work_order_of(session, unit)
        outbox.emit(session, "unit.completed", aggregate_type="unit", aggregate_id=cmd.serial, data={
            "serial": cmd.serial, "operation": cmd.operation, "station": cmd.station,
            "result": op.result, "completed_at": cmd.completed_at.isoformat(),
            "work_order_id": unit.work_order_id,
            "work_order": wo.number if wo else None, "line": wo.line_code if wo else None,
        })
        if wo is not None and newly_completed:
            progress.count_completion(session, wo, unit, op)
        confirmations.operation_completed(
            session, unit=unit, work_order_id=op.work_order_id, operation=cmd.operation,
            station=cmd.station, result=op.result, completed_at=cmd.completed_at)
    return {"serial": cmd.serial, "operation_id": op.id, "result": op.result}
