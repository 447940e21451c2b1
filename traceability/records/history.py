"""What stations did to units: operations, process parameters and test results, per unit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.models import ProcessParameter, TestResult, UnitOperation
from traceability.records.keys import keys, member_of


@dataclass(frozen=True)
class OperationRecord:
    id: int
    unit_id: int
    work_order_id: int | None
    operation: str
    station: str
    operator: str | None
    started_at: datetime
    completed_at: datetime | None
    result: str | None
    transaction_id: str | None


@dataclass(frozen=True)
class ParameterRecord:
    id: int
    unit_id: int
    unit_operation_id: int | None
    station: str
    name: str
    value: float
    unit: str
    recorded_at: datetime
    source: str


@dataclass(frozen=True)
class TestRecord:
    __test__ = False  # not a pytest class

    id: int
    unit_id: int
    unit_operation_id: int | None
    kind: str
    name: str
    result: str
    measured: float | None
    unit: str
    lsl: float | None
    usl: float | None
    defect_code: str | None
    reference_designator: str | None
    recorded_at: datetime


_ORDER = {UnitOperation: "started_at", ProcessParameter: "recorded_at", TestResult: "recorded_at"}


@cache
def _statement(model: type, dialect: str):  # type: ignore[no-untyped-def]
    t = model.__table__  # type: ignore[attr-defined]
    return (select(*t.c).where(member_of(t.c.unit_id, "keys", dialect))
            .order_by(t.c.unit_id, t.c[_ORDER[model]], t.c.id))


def _per_unit(session: Session, model: type, record: type, unit_ids: Iterable[int]) -> dict[int, list]:
    dialect = session.get_bind().dialect.name
    out: dict[int, list] = defaultdict(list)
    names = record.__dataclass_fields__
    for r in session.execute(_statement(model, dialect), {"keys": keys(dialect, unit_ids)}):
        m = r._mapping
        out[m["unit_id"]].append(record(**{k: m[k] for k in names}))
    return out


def operations_of(session: Session, unit_ids: Iterable[int]) -> dict[int, list[OperationRecord]]:
    """Per unit, its operations in the order they started."""
    return _per_unit(session, UnitOperation, OperationRecord, unit_ids)


def parameters_of(session: Session, unit_ids: Iterable[int]) -> dict[int, list[ParameterRecord]]:
    """Per unit, the process values recorded for it (with its operations, or sampled)."""
    return _per_unit(session, ProcessParameter, ParameterRecord, unit_ids)


def test_results_of(session: Session, unit_ids: Iterable[int]) -> dict[int, list[TestRecord]]:
    """Per unit, its test and inspection results in time order."""
    return _per_unit(session, TestResult, TestRecord, unit_ids)


test_results_of.__test__ = False  # type: ignore[attr-defined]  # not a pytest function
