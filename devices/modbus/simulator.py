"""A simulated Modbus TCP device on 127.0.0.1: a register image served by pymodbus, for trying the
poller without a PLC (`python -m devices.modbus.simulator --config docs/modbus.example.toml`) and
for the tests, which speak the real protocol to it.

The image holds raw words per function (holding, input) and bits (coil, discrete), `size` of each
from address 0; reading beyond `size` gets an illegal-address exception, as from a real device.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import socket
from collections import Counter
from collections.abc import Sequence

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from devices.modbus.config import Register
from devices.modbus.decoding import encode
from devices.modbus.loader import load_config

_WRITE_CODE = {"coil": 15, "discrete": 2, "holding": 16, "input": 4}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SimulatedDevice:
    """One Modbus unit id behind a TCP server that can be stopped and started again on the same port."""

    def __init__(self, *, port: int | None = None, device_id: int = 1, size: int = 256,
                 host: str = "127.0.0.1") -> None:
        self.host, self.port, self.device_id, self.size = host, port or free_port(), device_id, size
        self.image: dict[str, list[int]] = {f: [0] * size for f in _WRITE_CODE}
        self.requests: Counter[int] = Counter()  # requests served, by function code
        self._server: ModbusTcpServer | None = None
        self._task: asyncio.Task[None] | None = None

    async def write(self, function: str, address: int, words: Sequence[int]) -> None:
        """Put raw words (or 0/1 bits) into the image, live if the server runs."""
        self.image[function][address:address + len(words)] = list(words)
        if self._server is not None:
            values: list[int] | list[bool] = (
                [bool(w) for w in words] if function in ("coil", "discrete") else list(words))
            await self._server.context.async_setValues(self.device_id, _WRITE_CODE[function], address, values)

    async def set_value(self, register: Register, value: float) -> None:
        """Put an engineering value where `register` reads it (the inverse of scale and offset)."""
        raw = (value - register.offset) / register.scale
        raw = raw if register.type == "float32" else round(raw)
        await self.write(register.function, register.address, encode(
            raw, register.type or "uint16", word_order=register.word_order, byte_order=register.byte_order))

    async def start(self, timeout: float = 5.0) -> None:
        bits = [SimData(0, values=[bool(b) for b in self.image[f]], datatype=DataType.BITS)
                for f in ("coil", "discrete")]
        words = [SimData(0, values=list(self.image[f]), datatype=DataType.REGISTERS)
                 for f in ("holding", "input")]
        device = SimDevice(id=self.device_id, simdata=([bits[0]], [bits[1]], [words[0]], [words[1]]),
                           action=self._count)
        self._server = ModbusTcpServer(device, address=(self.host, self.port))
        self._task = asyncio.create_task(self._server.serve_forever())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:  # bounded: until the port accepts connections
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection(self.host, self.port)
                writer.close()
                return
            await asyncio.sleep(0.02)
        raise TimeoutError(f"simulated device did not listen on {self.host}:{self.port}")

    async def _count(self, function_code: int, *_: object) -> None:
        self.requests[function_code] += 1

    async def stop(self, timeout: float = 5.0) -> None:
        if self._server is None:
            return
        await self._server.shutdown()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout)
        self._server, self._task = None, None


async def _serve(config_path: str, device_name: str | None, port: int | None, wander: float) -> None:
    config = load_config(config_path)
    device = next((d for d in config.devices if device_name in (None, d.name)), None)
    if device is None:
        raise SystemExit(f"no device named {device_name!r} in {config_path}")
    sim = SimulatedDevice(port=port or device.port, device_id=device.device_id, host=device.host)
    values = {r.parameter: 100.0 * r.scale if r.type != "bool" else 0.0 for r in device.registers}
    for reg in device.registers:
        await sim.set_value(reg, values[reg.parameter])
    await sim.start()
    print(f"simulating {device.name!r} (unit {device.device_id}) on {sim.host}:{sim.port}; Ctrl-C stops")
    try:
        while True:  # a random walk, so change-only filtering has something to do
            await asyncio.sleep(device.poll_interval)
            for reg in device.registers:
                step = random.choice((-1, 0, 0, 1))
                if reg.type == "bool":
                    values[reg.parameter] = 1.0 - values[reg.parameter] if step > 0 else values[reg.parameter]
                else:
                    values[reg.parameter] += step * wander * reg.scale
                await sim.set_value(reg, values[reg.parameter])
    finally:
        await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a register map's device as a Modbus TCP simulator")
    parser.add_argument("--config", required=True, help="a tracebridge poll config (TOML)")
    parser.add_argument("--device", help="which device of the config (default: the first)")
    parser.add_argument("--port", type=int, help="override the device's port")
    parser.add_argument("--wander", type=float, default=1.0, help="random-walk step in raw units")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.config, args.device, args.port, args.wander))


if __name__ == "__main__":
    main()
