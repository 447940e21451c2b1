"""Work order progress: counted as each operation completes, published as `workorder.progress`."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from traceability import outbox
from traceability.models import Unit, UnitOperation, WorkOrder
from traceability.models.progress import WorkOrderProgress
from traceability.types import utcnow


def work_order_of(session: Session, unit: Unit) -> WorkOrder | None:
    return session.get(WorkOrder, unit.work_order_id) if unit.work_order_id else None


def count_completion(session: Session, wo: WorkOrder, unit: Unit, op: UnitOperation) -> None:
    """Count a newly completed operation of a unit of `wo` (one upsert) and emit the progress."""
    passed = op.result == "pass" and not session.scalar(select(exists().where(
        UnitOperation.unit_id == unit.id, UnitOperation.operation == op.operation,
        UnitOperation.result == "pass", UnitOperation.id != op.id)))
    failed = op.result == "fail"
    ins = (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(
        WorkOrderProgress)
    p = WorkOrderProgress
    stmt = ins.values(work_order_id=wo.id, operation=op.operation, passed=int(passed),
                      failed=int(failed), updated_at=utcnow()).on_conflict_do_update(
        index_elements=["work_order_id", "operation"],
        set_={"passed": p.passed + int(passed), "failed": p.failed + int(failed),
              "updated_at": utcnow()},
    ).returning(p.passed, p.failed)
    total_passed, total_failed = session.execute(stmt).one()
    outbox.emit(session, "workorder.progress", aggregate_type="work_order", aggregate_id=wo.number, data={
        "number": wo.number, "line": wo.line_code, "operation": op.operation, "station": op.station,
        "serial": unit.serial, "result": op.result, "passed": total_passed, "failed": total_failed,
        "quantity": wo.quantity,
    })
