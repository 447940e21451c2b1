"""Modbus polling throughput: one device with N float32 registers on 127.0.0.1, polled back to back.

Prints, per store: read-only cycles/s (no store), full cycles/s and samples/s through RecordSamples,
and the raw rate of the same rows inserted in the same batches (one transaction each) for reference.

    .venv/bin/python -m bench.modbus_poll --seconds 5 --registers 100 \\
        --database-url sqlite:////tmp/bench.db --database-url postgresql://postgres@127.0.0.1:5432/bench
The databases are migrated to head; rows are written under a unique station name.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from devices.modbus.loader import parse_config
from devices.modbus.poller import DevicePoller
from devices.modbus.recorder import StoreRecorder
from devices.modbus.simulator import SimulatedDevice
from traceability import schema
from traceability.database import Store, make_engine
from traceability.models import ProcessParameter


class Timed:
    """A recorder wrapper that times each store write (or skips the store when `inner` is None)."""

    def __init__(self, inner: StoreRecorder | None) -> None:
        self.inner, self.write_s, self.rows = inner, [], 0

    async def record(self, device, recorded_at, values):  # type: ignore[no-untyped-def]
        if self.inner is None:
            return 0
        t0 = time.perf_counter()
        n = await self.inner.record(device, recorded_at, values)
        self.write_s.append(time.perf_counter() - t0)
        self.rows += n
        return n

    async def report(self, cmd):  # type: ignore[no-untyped-def]
        if self.inner is not None:
            await self.inner.report(cmd)


def config_text(port: int, station: str, registers: int) -> str:
    regs = "".join(f'\n[[device.register]]\nparameter = "p{i}"\ntype = "float32"\naddress = {2 * i}\n'
                   for i in range(registers))
    return (f'[[device]]\nname = "{station}"\nhost = "127.0.0.1"\nport = {port}\nstation = "{station}"\n'
            f"poll_interval = 0.0001\n{regs}")


async def polled(sim: SimulatedDevice, recorder: Timed, registers: int, seconds: float) -> tuple[int, float]:
    station = f"BENCH-{uuid.uuid4().hex[:8]}"
    device = parse_config(config_text(sim.port, station, registers)).devices[0]
    poller = DevicePoller(device, recorder, status_interval=3600)
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    t0 = time.perf_counter()
    await poller.run(stop)
    return poller.cycles, time.perf_counter() - t0


def raw_rate(store: Store, registers: int, batches: int) -> float:
    station = f"RAW-{uuid.uuid4().hex[:8]}"
    t0 = datetime.now(UTC)
    start = time.perf_counter()
    for b in range(batches):
        rows = [{"station": station, "name": f"p{i}", "value": float(i), "unit": "",
                 "recorded_at": t0 + timedelta(milliseconds=b), "source": "modbus"} for i in range(registers)]
        with store.write() as session:
            session.execute(insert(ProcessParameter), rows)
    return batches * registers / (time.perf_counter() - start)


async def main(args: argparse.Namespace) -> None:
    sim = SimulatedDevice(size=2 * args.registers + 2)
    for i in range(args.registers):
        await sim.write("holding", 2 * i, [0x4375, 0x8000])
    await sim.start()
    try:
        cycles, elapsed = await polled(sim, Timed(None), args.registers, args.seconds)
        requests = sum(sim.requests.values()) / max(cycles, 1)
        print(f"{args.registers} float32 registers, {requests:.0f} request(s) per cycle")
        rate = cycles * args.registers / elapsed
        print(f"read only (no store):  {cycles / elapsed:8.0f} cycles/s  {rate:9.0f} values/s")
        for url in args.database_url:
            store = Store(make_engine(url))
            schema.upgrade(store.engine)
            timed = Timed(StoreRecorder(store))
            cycles, elapsed = await polled(sim, timed, args.registers, args.seconds)
            raw = raw_rate(store, args.registers, max(cycles, 1))
            w = sorted(timed.write_s) or [0.0]
            print(f"{store.dialect:10} polled: {cycles / elapsed:8.0f} cycles/s  {timed.rows / elapsed:9.0f} "
                  f"samples/s  write p50 {statistics.median(w) * 1000:.1f} ms p99 "
                  f"{w[int(len(w) * 0.99) - 1 if len(w) > 1 else 0] * 1000:.1f} ms;  raw batched insert "
                  f"{raw:9.0f} rows/s")
            store.dispose()
    finally:
        await sim.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--registers", type=int, default=100)
    parser.add_argument("--database-url", action="append", default=[])
    asyncio.run(main(parser.parse_args()))
