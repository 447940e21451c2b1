"""Sampled process values: what a station's equipment measured at one instant (a poll cycle).

Unlike `RecordOperation`, samples are not sent by a unit's transaction; they are read from the
station on a clock. Each sample is attributed to the unit in process there at that instant: the
latest operation started at the station at or before the sample, if it was still open then (not
completed). A station whose latest operation is already complete has no unit in process, so the
sample is stored with no unit; an operation left open long ago never captures later samples.

Idempotent without an inbound-message row per cycle: a sample's key is (station, name,
recorded_at) among sampled sources (the partial unique index `ux_process_parameter_sample`), and
the batch insert skips keys already stored, so a poller that resends a cycle after a failed or
unacknowledged commit writes nothing twice, even when two attempts race.
"""

from __future__ import annotations

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
    in_process = session.execute(
        select(UnitOperation.id, UnitOperation.unit_id, UnitOperation.completed_at, Unit.serial)
        .join(Unit, Unit.id == UnitOperation.unit_id)
        .where(UnitOperation.station == cmd.station, UnitOperation.started_at <= cmd.recorded_at)
        .order_by(UnitOperation.started_at.desc(), UnitOperation.id.desc())
        .limit(1)
    ).first()
    if in_process is not None and in_process.completed_at is not None \
            and in_process.completed_at <= cmd.recorded_at:
        in_process = None
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


def _insert_new(session: Session):  # type: ignore[no-untyped-def]
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, on the table (not the ORM class).

    Executed with a list of rows, SQLAlchemy sends them as one multi-row INSERT ("insertmanyvalues")
    from a statement compiled once and cached; `.values([...])` would compile every cycle anew
    (~100 ms for 100 rows). RETURNING counts what was new: psycopg reports no rowcount here.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = ProcessParameter.__table__
    return dialect.insert(table).on_conflict_do_nothing().returning(table.c.id)
