"""A smoke run of every benchmark command in bench/ at a tiny scale, so none rots unseen.

Each module with a `__main__` runs as `python -m bench.<name>` would (runpy, its own argv), on
SQLite, in this process; the figures are printed, never checked (no timing assertions). A new
bench module fails `test_every_bench_command_is_smoked` until it has a line in SMOKE.
"""

from __future__ import annotations

import runpy
import sys
import uuid
from pathlib import Path

import pytest

from tests.amqp_support import URL, require_broker

BENCH = Path(__file__).resolve().parent.parent / "bench"

# module → (needs RabbitMQ, its arguments after --database-url <sqlite>); "{uid}" is a fresh prefix.
SMOKE: dict[str, tuple[bool, list[str]]] = {
    "cfx_ingest": (True, ["--messages", "3", "--components", "3", "--rounds", "1", "--amqp-url", URL]),
    "epcis_stream": (True, ["--units", "4", "--designators", "3", "--runs", "1", "--amqp-url", URL]),
    "erp_hooks": (False, ["--orders", "3", "--work-orders", "2", "--units", "2"]),
    "events_latency": (True, ["--events", "2", "--throughput", "40", "--batch", "20", "--amqp-url", URL]),
    "graphql_trace": (False, ["--units", "6", "--placements", "3", "--samples", "2", "--page", "5"]),
    "interlock": (False, ["--products", "6", "--routed", "12", "--checks", "5"]),
    "modbus_poll": (False, ["--seconds", "0.2", "--registers", "4"]),
    "run_all": (True, ["--units", "8", "--placements", "3", "--messages", "3", "--components", "3",
                       "--samples", "2", "--checks", "5", "--events", "2", "--relayed", "40",
                       "--amqp-url", URL]),
    "security": (False, ["--commands", "20", "--requests", "50"]),
    "standards": (False, ["--units", "8", "--designators", "3", "--prefix", "{uid}"]),
    "trace_vs_sql": (False, ["--prefix", "{uid}", "--units", "6", "--placements", "3", "--samples", "2",
                             "--page", "5"]),
    "wms_consumption": (False, ["--boards", "4", "--placements", "2", "--reels", "2", "--receipts", "2"]),
}
SERVER = "serving"  # serves until stopped: bench.interlock starts it (server_process) and asks it


def bench_commands() -> set[str]:
    return {p.stem for p in BENCH.glob("*.py") if 'if __name__ == "__main__"' in p.read_text()}


def test_every_bench_command_is_smoked():
    assert bench_commands() == set(SMOKE) | {SERVER}


@pytest.mark.parametrize("name", sorted(SMOKE))
def test_bench_command_runs(name, sqlite_url, monkeypatch, capsys):
    broker, args = SMOKE[name]
    if broker:
        require_broker()
    uid = f"S{uuid.uuid4().hex[:6].upper()}"
    argv = [f"bench/{name}.py", "--database-url", sqlite_url, *(a.replace("{uid}", uid) for a in args)]
    monkeypatch.setattr(sys, "argv", argv)
    runpy.run_module(f"bench.{name}", run_name="__main__", alter_sys=True)
    out = capsys.readouterr().out
    assert out.strip(), f"bench.{name} printed nothing"
    if name == "run_all":  # one table: each figure beside its raw or floor counterpart
        assert "CFX ingest (1 consumer thread)" in out and "trace backward p99 (GraphQL HTTP)" in out
        assert "interlock check over HTTP vs in-process p99" in out and "GET /health over HTTP" in out
        assert "event commit → websocket (RabbitMQ) p99" in out and "event relay" in out
        assert out.count("peak RSS") >= 4

