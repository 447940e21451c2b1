"""The poller against real Modbus TCP servers on 127.0.0.1 (pymodbus, in the test process).

Each test runs its own event loop under a hard time limit; every wait is bounded.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from devices.modbus.loader import parse_config
from devices.modbus.poller import DevicePoller, poll_devices
from devices.modbus.recorder import StoreRecorder
from devices.modbus.simulator import SimulatedDevice
from tests.modbus_support import count_samples, device_status, eventually, sample_values
from traceability.models import OutboxEvent, ProcessParameter


def run(coro, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(coro, timeout))


def device_toml(name: str, port: int, station: str, registers: str, **options: object) -> str:
    extra = "".join(f"{k} = {v!r}\n" for k, v in options.items())
    return (f'[[device]]\nname = "{name}"\nhost = "127.0.0.1"\nport = {port}\nstation = "{station}"\n'
            f"{extra}{registers}")


IMAGE_MAP = """
[[device.register]]
parameter = "zone1"
type = "float32"
address = 0
unit = "degC"

[[device.register]]
parameter = "zone2"
type = "float32"
address = 2
word_order = "little"
unit = "degC"

[[device.register]]
parameter = "speed"
type = "int16"
address = 4
scale = 0.1
unit = "cm/min"

[[device.register]]
parameter = "count"
type = "int32"
address = 5

[[device.register]]
parameter = "energy"
type = "uint32"
address = 7
word_order = "little"
byte_order = "little"
unit = "Wh"

[[device.register]]
parameter = "not_a_number"
type = "float32"
address = 9

[[device.register]]
parameter = "o2"
function = "input"
type = "uint16"
address = 0
scale = 0.5
offset = -40
unit = "ppm"

[[device.register]]
parameter = "door_open"
function = "coil"
address = 3

[[device.register]]
parameter = "beyond_the_map"
type = "uint16"
address = 300
"""


def test_one_cycle_stores_the_register_image(store, uid):
    async def scenario() -> SimulatedDevice:
        sim = SimulatedDevice(size=256)
        await sim.write("holding", 0, [0x4375, 0x8000])  # 245.5 float32, most significant word first
        await sim.write("holding", 2, [0x0000, 0xC144])  # -12.25 float32, least significant word first
        await sim.write("holding", 4, [0xFF85])  # -123 -> -12.3 cm/min
        await sim.write("holding", 5, [0x075B, 0xCD15])  # 123456789
        await sim.write("holding", 7, [0x3412, 0xCDAB])  # 0xABCD1234, words and bytes swapped
        await sim.write("holding", 9, [0x7FC0, 0x0000])  # NaN: read, counted, never stored
        await sim.write("input", 0, [500])  # 500 * 0.5 - 40 = 210 ppm
        await sim.write("coil", 3, [1])
        await sim.start()
        try:
            config = parse_config(device_toml(f"{uid}-oven", sim.port, f"{uid}-REFLOW", IMAGE_MAP))
            [poller] = await poll_devices(config, StoreRecorder(store), asyncio.Event(), once=True)
            assert poller.cycles == 1
        finally:
            await sim.stop()
        return sim

    sim = run(scenario())
    values = sample_values(store, f"{uid}-REFLOW")
    assert values == {"zone1": [245.5], "zone2": [-12.25], "speed": [-12.3],
                      "count": [123456789.0], "energy": [float(0xABCD1234)], "o2": [210.0],
                      "door_open": [1.0]}
    # 9 values in 3 successful requests (+1 refused): holding 0..10, input 0, coil 3; 300 is beyond the map
    assert sim.requests == {3: 1, 4: 1, 1: 1}
    with store.read() as session:
        units = dict(session.execute(select(ProcessParameter.name, ProcessParameter.unit)
                                     .where(ProcessParameter.station == f"{uid}-REFLOW")).all())
        sources = set(session.scalars(select(ProcessParameter.source)
                                      .where(ProcessParameter.station == f"{uid}-REFLOW")))
    assert units["zone1"] == "degC" and units["energy"] == "Wh" and sources == {"modbus"}
    status = device_status(store, f"{uid}-oven")
    assert status is not None and (status.kind, status.status, status.station) == ("modbus", "connected",
                                                                                   f"{uid}-REFLOW")
    assert status.messages == 1 and status.problems == {"modbus_exception_2": 1, "non_finite_value": 1}
    assert "holding 300+1: Modbus exception 2" in (status.last_error or "")


FILTER_MAP = """
[[device.register]]
parameter = "temp"
type = "float32"
address = 0
deadband = 0.5

