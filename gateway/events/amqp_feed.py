"""This process's window on the exchange: an exclusive, auto-delete queue bound to every event,
consumed by one thread that hands each event to the feed.

The queue lives as long as the connection: events published while the process was disconnected
are not replayed to its subscribers (dashboards reconnect and re-query; systems that need every
event bind a durable queue of their own, see docs/events.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pika
from pika.adapters.blocking_connection import BlockingChannel

from gateway.events.amqp_publisher import CONTENT_TYPE
from gateway.events.envelope import Envelope

log = logging.getLogger("tracebridge.events.amqp")

# A process that stops reading keeps at most this many events queued at the broker.
MAX_QUEUED = 100_000


class AmqpFeedSource:
    def __init__(self, url: str, exchange: str, sink: Callable[[Envelope], None]) -> None:
        self._params = pika.URLParameters(url)
        self._exchange = exchange
        self._sink = sink
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"amqp-feed:{exchange}", daemon=True)
        self.queue: str | None = None

    def start(self) -> AmqpFeedSource:
        self._thread.start()
        return self

    def wait_ready(self, timeout: float) -> bool:
        """True once the queue is bound: from then on every published event reaches this process."""
        return self._ready.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                conn = pika.BlockingConnection(self._params)
            except pika.exceptions.AMQPError as exc:
                log.warning("events feed: cannot reach the broker: %s", exc)
            else:
                try:
                    self._consume(conn, conn.channel())
                    delay = 0.5
                except pika.exceptions.AMQPError as exc:
                    log.warning("events feed: broker connection lost: %s", exc)
                finally:
                    self._ready.clear()
                    if conn.is_open:
                        conn.close()
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, 10.0)

    def _consume(self, conn: pika.BlockingConnection, ch: BlockingChannel) -> None:
        ch.exchange_declare(self._exchange, exchange_type="topic", durable=True)
        self.queue = ch.queue_declare("", exclusive=True, auto_delete=True, arguments={
            "x-max-length": MAX_QUEUED, "x-overflow": "drop-head"}).method.queue
        ch.queue_bind(self.queue, self._exchange, routing_key="#")
        ch.basic_consume(self.queue, self._on_message, auto_ack=True)
        self._ready.set()
        while not self._stop.is_set():
            conn.process_data_events(time_limit=0.2)

    def _on_message(self, _ch: BlockingChannel, _method: object, props: pika.BasicProperties,
                    body: bytes) -> None:
        if props.content_type not in (None, CONTENT_TYPE):  # e.g. EPCIS capture documents: not events
            return
        try:
            env = Envelope.from_json(body)
        except (ValueError, TypeError) as exc:
            log.warning("events feed: not an event envelope, skipped: %s", exc)
            return
        self._sink(env)
