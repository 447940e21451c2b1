"""ERP test support: the app served by uvicorn on a free port, a plant with a part and a routing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from sqlalchemy import func, select

from traceability import commands as c
from traceability.database import Store
from traceability.models import InboundMessage, OutboxEvent, WorkOrder


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1 (a port the OS picked) in a thread; stop it afterwards."""
    # proto IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only then (else +40 ms a request).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(1000):  # bounded: 10 s
        if server.started:
            break
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def plant(store: Store, uid: str) -> dict[str, str]:
    """A product part at revision A with a released routing of two operations."""
    part = f"{uid}-PRD"
    with store.write() as session:
        c.execute(session, c.DefinePart(part_number=part, revision="A", serialized=True))
        c.execute(session, c.DefineRouting(part_number=part, revision="R1", operations=[
            c.RoutingStep(sequence=10, code="SMT"), c.RoutingStep(sequence=20, code="ICT")]))
    return {"part": part, "wo": f"{uid}-WO"}


def written(store: Store, uid: str) -> tuple[int, int, int]:
    """Rows any ERP message could have written for this test's prefix."""
    with store.read() as session:
        return (
            session.scalar(select(func.count()).select_from(WorkOrder)
                           .where(WorkOrder.number.like(f"{uid}%"))) or 0,
            session.scalar(select(func.count()).select_from(InboundMessage)
                           .where(InboundMessage.message_id.like(f"{uid}%"))) or 0,
            session.scalar(select(func.count()).select_from(OutboxEvent)
                           .where(OutboxEvent.aggregate_type == "work_order",
                                  OutboxEvent.aggregate_id.like(f"{uid}%"))) or 0,
        )