[[device.register]]
parameter = "door"
function = "coil"
address = 0
change_only = true

[[device.register]]
parameter = "raw"
type = "uint16"
address = 10
"""


def test_change_only_and_deadband_suppress_unchanged_values(store, uid):
    station = f"{uid}-OVEN"

    async def scenario() -> None:
        sim = SimulatedDevice()
        await sim.start()
        config = parse_config(device_toml(f"{uid}-oven", sim.port, station, FILTER_MAP))
        temp, door, _raw = config.devices[0].registers
        poller = DevicePoller(config.devices[0], StoreRecorder(store))
        try:
            for t, d in [(20.0, 0), (20.3, 0), (20.6, 1), (20.6, 1), (20.0, 1)]:
                await sim.set_value(temp, t)
                await sim.set_value(door, d)
                await poller.run(asyncio.Event(), cycles=1)
        finally:
            await sim.stop()

    run(scenario())
    values = sample_values(store, station)
    assert values["temp"] == [20.0, pytest.approx(20.6), 20.0]
    assert values["door"] == [0.0, 1.0]
    assert values["raw"] == [0.0] * 5
    assert device_status(store, f"{uid}-oven").messages == 5


def test_a_device_that_drops_off_is_reported_and_resumes_while_others_keep_polling(store, uid):
    quick = {"poll_interval": 0.05, "timeout": 0.5, "retry_initial": 0.05, "retry_max": 0.2}
    regs = '\n[[device.register]]\nparameter = "level"\ntype = "uint16"\naddress = 0\n'
    a_station, b_station = f"{uid}-A", f"{uid}-B"

    async def scenario() -> dict:
        a, b = SimulatedDevice(), SimulatedDevice()
        await a.start()
        await b.start()
        config = parse_config(device_toml(f"{uid}-a", a.port, a_station, regs, **quick)
                              + device_toml(f"{uid}-b", b.port, b_station, regs, **quick))
        stop = asyncio.Event()
        task = asyncio.create_task(poll_devices(config, StoreRecorder(store), stop, status_interval=0.1))
        seen: dict = {}
        try:
            async def samples(station: str, more_than: int = 0) -> bool:
                return await asyncio.to_thread(count_samples, store, station) > more_than

            async def status(source: str, wanted: str):  # type: ignore[no-untyped-def]
                row = await asyncio.to_thread(device_status, store, source)
                return row if row is not None and row.status == wanted else None

            await eventually(lambda: samples(a_station, 2))
            await eventually(lambda: samples(b_station, 2))
            await a.stop()
            lost = await eventually(lambda: status(f"{uid}-a", "lost"))
            seen["lost_error"] = lost.last_error
            a_while_down = await asyncio.to_thread(count_samples, store, a_station)
            b_while_down = await asyncio.to_thread(count_samples, store, b_station)
            await eventually(lambda: samples(b_station, b_while_down + 3))  # B is still polled
            a_after = await asyncio.to_thread(count_samples, store, a_station)
            seen["a_grew_while_down"] = a_after - a_while_down
            await a.write("holding", 0, [7])
            await a.start()
            await eventually(lambda: status(f"{uid}-a", "connected"))
            await eventually(lambda: samples(a_station, a_while_down + 2))
        finally:
            stop.set()
            await asyncio.wait_for(task, 5)
            await a.stop()
            await b.stop()
        return seen

    seen = run(scenario())
    # the read in flight when the server went away, or the refused reconnect, depending on timing
    assert seen["lost_error"].split(":")[0] in ("ModbusIOException", "ConnectionException", "ConnectionError")
    assert seen["a_grew_while_down"] == 0
    assert sample_values(store, a_station)["level"][-1] == 7.0
    with store.read() as session:
        events = session.scalars(select(OutboxEvent.type).where(OutboxEvent.aggregate_id == f"{uid}-a")
                                 .order_by(OutboxEvent.id)).all()
    assert events == ["device.connected", "device.lost", "device.connected"]
    a_row, b_row = device_status(store, f"{uid}-a"), device_status(store, f"{uid}-b")
    assert a_row.status == "connected" and a_row.last_error is None
    assert b_row.status == "connected" and b_row.messages >= 5
