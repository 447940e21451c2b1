"""Work order progress per operation: counters kept as operations complete, so a progress event
never needs to count a work order's history."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from traceability.types import UTCDateTime, utcnow


class WorkOrderProgress(SQLModel, table=True):
    __tablename__ = "work_order_progress"

    work_order_id: int = Field(foreign_key="work_order.id", primary_key=True)
    operation: str = Field(max_length=32, primary_key=True)
    passed: int = 0  # distinct units that passed the operation (a retest pass counts once)
    failed: int = 0  # failed attempts
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
