"""RabbitMQ test tools: a publisher, consumers in threads, a TCP proxy the test can cut, bounded waits."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import pika
import pytest

from devices.cfx.consumer import CfxConsumer, declare
from devices.cfx.settings import CfxSettings
from traceability.database import Store

BROKER = ("127.0.0.1", 5672)
URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def broker_available() -> bool:
    with suppress(OSError), socket.create_connection(BROKER, timeout=2):
        return True
    return False


def require_broker() -> None:
    if not broker_available():
        pytest.skip("RabbitMQ not reachable at 127.0.0.1:5672")


def settings_for(uid: str, **extra) -> CfxSettings:  # type: ignore[no-untyped-def]
    return CfxSettings(exchange=f"cfx.test.{uid}", queue=f"tracebridge.cfx.test.{uid}", **extra)


class Publisher:
    """Publishes like a CFX endpoint: persistent messages, routing key = MessageName, confirmed."""

    def __init__(self, settings: CfxSettings) -> None:
        self.settings = settings
        self.connection = pika.BlockingConnection(pika.URLParameters(URL))
        self.channel = self.connection.channel()
        declare(self.channel, settings)  # so nothing published before the consumer starts is lost
        self.channel.confirm_delivery()

    def publish(self, message: dict | bytes, routing_key: str | None = None) -> None:
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        key = routing_key or (message.get("MessageName", "CFX") if isinstance(message, dict) else "CFX")
        self.channel.basic_publish(self.settings.exchange, key, body,
                                   pika.BasicProperties(delivery_mode=2, content_type="application/json"))

    def pending(self) -> int:
        return self.channel.queue_declare(self.settings.queue, passive=True).method.message_count

    def close(self, *, delete: bool = True) -> None:
        if delete:
            self.channel.queue_delete(self.settings.queue)
            self.channel.exchange_delete(self.settings.exchange)
        self.connection.close()


@contextmanager
def consumers(store: Store, url: str, settings: CfxSettings, count: int = 1) -> Iterator[list[CfxConsumer]]:
    running = [CfxConsumer(store, url, settings, sweep_interval_s=0.3) for _ in range(count)]
    threads = [threading.Thread(target=c.run, daemon=True) for c in running]
    for th in threads:
        th.start()
    try:
        yield running
    finally:
        for c in running:
            c.stop.set()
        for th in threads:
            th.join(timeout=30)


def wait_for(condition: Callable[[], bool], *, timeout: float = 60.0, interval: float = 0.1) -> bool:
    """Poll until `condition` holds; bounded in time (and so in count)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


class TcpProxy:
    """A TCP relay on a free 127.0.0.1 port to the broker (or any `target`, e.g. PostgreSQL); `cut()`
    drops every open connection, `refuse` drops new ones: together, a server that is down."""

    def __init__(self, target: tuple[str, int] = BROKER) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.cuts = 0
        self.refuse = False  # True: new connections are accepted and dropped at once (a dead server)
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.refuse:
                with suppress(OSError):
                    client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        for s in (src, dst):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self._lock:
            conns, self._open = self._open, []
        for s in conns:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                s.close()
        self.cuts += 1

    def close(self) -> None:
        self._stop.set()
        self.listener.close()
        self.cut()
        self._thread.join(timeout=5)
