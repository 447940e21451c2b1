"""Holds: stop a unit, lot, work order or container, and release it, with who, why and when."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability import lookup, outbox, warehouse_reports
from traceability.commands.base import Command
from traceability.errors import Invalid
from traceability.events import hold_event
from traceability.models import Hold
from traceability.types import utcnow

HoldTarget = Literal["unit", "lot", "work_order", "container"]


class PlaceHold(Command):
    target_kind: HoldTarget
    target: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=500)
    by: str = Field(min_length=1, max_length=100)
    at: AwareDatetime | None = None
    case_id: str | None = Field(default=None, max_length=64)


def place_hold(session: Session, cmd: PlaceHold) -> dict:
    _require_target(session, cmd.target_kind, cmd.target)
    open_hold = _open(session, cmd.target_kind, cmd.target, cmd.reason)
    if open_hold is not None:
        return {"hold_id": open_hold.id, "created": False}
    hold = Hold(target_kind=cmd.target_kind, target_key=cmd.target, reason=cmd.reason,
                held_by=cmd.by, held_at=cmd.at or utcnow(), case_id=cmd.case_id)
    session.add(hold)
    session.flush()
    outbox.emit(session, hold_event(cmd.target_kind, "held"), aggregate_type=cmd.target_kind,
                aggregate_id=cmd.target, data={**cmd.model_dump(mode="json"), "hold_id": hold.id})
    warehouse_reports.lot_hold_changed(session, hold, released=False)
    return {"hold_id": hold.id, "created": True}


class ReleaseHold(Command):
    hold_id: int = Field(gt=0)
    by: str = Field(min_length=1, max_length=100)
    at: AwareDatetime | None = None


def release_hold(session: Session, cmd: ReleaseHold) -> dict:
    hold = session.get(Hold, cmd.hold_id)
    if hold is None:
        raise Invalid("hold_id", f"unknown hold {cmd.hold_id}")
    if hold.released_at is not None:
        return {"hold_id": hold.id, "changed": False}
    hold.released_at, hold.released_by = cmd.at or utcnow(), cmd.by
    session.flush()
    outbox.emit(session, hold_event(hold.target_kind, "released"), aggregate_type=hold.target_kind,
                aggregate_id=hold.target_key,
                data={"hold_id": hold.id, "target_kind": hold.target_kind, "target": hold.target_key,
                      "reason": hold.reason, "by": cmd.by})
    warehouse_reports.lot_hold_changed(session, hold, released=True)
    return {"hold_id": hold.id, "changed": True}


def _open(session: Session, kind: str, key: str, reason: str) -> Hold | None:
    return session.scalars(select(Hold).where(
        Hold.target_kind == kind, Hold.target_key == key, Hold.reason == reason,
        Hold.released_at.is_(None))).first()


def _require_target(session: Session, kind: str, key: str) -> None:
    if kind == "unit":
        lookup.unit(session, key, "target")
    elif kind == "lot":
        lookup.lot(session, key, "target")
    elif kind == "work_order":
        lookup.work_order(session, key, "target")
    else:
        lookup.require(lookup.containers(session, [key]), key, "target", "container")
