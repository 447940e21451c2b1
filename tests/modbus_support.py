"""Helpers for the Modbus tests: bounded waits and the store queries they poll."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select

from traceability.database import Store
from traceability.models import DeviceStatus, ProcessParameter


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 10.0,
                     step: float = 0.05) -> Any:
    """Await `check()` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s: {check.__qualname__} -> {result!r}")
        await asyncio.sleep(step)


def count_samples(store: Store, station: str, name: str | None = None) -> int:
    query = select(func.count()).select_from(ProcessParameter).where(ProcessParameter.station == station)
    if name:
        query = query.where(ProcessParameter.name == name)
    with store.read() as session:
        return int(session.scalar(query) or 0)


def sample_values(store: Store, station: str) -> dict[str, list[float]]:
    with store.read() as session:
        rows = session.execute(select(ProcessParameter.name, ProcessParameter.value)
                               .where(ProcessParameter.station == station)
                               .order_by(ProcessParameter.recorded_at, ProcessParameter.id)).all()
    out: dict[str, list[float]] = {}
    for name, value in rows:
        out.setdefault(name, []).append(value)
    return out


def device_status(store: Store, source: str) -> DeviceStatus | None:
    with store.read() as session:
        return session.scalars(select(DeviceStatus).where(DeviceStatus.source == source)).first()
