"""The reflow oven's controller as a Modbus TCP device: the simulator serves its registers from a
pymodbus server on 127.0.0.1, and the existing poller (devices/modbus) reads them into the store as
process parameter samples of SIM.REFLOW1, attributed to the panel in the oven — the same path a
real oven PLC takes with `tracebridge poll`. It runs in its own thread with its own event loop.
"""

from __future__ import annotations

import asyncio
import random
import threading

from devices.modbus.loader import parse_config
from devices.modbus.poller import poll_devices
from devices.modbus.recorder import StoreRecorder
from devices.modbus.simulator import SimulatedDevice
from devices.simulated_line.plant import REFLOW
from traceability.database import Store

# parameter -> (address, typical value, wander per cycle)
REGISTERS = {"cooling_zone_c": (0, 62.0, 0.3), "o2_ppm": (2, 850.0, 12.0)}


def register_map(port: int, interval: float) -> str:
    registers = "".join(
        f'\n[[device.register]]\nparameter = "{name}"\ntype = "float32"\naddress = {address}\n'
        f'unit = "{"ppm" if name == "o2_ppm" else "degC"}"\n'
        for name, (address, _, _) in REGISTERS.items()
    )
    return (
        f'[[device]]\nname = "sim-reflow-controller"\nhost = "127.0.0.1"\nport = {port}\n'
        f'device_id = 1\nstation = "{REFLOW}"\npoll_interval = {interval}\ntimeout = 2.0\n{registers}'
    )


class OvenController:
    def __init__(self, store: Store, *, seed: int, interval: float = 1.0) -> None:
        self.store, self.interval = store, interval
        self.rng = random.Random(f"oven:{seed}")
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, name="sim-oven-modbus", daemon=True)
        self.ready = threading.Event()
        self.cycles = 0

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(10)

    def stop(self) -> None:
        if self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(timeout=10)

    def _run(self) -> None:
        try:
            self.loop.run_until_complete(self._main())
        finally:
            self.ready.set()
            self.loop.close()

    async def _main(self) -> None:
        self.stop_event = asyncio.Event()
        device = SimulatedDevice()
        config = parse_config(register_map(device.port, self.interval), source="simulated oven")
        registers = {r.parameter: r for r in config.devices[0].registers}
        values = {name: typical for name, (_, typical, _) in REGISTERS.items()}
        for name, value in values.items():
            await device.set_value(registers[name], value)
        await device.start()
        self.ready.set()
        wander = asyncio.create_task(self._wander(device, registers, values))
        try:
            pollers = await poll_devices(
                config, StoreRecorder(self.store), self.stop_event, status_interval=30.0
            )
            self.cycles = sum(p.cycles for p in pollers)
        finally:
            wander.cancel()
            await device.stop()

    async def _wander(self, device: SimulatedDevice, registers: dict, values: dict[str, float]) -> None:
        assert self.stop_event is not None
        while not self.stop_event.is_set():
            for name, (_, typical, step) in REGISTERS.items():
                values[name] += self.rng.gauss(0, step) + (typical - values[name]) * 0.2  # stays near typical
                await device.set_value(registers[name], values[name])
            await asyncio.sleep(self.interval)
