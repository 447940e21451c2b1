"""Polling Modbus TCP devices: one asyncio task per device, each on its own schedule and back-off.

A cycle reads the device's planned blocks, decodes them, drops unchanged values (change-only,
deadband) and hands the rest to the recorder as one batch stamped with the cycle's start time. A
device that refuses a connection or stops answering is reported lost and retried on a bounded
exponential schedule (retry_initial doubling up to retry_max) while the other tasks carry on; the
first successful connect reports it connected again. A Modbus exception response (e.g. an illegal
address) is the device's answer, not a loss: it is counted as a problem and the cycle goes on.
Health goes to the store on every status change and otherwise every `status_interval` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import signal
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from devices.modbus.change_filter import ChangeFilter
from devices.modbus.config import Device, PollerConfig
from devices.modbus.plan import ReadBlock, plan_reads
from devices.modbus.recorder import RecordingFailed
from traceability.commands import ReportDeviceStatus
from traceability.types import utcnow

log = logging.getLogger("tracebridge.modbus")
CONNECTION_ERRORS = (ModbusException, OSError, TimeoutError)


class Recorder(Protocol):
    async def record(self, device: Device, recorded_at: datetime, values: dict[str, float]) -> int: ...

    async def report(self, cmd: ReportDeviceStatus) -> bool: ...


class DeviceAnswered(Exception):
    """A Modbus exception response: the device is there but refused this request."""

    def __init__(self, block: ReadBlock, code: int) -> None:
        super().__init__(f"{block.function} {block.start}+{block.count}: Modbus exception {code}")
        self.code = code


def backoff(initial: float, maximum: float) -> Iterator[float]:
    """Reconnect delays: initial, doubled each time, capped at maximum."""
    delay = initial
    while True:
        yield min(delay, maximum)
        delay = min(delay * 2, maximum)


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep up to `seconds`, waking at once when `stop` is set."""
    if seconds > 0 and not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)


