"""Routings (ISA-95 operations segments) with their per-operation BOM and parameter specs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from traceability.types import UTCDateTime, utcnow


class Routing(SQLModel, table=True):
    __tablename__ = "routing"
    __table_args__ = (UniqueConstraint("part_id", "revision", name="uq_routing_part_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    part_id: int = Field(foreign_key="part.id")
    revision: str = Field(max_length=16)
    status: str = Field(default="released", max_length=16)  # draft | released | obsolete
    obsolete_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    change_notice: str | None = Field(default=None, max_length=64)  # the ECO that obsoleted it
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RoutingOperation(SQLModel, table=True):
    __tablename__ = "routing_operation"
    __table_args__ = (
        UniqueConstraint("routing_id", "sequence", name="uq_routing_operation_seq"),
        UniqueConstraint("routing_id", "code", name="uq_routing_operation_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    routing_id: int = Field(foreign_key="routing.id")
    sequence: int
    code: str = Field(max_length=32)
    name: str = Field(default="", max_length=100)
    station_type: str = Field(default="", max_length=32)
    allow_repeat: bool = False  # a rework loop may repeat this step


class OperationMaterial(SQLModel, table=True):
    """One BOM line of an operation: a part placed on the listed reference designators."""

    __tablename__ = "operation_material"

    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="routing_operation.id", index=True)
    part_id: int = Field(foreign_key="part.id")
    reference_designators: str = Field(default="", max_length=2000)  # space separated
    quantity: float = 1


class ParameterSpec(SQLModel, table=True):
    __tablename__ = "parameter_spec"
    __table_args__ = (UniqueConstraint("operation_id", "name", name="uq_parameter_spec_name"),)

    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(foreign_key="routing_operation.id")
    name: str = Field(max_length=64)
    unit: str = Field(default="", max_length=16)
    lsl: float | None = None
    target: float | None = None
    usl: float | None = None
    required: bool = True
