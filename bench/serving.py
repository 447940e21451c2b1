"""The real app under uvicorn in a thread, on a free port of 127.0.0.1 (benchmarks and tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from gateway.app import create_app
from gateway.settings import Settings


@contextmanager
def serving(settings: Settings, *, send_buffer: int | None = None) -> Iterator[tuple[str, FastAPI]]:
    """Yields (ws://127.0.0.1:port, app) once the app has started; stops it on exit.
    `send_buffer` fixes the kernel send buffer of every connection (no autotuning up to MBs)."""
    app = create_app(settings)
    # IPPROTO_TCP named explicitly: only then does asyncio set TCP_NODELAY on accepted connections
    # (a bare socket.socket() adds Nagle + delayed-ACK waits of ~40 ms to request/response pairs).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if send_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)  # inherited on accept
    sock.bind(("127.0.0.1", 0))
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
