"""ERP test support: the app served by uvicorn on a free port, a plant with a part and a routing."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.served import serve as served  # noqa: F401 - the ERP tests' name for it
from traceability import commands as c
from traceability.database import Store
from traceability.models import InboundMessage, OutboxEvent, WorkOrder


def plant(store: Store, uid: str) -> dict[str, str]:
    """A product part at revision A with a released routing of two operations."""
    part = f"{uid}-PRD"
    with store.write() as session:
        c.execute(session, c.DefinePart(part_number=part, revision="A", serialized=True))
        c.execute(session, c.DefineRouting(part_number=part, revision="R1", operations=[
            c.RoutingStep(sequence=10, code="SMT"), c.RoutingStep(sequence=20, code="ICT")]))
    return {"part": part, "wo": f"{uid}-WO"}


def written(store: Store, uid: str) -> tuple[int, int, int]:
    """Rows any ERP message could have written for this test's prefix."""
    with store.read() as session:
        return (
            session.scalar(select(func.count()).select_from(WorkOrder)
                           .where(WorkOrder.number.like(f"{uid}%"))) or 0,
            session.scalar(select(func.count()).select_from(InboundMessage)
                           .where(InboundMessage.message_id.like(f"{uid}%"))) or 0,
            session.scalar(select(func.count()).select_from(OutboxEvent)
                           .where(OutboxEvent.aggregate_type == "work_order",
                                  OutboxEvent.aggregate_id.like(f"{uid}%"))) or 0,
        )
