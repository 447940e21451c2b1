"""Sampled process values: what a station's equipment measured at one instant (a poll cycle).

Unlike `RecordOperation`, samples are not sent by a unit's transaction; they are read from the
station on a clock. Each sample is attributed to the unit in process there at that instant: the
latest operation started at the station at or before the sample, if it was still open then (not
completed); when several started at that same instant (a panel and its boards), the panel, whose
data its boards inherit. A station whose latest operation is already complete has no unit in
process, so the sample is stored with no unit; an operation left open long ago never captures
later samples.

Idempotent without an inbound-message row per cycle: a sample's key is (station, name,
recorded_at) among sampled sources (the partial unique index `ux_process_parameter_sample`), and
the batch insert skips keys already stored, so a poller that resends a cycle after a failed or
unacknowledged commit writes nothing twice, even when two attempts race.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from traceability import outbox
from traceability.commands.base import Command
from traceability.models import ProcessParameter, Unit, UnitOperation


class Sample(Command):
    name: str = Field(min_length=1, max_length=64)
    value: float = Field(allow_inf_nan=False)
    unit: str = Field(default="", max_length=16)  # engineering unit


class RecordSamples(Command):
    """Samples read at one station at one instant; one insert statement for all of them."""

    station: str = Field(min_length=1, max_length=64)
    recorded_at: AwareDatetime
    # Only sources covered by the sample key's index predicate (migration 0007_modbus).
    source: Literal["modbus"] = "modbus"
    device: str | None = Field(default=None, max_length=200)  # for the event, not stored
    samples: list[Sample] = Field(min_length=1, max_length=5000)


def record_samples(session: Session, cmd: RecordSamples) -> dict:
    """Insert the samples not yet stored, attributed to the unit in process; emit one event if any."""
    in_process = _unit_in_process(session, cmd.station, cmd.recorded_at)
    unit_id = in_process.unit_id if in_process else None
    operation_id = in_process.id if in_process else None
    rows = [{"unit_id": unit_id, "unit_operation_id": operation_id, "station": cmd.station, "name": s.name,
             "value": s.value, "unit": s.unit, "recorded_at": cmd.recorded_at, "source": cmd.source}
            for s in cmd.samples]
    inserted = len(session.execute(_insert_new(session), rows).all())
    serial = in_process.serial if in_process else None
    if inserted:
        outbox.emit(session, "process.sampled", aggregate_type="station", aggregate_id=cmd.station, data={
            "station": cmd.station, "source": cmd.source, "device": cmd.device,
            "recorded_at": cmd.recorded_at.isoformat(), "serial": serial,
            "samples": [s.model_dump() for s in cmd.samples],
        })
    return {"station": cmd.station, "inserted": inserted, "serial": serial}


def _unit_in_process(session: Session, station: str, at: datetime):  # type: ignore[no-untyped-def]
    """The operation open at `station` at `at`: among those started last (at one instant, e.g. a
    panel and its boards) and not completed by then, the panel if it is one of them, else the first
    recorded. Two index lookups on (station, started_at), however long the station's history."""
    op = UnitOperation
    latest = (select(op.started_at).where(op.station == station, op.started_at <= at)
              .order_by(op.started_at.desc()).limit(1).scalar_subquery())
    rows = session.execute(
        select(op.id, op.unit_id, op.completed_at, Unit.serial, Unit.kind)
        .join(Unit, Unit.id == op.unit_id)
        .where(op.station == station, op.started_at == latest)
        .order_by(op.id)
    ).all()
    open_ = [r for r in rows if r.completed_at is None or r.completed_at > at]
    return next((r for r in open_ if r.kind == "panel"), open_[0] if open_ else None)


def _insert_new(session: Session):  # type: ignore[no-untyped-def]
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, on the table (not the ORM class).

    Executed with a list of rows, SQLAlchemy sends them as one multi-row INSERT ("insertmanyvalues")
    from a statement compiled once and cached; `.values([...])` would compile every cycle anew
    (~100 ms for 100 rows). RETURNING counts what was new: psycopg reports no rowcount here.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = ProcessParameter.__table__
    return dialect.insert(table).on_conflict_do_nothing().returning(table.c.id)