class DevicePoller:
    """Polls one device until stopped (or for a given number of cycles)."""

    def __init__(self, device: Device, recorder: Recorder, *, status_interval: float = 5.0) -> None:
        self.device = device
        self.recorder = recorder
        self.status_interval = status_interval
        self.blocks = plan_reads(device.registers, max_gap=device.max_gap)
        self.filter = ChangeFilter(device.registers)
        self.connected = False
        self.cycles = 0  # successful read cycles since start (for callers and tests)
        self._client: AsyncModbusTcpClient | None = None
        self._reads = 0
        self._problems: Counter[str] = Counter()
        self._seen_at: datetime | None = None
        self._error: str | None = None
        self._status_at = 0.0
        self._unreported: str | None = None  # a status change the store has not taken yet

    async def run(self, stop: asyncio.Event, *, cycles: int | None = None) -> None:
        """Poll on the device's interval; `cycles` bounds the attempts (connect or read) for --once."""
        loop = asyncio.get_running_loop()
        delays = backoff(self.device.retry_initial, self.device.retry_max)
        attempts = 0
        next_tick = loop.time()
        try:
            while not stop.is_set() and (cycles is None or attempts < cycles):
                attempts += 1
                more = cycles is None or attempts < cycles
                try:
                    await self._cycle()
                except Exception as exc:  # a bug in one device's cycle must not stop the others
                    if not isinstance(exc, CONNECTION_ERRORS):
                        log.exception("device %s: unexpected error", self.device.name)
                        self._problems["internal_error"] += 1
                    await self._lost(exc)
                    await pause(stop, next(delays) if more else 0)
                    next_tick = loop.time()
                    continue
                delays = backoff(self.device.retry_initial, self.device.retry_max)
                await self._flush(due_only=True)
                next_tick = max(next_tick + self.device.poll_interval, loop.time())
                if more:
                    await pause(stop, next_tick - loop.time())
        finally:
            self._close()
            await self._flush(due_only=False)

    async def _cycle(self) -> None:
        if not self.connected:
            await self._connect()
        at = utcnow()
        values: dict[str, float] = {}
        for block in self.blocks:
            try:
                values.update(block.values(await self._read(block)))
            except DeviceAnswered as refusal:
                self._problems[f"modbus_exception_{refusal.code}"] += 1
                self._error = str(refusal)
        self._reads += 1
        self.cycles += 1
        self._seen_at = at
        if nan := sum(1 for v in values.values() if not math.isfinite(v)):
            self._problems["non_finite_value"] += nan
        accepted = self.filter.accept(values)
        if accepted:
            try:
                await self.recorder.record(self.device, at, accepted)
            except RecordingFailed as exc:
                self._problems["store_write_failed"] += 1
                self._error = str(exc)
                log.warning("device %s: cycle not stored: %s", self.device.name, exc)
                return
            self.filter.stored(accepted)

    async def _connect(self) -> None:
        self._close()
        self._client = AsyncModbusTcpClient(
            self.device.host, port=self.device.port, timeout=self.device.timeout, retries=0,
            reconnect_delay=0, name=f"tracebridge:{self.device.name}")
        if not await self._client.connect():
            self._problems["connect_failed"] += 1
            raise ConnectionError(f"cannot connect to {self.device.host}:{self.device.port}")
        self.connected = True
        self._error = None
        log.info("device %s connected (%s:%s)", self.device.name, self.device.host, self.device.port)
        await self._flush(due_only=False, status="connected")

    async def _read(self, block: ReadBlock) -> list[int]:
        assert self._client is not None
        kwargs = {"count": block.count, "device_id": self.device.device_id}
        client = self._client
        match block.function:
            case "holding":
                response = await client.read_holding_registers(block.start, **kwargs)
            case "input":
                response = await client.read_input_registers(block.start, **kwargs)
            case "coil":
                response = await client.read_coils(block.start, **kwargs)
            case "discrete":
                response = await client.read_discrete_inputs(block.start, **kwargs)
        if response.isError():
            raise DeviceAnswered(block, int(getattr(response, "exception_code", 0)))
        if block.function in ("coil", "discrete"):
            return [1 if bit else 0 for bit in response.bits[:block.count]]
        return list(response.registers)

    async def _lost(self, exc: BaseException) -> None:
        error = f"{type(exc).__name__}: {exc}"[:1000]
        was_connected = self.connected
        self.connected = False
        self._close()
        self._error = error
        if was_connected or self._status_at == 0.0:
            log.warning("device %s lost: %s", self.device.name, error)
            await self._flush(due_only=False, status="lost")
        else:
            await self._flush(due_only=True)

    async def _flush(self, *, due_only: bool, status: str | None = None) -> None:
        now = asyncio.get_running_loop().time()
        if due_only and now - self._status_at < self.status_interval:
            return
        self._status_at = now
        status = status or self._unreported
        report = ReportDeviceStatus(
            source=self.device.name, kind="modbus", status=status, station=self.device.station,
            seen_at=self._seen_at, error=self._error, messages=self._reads, problems=dict(self._problems))
        if not await self.recorder.report(report):
            self._unreported = status  # the change and the counts stay for the next report
            return
        self._unreported = None
        self._reads = 0
        self._problems.clear()
        if self.connected:
            self._error = None  # reported once; a lost device keeps its error until it reconnects

    def _close(self) -> None:
        self.connected = False
        if self._client is not None:
            self._client.close()
            self._client = None


async def poll_devices(config: PollerConfig, recorder: Recorder, stop: asyncio.Event, *,
                       once: bool = False, status_interval: float = 5.0) -> list[DevicePoller]:
    """Run every device's poller until `stop` is set (or one cycle each with `once`)."""
    pollers = [DevicePoller(d, recorder, status_interval=status_interval) for d in config.devices]
    await asyncio.gather(*(p.run(stop, cycles=1 if once else None) for p in pollers))
    return pollers


async def run_poller(config: PollerConfig, recorder: Recorder, *, once: bool = False,
                     duration: float | None = None, status_interval: float = 5.0) -> list[DevicePoller]:
    """What `tracebridge poll` runs: every device until SIGINT/SIGTERM, `duration` seconds, or one cycle."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    timer = loop.call_later(duration, stop.set) if duration is not None else None
    try:
        return await poll_devices(config, recorder, stop, once=once, status_interval=status_interval)
    finally:
        if timer is not None:
            timer.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
