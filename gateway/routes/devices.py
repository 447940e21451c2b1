"""Device status: every CFX source and Modbus device the gateway has heard from, and what looks wrong."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from gateway.deps import StoreDep
from traceability.commands.devices import device_statuses

router = APIRouter(prefix="/api/v1/devices", tags=["devices"])


class DeviceStatusOut(BaseModel):
    source: str
    kind: str
    station: str | None
    status: str
    last_seen_at: datetime | None
    last_error: str | None
    clock_offset_s: float | None
    messages: int
    problems: dict[str, int]


@router.get("", summary="Status of every device and CFX source", response_model=list[DeviceStatusOut])
def list_devices(store: StoreDep, kind: str | None = None) -> list[DeviceStatusOut]:
    with store.read() as session:
        return [DeviceStatusOut(source=d.source, kind=d.kind, station=d.station, status=d.status,
                                last_seen_at=d.last_seen_at, last_error=d.last_error,
                                clock_offset_s=d.clock_offset_s, messages=d.messages,
                                problems=d.problems or {}) for d in device_statuses(session, kind)]
