"""The store side of the poller: samples and device health become domain commands, off the event loop.

The store is synchronous (SQLAlchemy sessions), so each write runs in a worker thread. A write that
fails for a transient reason (the database restarted, a lock timed out) is retried a few times with
back-off; the same cycle is resent unchanged, which `RecordSamples` stores at most once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy.exc import InterfaceError, OperationalError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from devices.modbus.config import Device
from traceability import commands as c
from traceability.database import Store

log = logging.getLogger("tracebridge.modbus")
TRANSIENT = (OperationalError, InterfaceError)


class RecordingFailed(Exception):
    """The store did not take a cycle after the retries; the poller offers the values again later."""


class StoreRecorder:
    """Writes a device's samples (`record`) and health (`report`) through domain commands."""

    def __init__(self, store: Store, *, attempts: int = 3, first_wait: float = 0.2, max_wait: float = 2.0):
        self.store = store
        self._retrying = {"stop": stop_after_attempt(attempts), "reraise": True,
                          "wait": wait_exponential(multiplier=first_wait, max=max_wait),
                          "retry": retry_if_exception_type(TRANSIENT)}

    async def record(self, device: Device, recorded_at: datetime, values: dict[str, float]) -> int:
        """Store one cycle's accepted values; returns how many rows were new."""
        units = {r.parameter: r.unit for r in device.registers}
        cmd = c.RecordSamples(station=device.station, recorded_at=recorded_at, device=device.name,
                              samples=[c.Sample(name=name, value=value, unit=units.get(name, ""))
                                       for name, value in values.items()])
        try:
            answer = await self._write(cmd)
        except TRANSIENT as exc:
            raise RecordingFailed(f"store unavailable: {type(exc).__name__}: {exc}"[:500]) from exc
        return int(answer.get("inserted", 0))

    async def report(self, cmd: c.ReportDeviceStatus) -> bool:
        """Best effort: health that cannot be written now is logged (False), never fatal to polling."""
        try:
            await self._write(cmd)
        except TRANSIENT as exc:
            log.warning("device status for %s not stored: %s", cmd.source, exc)
            return False
        return True

    async def _write(self, cmd: c.Command) -> dict:
        async for attempt in AsyncRetrying(**self._retrying):
            with attempt:
                return await asyncio.to_thread(self._execute, cmd)
        raise AssertionError("unreachable: tenacity reraises")

    def _execute(self, cmd: c.Command) -> dict:
        with self.store.write() as session:
            return c.execute(session, cmd)
