"""Work orders, units (serials) and everything recorded against a unit: operations, parameters,
test results and component installations (the genealogy edges)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, text
from sqlmodel import Field, SQLModel

from traceability.models.history import recorded
from traceability.types import BigId, UTCDateTime, utcnow


class WorkOrder(SQLModel, table=True):
    """ISA-95 production order, pinned to the routing revision it was released with."""

    __tablename__ = "work_order"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True)
    part_id: int = Field(foreign_key="part.id")
    quantity: float
    routing_id: int | None = Field(default=None, foreign_key="routing.id")
    line_code: str | None = Field(default=None, max_length=64)
    status: str = Field(default="planned", max_length=16)
    due_date: date | None = None
    source_system: str = Field(default="", max_length=32)
    external_version: int = 0  # the source's version: an older one never overwrites a newer one
    version: int = 1  # ours, bumped on every change (optimistic concurrency)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Unit(SQLModel, table=True):
    """A serialized thing: a panel, a board, a product. Boards that start on a panel name it."""

    __tablename__ = "unit"
    __table_args__ = (
        Index("ix_unit_panel", "panel_unit_id"),
        Index("ix_unit_work_order", "work_order_id"),
        Index("ix_unit_created", "created_at"),  # history export and trace levels by time
        Index("ix_unit_recorded", "recorded_seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(max_length=100, unique=True)
    part_id: int = Field(foreign_key="part.id")
    work_order_id: int | None = Field(default=None, foreign_key="work_order.id")
    kind: str = Field(default="product", max_length=16)  # panel | board | assembly | product
    status: str = Field(default="in_process", max_length=16)
    panel_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    panel_position: int | None = None
    depanelized_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # set on panels
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_seq: int | None = recorded()  # the history's recording order (models/history.py)


class UnitOperation(SQLModel, table=True):
    """One execution of a routing operation on a unit at a station (a CFX transaction)."""

    __tablename__ = "unit_operation"
    __table_args__ = (
        Index("ix_unit_operation_unit", "unit_id", "started_at"),
        Index("ix_unit_operation_station", "station", "started_at"),
        # The history export pages completed operations by completion, open ones by start.
        Index("ix_unit_operation_completed", "completed_at"),
        Index("ix_unit_operation_open", "started_at", sqlite_where=text("completed_at IS NULL"),
              postgresql_where=text("completed_at IS NULL")),
        Index("ix_unit_operation_recorded", "recorded_seq"),
        Index("ix_unit_operation_completed_seq", "completed_seq"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    unit_id: int = Field(foreign_key="unit.id")
    work_order_id: int | None = Field(default=None, foreign_key="work_order.id")
    operation: str = Field(max_length=32)
    station: str = Field(max_length=64)
    operator: str | None = Field(default=None, max_length=64)
    started_at: datetime = Field(sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    result: str | None = Field(default=None, max_length=16)  # pass | fail | scrapped | aborted
    transaction_id: str | None = Field(default=None, max_length=100, index=True)
    source_message_id: str | None = Field(default=None, max_length=100)
    recorded_seq: int | None = recorded()  # the history's recording order (models/history.py)
    completed_seq: int | None = recorded("completed_seq")


class ProcessParameter(SQLModel, table=True):
    """A process value: recorded for a unit's operation (CFX) or sampled at a station (Modbus)."""

    __tablename__ = "process_parameter"
    __table_args__ = (
        Index("ix_process_parameter_station", "station", "name", "recorded_at"),
        Index("ix_process_parameter_unit", "unit_id"),
        # A sample is what was measured where and when: a resent poll cycle inserts nothing.
        Index("ux_process_parameter_sample", "station", "name", "recorded_at", unique=True,
              sqlite_where=text("source = 'modbus'"), postgresql_where=text("source = 'modbus'")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    unit_operation_id: int | None = Field(
        default=None, sa_column=Column(BigId, ForeignKey("unit_operation.id"), nullable=True)
    )
    station: str = Field(max_length=64)
    name: str = Field(max_length=64)
    value: float
    unit: str = Field(default="", max_length=16)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    source: str = Field(default="", max_length=32)


class TestResult(SQLModel, table=True):
    """A test or inspection outcome on a unit: a measurement, or a defect at a designator."""

    __tablename__ = "test_result"
    __test__ = False  # not a pytest class
    __table_args__ = (Index("ix_test_result_unit", "unit_id"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    unit_id: int = Field(foreign_key="unit.id")
    unit_operation_id: int | None = Field(
        default=None, sa_column=Column(BigId, ForeignKey("unit_operation.id"), nullable=True)
    )
    kind: str = Field(default="test", max_length=16)  # test | inspection
    name: str = Field(max_length=64)
    result: str = Field(max_length=16)  # pass | fail
    measured: float | None = None
    unit: str = Field(default="", max_length=16)
    lsl: float | None = None
    usl: float | None = None
    defect_code: str | None = Field(default=None, max_length=32)
    reference_designator: str | None = Field(default=None, max_length=32)
    recorded_at: datetime = Field(sa_type=UTCDateTime)


class ComponentInstallation(SQLModel, table=True):
    """One genealogy edge: a material lot or a child unit installed into a parent unit.

    Time-aware: rework sets removed_at and removal_reason, it never deletes the row. An
    installation on a panel may name a panel position; boards at that position inherit it until
    the panel is depanelized. `attribution` is 'candidate' when a splice made the lot ambiguous.
    """

    __tablename__ = "component_installation"
    __table_args__ = (
        Index("ix_installation_parent", "parent_unit_id"),
        Index("ix_installation_child", "child_unit_id"),
        Index("ix_installation_lot", "lot_id"),
        # The history export pages by time; installed_at grows with the clock, so appending to
        # this index is cheap. Removals are rare: a partial index holds only them.
        Index("ix_installation_installed_at", "installed_at"),
        Index("ix_installation_removed_at", "removed_at", sqlite_where=text("removed_at IS NOT NULL"),
              postgresql_where=text("removed_at IS NOT NULL")),
        # The backward walk's step: a unit's sub-units. Without it PostgreSQL ANDs the parent index
        # with every non-null child_unit_id (a scan growing with the plant: 6 ms at 432k rows).
        # Only sub-assembly edges are in it, so lot installations do not pay for it.
        Index("ix_installation_subunit", "parent_unit_id", "child_unit_id",
              sqlite_where=text("child_unit_id IS NOT NULL"),
              postgresql_where=text("child_unit_id IS NOT NULL")),
        Index("ix_installation_recorded", "recorded_seq"),
        Index("ix_installation_removed_seq", "removed_seq", sqlite_where=text("removed_seq IS NOT NULL"),
              postgresql_where=text("removed_seq IS NOT NULL")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    parent_unit_id: int = Field(foreign_key="unit.id")
    panel_position: int | None = None
    child_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    lot_id: int | None = Field(default=None, foreign_key="material_lot.id")
    part_id: int = Field(foreign_key="part.id")
    reference_designator: str | None = Field(default=None, max_length=32)
    quantity: float = 1
    installed_at: datetime = Field(sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removal_reason: str | None = Field(default=None, max_length=200)
    operation: str | None = Field(default=None, max_length=32)
    station: str | None = Field(default=None, max_length=64)
    location: str | None = Field(default=None, max_length=64)
    attribution: str = Field(default="direct", max_length=16)  # direct | location | candidate
    flag: str | None = Field(default=None, max_length=32)  # e.g. quarantined_lot (accepted by policy)
    source_message_id: str | None = Field(default=None, max_length=100)
    recorded_seq: int | None = recorded()  # the history's recording order (models/history.py)
    removed_seq: int | None = recorded("removed_seq")
