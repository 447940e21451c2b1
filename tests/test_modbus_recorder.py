"""Storing poll cycles when the store misbehaves: a resent cycle is stored once, a failed one is retried."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from devices.modbus.loader import parse_config
from devices.modbus.poller import DevicePoller
from devices.modbus.recorder import StoreRecorder
from devices.modbus.simulator import SimulatedDevice
from tests.modbus_support import count_samples, device_status, sample_values
from traceability.database import Store
from traceability.models import OutboxEvent


class AckLostStore(Store):
    """Commits the first `fail` writes, then raises as if the acknowledgement never arrived."""

    def __init__(self, store: Store, fail: int) -> None:
        super().__init__(store.engine)
        self.fail, self.calls = fail, 0

    @contextmanager
    def write(self) -> Iterator[Session]:
        self.calls += 1
        with super().write() as session:
            yield session
        if self.calls <= self.fail:
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))


class DownStore(Store):
    """Refuses every write while `down` is set, as a database that is restarting."""

    def __init__(self, store: Store) -> None:
        super().__init__(store.engine)
        self.down = True

    @contextmanager
    def write(self) -> Iterator[Session]:
        if self.down:
            raise OperationalError("BEGIN", {}, Exception("connection refused"))
        with super().write() as session:
            yield session


def device(uid: str, port: int = 502, registers: str = "") -> object:
    text = (f'[[device]]\nname = "{uid}-dev"\nhost = "127.0.0.1"\nport = {port}\nstation = "{uid}-ST"\n'
            + (registers or '[[device.register]]\nparameter = "t"\ntype = "float32"\naddress = 0\n'))
    return parse_config(text).devices[0]


def test_a_cycle_resent_after_a_lost_acknowledgement_is_stored_once(store, uid):
    flaky = AckLostStore(store, fail=2)
    recorder = StoreRecorder(flaky, attempts=3, first_wait=0.01)
    at = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
    inserted = asyncio.run(recorder.record(device(uid), at, {"t": 231.5}))
    assert flaky.calls == 3 and inserted == 0  # the third attempt found the first one's rows
    assert sample_values(store, f"{uid}-ST") == {"t": [231.5]}
    with store.read() as session:
        events = session.scalars(select(OutboxEvent.type)
                                 .where(OutboxEvent.aggregate_id == f"{uid}-ST")).all()
    assert events == ["process.sampled"]


def test_values_the_store_did_not_take_are_offered_again(store, uid):
    regs = '[[device.register]]\nparameter = "t"\ntype = "float32"\naddress = 0\nchange_only = true\n'

    async def scenario() -> None:
        sim = SimulatedDevice()
        await sim.write("holding", 0, [0x4375, 0x8000])  # 245.5, unchanged throughout
        await sim.start()
        down = DownStore(store)
        poller = DevicePoller(device(uid, sim.port, regs), StoreRecorder(down, attempts=2, first_wait=0.01))
        try:
            await poller.run(asyncio.Event(), cycles=1)  # read, but the store is down
            assert count_samples(store, f"{uid}-ST") == 0
            down.down = False
            await poller.run(asyncio.Event(), cycles=1)  # unchanged, yet stored now: it never was
            await poller.run(asyncio.Event(), cycles=1)  # unchanged and stored: suppressed
        finally:
            await sim.stop()

    asyncio.run(asyncio.wait_for(scenario(), 30))
    assert sample_values(store, f"{uid}-ST") == {"t": [245.5]}
    status = device_status(store, f"{uid}-dev")
    # what could not be reported while the store was down is reported once it is back
    assert status.status == "connected" and status.messages == 3
    assert status.problems == {"store_write_failed": 1}
