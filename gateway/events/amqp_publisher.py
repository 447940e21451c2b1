"""Publishing events to the RabbitMQ topic exchange with asynchronous publisher confirms.

Why this shape (STACK-NOTES): a BlockingConnection that waits for each confirm manages ~1k msg/s;
publishing a whole batch and collecting the broker's (multiple) acks asynchronously manages ~20k/s.
pika connections are not thread safe, so one thread owns a SelectConnection and its ioloop; callers
hand it a batch through `add_callback_threadsafe` and wait until every message is acked, nacked or
timed out. The connection is re-opened with back-off after any loss; whatever was unconfirmed then
is reported as failed and the relay publishes it again (at least once, same event id).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Mapping

import pika
from pika.channel import Channel
from pika.frame import Method
from pika.spec import Basic

from gateway.events.envelope import Envelope

log = logging.getLogger("tracebridge.events.amqp")

CONTENT_TYPE = "application/cloudevents+json"  # CloudEvents AMQP binding, structured mode


class _Batch:
    """One caller's messages in flight; resolved from the ioloop thread, read by the caller."""

    def __init__(self, ids: list[str]) -> None:
        self.results: dict[str, str | None] = {}
        self.waiting = set(ids)
        self.done = threading.Event()
        self.lock = threading.Lock()

    def resolve(self, event_id: str, error: str | None) -> None:
        with self.lock:
            if event_id in self.waiting:
                self.waiting.discard(event_id)
                self.results[event_id] = error
            if not self.waiting:
                self.done.set()

    def finish(self, error: str) -> dict[str, str | None]:
        with self.lock:
            for event_id in self.waiting:
                self.results[event_id] = error
            self.waiting.clear()
            self.done.set()
            return dict(self.results)


class AmqpPublisher:
    def __init__(self, url: str, exchange: str, *, confirm_timeout: float = 10.0,
                 connect_timeout: float = 5.0) -> None:
        self._params = pika.URLParameters(url)
        self._exchange = exchange
        self._confirm_timeout = confirm_timeout
        self._connect_timeout = connect_timeout
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._conn: pika.SelectConnection | None = None
        self._channel: Channel | None = None
        self._pending: dict[int, tuple[_Batch, str]] = {}  # delivery tag -> (batch, event id)
        self._tag = 0
        self._thread = threading.Thread(target=self._run, name=f"amqp-publisher:{exchange}", daemon=True)

    def start(self) -> AmqpPublisher:
        self._thread.start()
        return self

    def wait_ready(self, timeout: float) -> bool:
        return self._ready.wait(timeout)

    def publish(self, envelopes: list[Envelope]) -> Mapping[str, str | None]:
        """Publish a batch; returns per event id None (confirmed) or why not."""
        if not envelopes:
            return {}
        batch = _Batch([e.id for e in envelopes])
        conn = self._conn
        if not self._ready.wait(self._connect_timeout) or conn is None:
            return batch.finish(f"broker not connected ({self._params.host}:{self._params.port})")
        try:
            conn.ioloop.add_callback_threadsafe(lambda: self._send(batch, envelopes))
        except Exception as exc:  # noqa: BLE001 - the connection closed under us: retry later
            return batch.finish(f"broker connection closed: {exc}")
        if not batch.done.wait(self._confirm_timeout):
            return batch.finish(f"no confirm from the broker within {self._confirm_timeout:g} s")
        return batch.finish("unconfirmed")

    def close(self) -> None:
        self._stop.set()
        self._ready.clear()
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(Exception):  # already closed: the loop has stopped
                conn.ioloop.add_callback_threadsafe(self._shutdown)
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    # --- everything below runs on the ioloop thread ---

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            conn = pika.SelectConnection(
                self._params, on_open_callback=self._on_open,
                on_open_error_callback=self._on_open_error, on_close_callback=self._on_closed)
            self._conn = conn
            conn.ioloop.start()
            self._channel = None
            if self._ready.is_set():
                delay = 0.5
            self._ready.clear()
            self._fail_pending("broker connection lost")
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, 10.0)
        self._conn = None

    def _shutdown(self) -> None:
        conn = self._conn
        if conn is not None and (conn.is_open or conn.is_opening):
            conn.close()
        elif conn is not None:
            conn.ioloop.stop()

    def _on_open(self, conn: pika.SelectConnection) -> None:
        conn.channel(on_open_callback=self._on_channel)

    def _on_open_error(self, conn: pika.SelectConnection, error: BaseException | str) -> None:
        log.warning("events: cannot reach the broker: %s", error)
        conn.ioloop.stop()

    def _on_closed(self, conn: pika.SelectConnection, reason: BaseException) -> None:
        if not self._stop.is_set():
            log.warning("events: broker connection closed: %s", reason)
        conn.ioloop.stop()

    def _on_channel(self, channel: Channel) -> None:
        self._channel = channel
        self._tag = 0
        channel.add_on_close_callback(self._on_channel_closed)

        def declared(_frame: Method) -> None:
            self._ready.set()

        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=lambda _f: (
            channel.exchange_declare(self._exchange, exchange_type="topic", durable=True,
                                     callback=declared)))

    def _on_channel_closed(self, channel: Channel, reason: BaseException) -> None:
        self._ready.clear()
        self._channel = None
        self._fail_pending(f"channel closed: {reason}")
        conn = self._conn
        if conn is not None and conn.is_open:
            conn.close()

    def _send(self, batch: _Batch, envelopes: list[Envelope]) -> None:
        channel = self._channel
        if channel is None or not channel.is_open:
            batch.finish("broker channel not open")
            return
        for env in envelopes:
            props = pika.BasicProperties(
                content_type=getattr(env, "content_type", CONTENT_TYPE),  # EPCIS documents have theirs
                delivery_mode=pika.DeliveryMode.Persistent, message_id=env.id, type=env.type)
            try:
                channel.basic_publish(self._exchange, env.routing_key, env.to_json(), props)
            except Exception as exc:  # noqa: BLE001 - the rest of the batch is retried later
                batch.finish(f"publish failed: {exc}")
                return
            self._tag += 1
            self._pending[self._tag] = (batch, env.id)

    def _on_confirm(self, frame: Method) -> None:
        method = frame.method
        error = None if isinstance(method, Basic.Ack) else "nacked by the broker"
        tag = method.delivery_tag
        if method.multiple:
            done = []
            for t in self._pending:  # insertion order is tag order
                if t > tag:
                    break
                done.append(t)
        else:
            done = [tag] if tag in self._pending else []
        for t in done:
            batch, event_id = self._pending.pop(t)
            batch.resolve(event_id, error)

    def _fail_pending(self, error: str) -> None:
        pending, self._pending = self._pending, {}
        for batch, event_id in pending.values():
            batch.resolve(event_id, error)
