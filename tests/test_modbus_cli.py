"""`tracebridge poll` as a user runs it: against a Modbus device on 127.0.0.1, then the API.

The first test runs the installed command in a subprocess; the others call the same command
in-process (typer's runner), which saves the interpreter start-up per run.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from devices.modbus.simulator import SimulatedDevice, free_port
from gateway.app import create_app
from gateway.cli import app
from gateway.settings import Settings
from tests.modbus_support import count_samples, sample_values
from traceability.database import Store, make_engine

BIN = Path(sys.executable).parent / "tracebridge"


def poll(*args: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), "poll", *args], env={**os.environ, "TRACEBRIDGE_DATABASE_URL": url},
                          capture_output=True, text=True, timeout=90)


def poll_in_process(*args: str, url: str, **env: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["poll", *args], env={"TRACEBRIDGE_DATABASE_URL": url, **env})


@pytest.fixture
def device() -> Iterator[SimulatedDevice]:
    """A simulated device served from its own event loop in a thread, for the subprocess to poll."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    sim = SimulatedDevice()
    asyncio.run_coroutine_threadsafe(sim.write("holding", 0, [0x4375, 0x8000]), loop).result(5)
    asyncio.run_coroutine_threadsafe(sim.start(), loop).result(10)
    yield sim
    asyncio.run_coroutine_threadsafe(sim.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def config(tmp_path: Path, uid: str, *ports: int, interval: float = 1.0) -> Path:
    text = "".join(f"""
[[device]]
name = "{uid}-dev{i}"
host = "127.0.0.1"
port = {port}
station = "{uid}-ST{i}"
poll_interval = {interval}
timeout = 0.5

[[device.register]]
parameter = "zone1"
type = "float32"
address = 0
unit = "degC"
""" for i, port in enumerate(ports))
    path = tmp_path / "devices.toml"
    path.write_text(text)
    return path


def test_poll_once_stores_samples_and_reports_each_device(sqlite_url, tmp_path, uid, device):
    """The installed command (one engine suffices: the poller's store tests run on both)."""
    database_url = sqlite_url
    path = config(tmp_path, uid, device.port, free_port())  # the second port has nothing listening
    out = poll("--config", str(path), "--once", url=database_url)
    assert out.returncode == 1, out.stderr  # one device could not be read
    assert f"{uid}-dev0: 1 cycle(s) read" in out.stdout and f"{uid}-dev1: 0 cycle(s) read" in out.stdout
    store = Store(make_engine(database_url))
    try:
        assert sample_values(store, f"{uid}-ST0") == {"zone1": [245.5]}
    finally:
        store.dispose()
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        listed = {d["source"]: d for d in client.get("/api/v1/devices", params={"kind": "modbus"}).json()}
    live, dead = listed[f"{uid}-dev0"], listed[f"{uid}-dev1"]
    assert (live["status"], live["station"], live["messages"], live["last_error"]) == (
        "connected", f"{uid}-ST0", 1, None)
    assert dead["status"] == "lost" and "cannot connect" in dead["last_error"]
    assert dead["problems"] == {"connect_failed": 1}


def test_poll_for_a_duration_with_the_config_from_settings(sqlite_url, tmp_path, uid, device):
    path = config(tmp_path, uid, device.port, interval=0.2)
    out = poll_in_process("--duration", "1.5", url=sqlite_url, TRACEBRIDGE_MODBUS_CONFIG=str(path))
    assert out.exit_code == 0, out.output
    cycles = int(out.output.split(f"{uid}-dev0: ")[1].split()[0])
    assert 5 <= cycles <= 9
    store = Store(make_engine(sqlite_url))
    try:
        assert count_samples(store, f"{uid}-ST0") == cycles  # unfiltered: one sample per cycle
    finally:
        store.dispose()


def test_a_bad_register_map_is_refused_at_start_with_the_line(sqlite_url, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[device]]\nname = "oven"\nhost = "127.0.0.1"\nstation = "REFLOW"\n\n'
                   '[[device.register]]\nparameter = "zone1"\naddress = 0\ntype = "float64"\n')
    out = poll_in_process("--config", str(bad), url=sqlite_url)
    assert out.exit_code == 2
    assert f"{bad}:9: device[0].register[0].type: Input should be 'bool', 'int16'" in out.stderr
    assert "polling" not in out.stdout
    assert poll_in_process(url=sqlite_url).exit_code == 2  # no config at all
