"""The quality tables: containment cases, control chart definitions and the SPC alarms they raise.

Holds themselves live in `traceability.models.Hold` (one table for every hold); a containment
case groups the holds it placed through `Hold.case_id` = `ContainmentCase.code`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from traceability.types import BigId, UTCDateTime, utcnow


class ContainmentCase(SQLModel, table=True):
    """One containment action (a suspect lot, or a station's suspect time window) and its scope."""

    __tablename__ = "containment_case"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)  # Hold.case_id of the holds it placed
    kind: str = Field(max_length=16)  # lot | window
    lot_code: str | None = Field(default=None, max_length=64)
    station: str | None = Field(default=None, max_length=64)
    window_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    window_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str = Field(max_length=500)
    opened_by: str = Field(max_length=100)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default="open", max_length=16)  # open | released
    released_by: str | None = Field(default=None, max_length=100)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    held_count: int = 0
    shipped_count: int = 0
    # held / already_held serials, shipped units by shipment and customer, the containers touched
    scope: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ControlChart(SQLModel, table=True):
    """An SPC chart on one process parameter at one station, its limits frozen from a baseline."""

    __tablename__ = "control_chart"
    __table_args__ = (Index("ix_control_chart_parameter", "station", "parameter"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    station: str = Field(max_length=64)
    parameter: str = Field(max_length=64)
    kind: str = Field(max_length=8)  # imr | xbar_r
    subgroup_size: int = 1
    baseline_start: datetime = Field(sa_type=UTCDateTime)
    baseline_end: datetime = Field(sa_type=UTCDateTime)
    baseline_points: int = 0
    center: float
    ucl: float
    lcl: float
    sigma: float
    range_center: float
    range_ucl: float
    range_lcl: float
    lsl: float | None = None
    usl: float | None = None
    cpk: float | None = None  # of the baseline
    rules: str = Field(default="1 2 3 4", max_length=32)  # Nelson rule numbers checked
    hold_out_of_spec: bool = False  # an out-of-spec value puts its unit on hold
    evaluated_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SpcAlarm(SQLModel, table=True):
    """A rule violation on a chart, with the samples that triggered it."""

    __tablename__ = "spc_alarm"
    __table_args__ = (
        UniqueConstraint("chart_id", "rule", "last_sample_id", name="uq_spc_alarm_point"),
        Index("ix_spc_alarm_chart", "chart_id", "last_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    chart_id: int = Field(foreign_key="control_chart.id")
    rule: str = Field(max_length=16)  # nelson-1 .. nelson-4, range-1, out-of-spec
    message: str = Field(max_length=300)
    first_at: datetime = Field(sa_type=UTCDateTime)
    last_at: datetime = Field(sa_type=UTCDateTime)
    last_sample_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    samples: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    raised_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    acknowledged_by: str | None = Field(default=None, max_length=100)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
