"""The real app under uvicorn on a free port of 127.0.0.1, for benchmarks and tests: in a thread of
the caller (`serving`), or in a process of its own (`server_process`), the way it is deployed — the
client then does not share the server's interpreter lock, a profiler can attach to the server's
pid, and its CPU time and peak memory are its own.

    TRACEBRIDGE_DATABASE_URL=sqlite:////tmp/x.db python -m bench.serving   # prints "port N", serves
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from gateway.app import create_app
from gateway.settings import Settings


def listening_socket(send_buffer: int | None = None) -> socket.socket:
    # IPPROTO_TCP named explicitly: only then does asyncio set TCP_NODELAY on accepted connections
    # (a bare socket.socket() adds Nagle + delayed-ACK waits of ~40 ms to request/response pairs).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if send_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)  # inherited on accept
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serving(settings: Settings, *, send_buffer: int | None = None) -> Iterator[tuple[str, FastAPI]]:
    """Yields (ws://127.0.0.1:port, app) once the app has started; stops it on exit.
    `send_buffer` fixes the kernel send buffer of every connection (no autotuning up to MBs)."""
    app = create_app(settings)
    sock = listening_socket(send_buffer)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started or not thread.is_alive():
            break
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError("the app did not start")
    try:
        yield f"ws://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@dataclass
class ServerProcess:
    """A gateway process: its base URL, pid, and what /proc says about its CPU time and memory."""

    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time of every thread of the process so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_mb(self) -> float:
        """Peak resident memory (VmHWM) of the process so far."""
        with open(f"/proc/{self.pid}/status") as f:
            kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        return kb / 1024


@contextmanager
def server_process(env: dict[str, str], *, access_log: bool = False) -> Iterator[ServerProcess]:
    """`python -m bench.serving` with `env` (TRACEBRIDGE_* settings) on top of this environment;
    yields once it listens, stops it (SIGTERM: uvicorn's graceful shutdown) on exit."""
    argv = [sys.executable, "-m", "bench.serving", *(["--access-log"] if access_log else [])]
    # Relay off unless asked: a generated plant leaves its events in the outbox, and a gateway
    # draining that backlog while it is timed measures the drain (in a plant a relay keeps up).
    env = {"TRACEBRIDGE_EVENTS_RELAY": "false", **env}
    proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""  # "port N", printed once it serves
        if not line.startswith("port "):
            raise RuntimeError(f"the gateway process did not start (exit {proc.poll()})")
        yield ServerProcess(f"http://127.0.0.1:{int(line.split()[1])}", proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


def main() -> None:
    """Serve create_app(Settings()) (TRACEBRIDGE_* from the environment) like `tracebridge serve`,
    on a free port; print "port N" once started. Access log off unless --access-log."""
    sock = listening_socket()
    access = "--access-log" in sys.argv[1:]  # as `tracebridge serve` logs (level info)
    server = uvicorn.Server(uvicorn.Config(create_app(Settings()), lifespan="on", access_log=access,
                                           log_level="info" if access else "warning"))

    def announce() -> None:  # a bounded wait in a side thread: server.run() blocks this one
        for _ in range(1200):
            if server.started:
                print(f"port {sock.getsockname()[1]}", flush=True)
                return
            time.sleep(0.05)

    threading.Thread(target=announce, daemon=True).start()
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
