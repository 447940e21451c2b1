"""The CFX consumer: a durable queue on the CFX topic exchange, drained in batches into the store.

Messages are taken `prefetch` at a time; up to `batch_size` of them (or what came within
`batch_wait_s`) are ingested in ONE store transaction, each under its own savepoint, and acked
together (`multiple=True`) only after the commit. If the process dies or the broker connection
drops before the ack, the broker redelivers and the idempotency log turns the repeats into
no-ops. A lost connection is re-opened with exponential back-off (tenacity); a failing store
write is retried (one message at a time once the store refused a set-based write, so a message it
refuses is parked alone), then the batch is handed back to the broker (nack, requeue). Any number
of consumer processes can share the queue.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pika
import pika.exceptions as amqp
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from devices.cfx import validation
from devices.cfx.envelope import CfxEnvelope
from devices.cfx.ingest import Ingest
from devices.cfx.settings import CfxSettings
from gateway.observability import metrics
from traceability.database import Store
from traceability.errors import DomainError

log = logging.getLogger("tracebridge.cfx")
BROKER_ERRORS = (amqp.AMQPConnectionError, amqp.AMQPChannelError, amqp.ConnectionWrongStateError,
                 amqp.ChannelWrongStateError, ConnectionError, OSError)
STORE_ERRORS = (OperationalError, InterfaceError)
# A batch that lost a race to another consumer (a unique key both inserted) is simply run again:
# the retry sees the winner's rows and replays.
RETRYABLE = (*STORE_ERRORS, IntegrityError)


@dataclass
class ConsumerStats:
    batches: int = 0
    messages: int = 0  # acked after commit
    connections: int = 0
    nacked: int = 0


class CfxConsumer:
    def __init__(self, store: Store, amqp_url: str, settings: CfxSettings, *,
                 sweep_interval_s: float = 5.0) -> None:
        self.store = store
        self.url = amqp_url
        self.settings = settings
        self.ingest = Ingest(settings)
        self.stats = ConsumerStats()
        self.stop = threading.Event()
        self._sweep_interval = sweep_interval_s
        self._last_sweep = 0.0

    def run(self, *, duration: float | None = None, on_batch: Callable[[int], None] | None = None) -> None:
        """Consume until `stop` is set (or `duration` seconds passed), reconnecting as needed."""
        deadline = time.monotonic() + duration if duration is not None else None
        # What exists now (SQLAlchemy, pydantic schemas) lives as long as the process: keep it out of
        # the collector's full passes, which otherwise rescan it for every few batches of messages.
        gc.freeze()
        while not self._done(deadline):
            try:
                connection = self._connect(deadline)
            except BROKER_ERRORS:
                break  # stopped while the broker was away
            try:
                self._consume(connection, deadline, on_batch)
            except BROKER_ERRORS as exc:
                log.warning("broker connection lost (%s); reconnecting", type(exc).__name__)
            finally:
                _close(connection)

    def _done(self, deadline: float | None) -> bool:
        return self.stop.is_set() or (deadline is not None and time.monotonic() >= deadline)

    def _connect(self, deadline: float | None) -> pika.BlockingConnection:
        params = pika.URLParameters(self.url)
        retrying = Retrying(
            retry=retry_if_exception_type(BROKER_ERRORS), reraise=True,
            wait=wait_exponential(multiplier=0.2, max=self.settings.reconnect_max_wait_s),
            stop=lambda _state: self._done(deadline),
            sleep=lambda s: self.stop.wait(s),
            before_sleep=lambda state: log.warning("broker unreachable (%s); retrying",
                                                   state.outcome and state.outcome.exception()),
        )
        for attempt in retrying:
            with attempt:
                connection = pika.BlockingConnection(params)
                self.stats.connections += 1
                log.info("connected to %s, queue %s", params.host, self.settings.queue)
                return connection
        raise amqp.AMQPConnectionError("stopped")

    def _consume(self, connection: pika.BlockingConnection, deadline: float | None,
                 on_batch: Callable[[int], None] | None) -> None:
        s = self.settings
        channel = connection.channel()
        declare(channel, s)
        channel.basic_qos(prefetch_count=s.prefetch)
        batch: list[tuple[int, bytes]] = []
        wait = max(s.batch_wait_s, 0.01)
        for method, props, body in channel.consume(s.queue, inactivity_timeout=wait):
            if method is not None and validation.is_request(body):
                if batch:  # what the machine sent before its question is applied first
                    self._flush(channel, batch)
                    batch = []
                self._reply(channel, method.delivery_tag, props, body)
            elif method is not None:
                batch.append((method.delivery_tag, body))
            done = self._done(deadline)
            if batch and (method is None or len(batch) >= s.batch_size or done):
                self._flush(channel, batch)
                if on_batch:
                    on_batch(len(batch))
                batch = []
            if method is None:
                self._sweep()
            if done:
                break
        channel.cancel()  # prefetched messages not yet taken go back to the queue

    def _flush(self, channel, batch: list[tuple[int, bytes]]) -> None:  # type: ignore[no-untyped-def]
        """One transaction for the batch, then one ack for all of it; nack (requeue) if the store fails."""
        started = time.perf_counter()
        refused = False  # the store refused a write of the set-based path (an IntegrityError)
        try:
            for attempt in Retrying(retry=retry_if_exception_type(RETRYABLE), reraise=True,
                                    stop=stop_after_attempt(4), wait=wait_exponential(multiplier=0.2, max=2)):
                with attempt, _collector_paused(), self.store.write() as session:
                    try:
                        # Once refused, one message at a time: each under its own savepoint, so a
                        # message the store refuses is parked alone instead of the batch coming
                        # back forever (on SQLite the set-based write runs without a savepoint).
                        outcomes = self.ingest.run(session, [body for _, body in batch],
                                                   set_based=not refused)
                    except IntegrityError:
                        refused = True
                        raise
        except RETRYABLE as exc:
            log.error("store unavailable, %d message(s) handed back to the broker: %s", len(batch), exc)
            channel.basic_nack(delivery_tag=batch[-1][0], multiple=True, requeue=True)
            self.stats.nacked += len(batch)
            metrics.CFX_NACKED.inc(len(batch))
            self.stop.wait(1.0)
            return
        channel.basic_ack(delivery_tag=batch[-1][0], multiple=True)
        metrics.CFX_BATCH_SECONDS.observe(time.perf_counter() - started)
        metrics.CFX_BATCH_SIZE.observe(len(batch))
        for outcome in outcomes:
            metrics.CFX_MESSAGES.labels(outcome.status).inc()
        self.stats.batches += 1
        self.stats.messages += len(batch)

    def _reply(self, channel, tag: int, props, body: bytes) -> None:  # type: ignore[no-untyped-def]
        """Answer a ValidateUnitsRequest to its `reply_to` queue (AMQP request/response), then ack it."""
        try:
            env = CfxEnvelope.model_validate_json(body)
            with self.store.read() as session:
                response = validation.answer(session, env, self.settings)
        except (ValidationError, DomainError) as exc:
            log.warning("unit validation request refused: %s", exc)
            channel.basic_ack(delivery_tag=tag)
            return
        if props.reply_to:
            channel.basic_publish("", props.reply_to, json.dumps(response).encode(), pika.BasicProperties(
                content_type="application/json",
                correlation_id=props.correlation_id or response["RequestID"]))
        else:
            log.warning("unit validation request %s has no reply_to; not answered", env.UniqueID)
        channel.basic_ack(delivery_tag=tag)

    def _sweep(self) -> None:
        """When idle, now and then: apply held messages whose WorkStarted was committed by another
        consumer in the meantime (a race no single transaction can see)."""
        now = time.monotonic()
        if now - self._last_sweep < self._sweep_interval:
            return
        self._last_sweep = now
        try:
            with self.store.write() as session:
                released = self.ingest.release_ready(session)
        except STORE_ERRORS as exc:
            log.warning("held-message sweep skipped: %s", exc)
            return
        if released:
            log.info("%d held message(s) applied", released)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a batch is ingested. A batch's parsed messages, commands
    and rows (about 900 tracked objects per message) all live until its commit, so the collector's
    passes in the meantime free nothing and rescan them (measured: 15-18% of a batch's CPU even
    after `gc.freeze()`). Reference counting frees as usual; the cycles a batch leaves are
    collected by the first pass after it, so memory stays bounded by one batch."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def declare(channel, s: CfxSettings) -> None:  # type: ignore[no-untyped-def]
    """The topic exchange, our durable queue and its bindings (idempotent; publishers may share it)."""
    channel.exchange_declare(exchange=s.exchange, exchange_type="topic", durable=True)
    channel.queue_declare(queue=s.queue, durable=True)
    for key in s.bindings:
        channel.queue_bind(queue=s.queue, exchange=s.exchange, routing_key=key)


def _close(connection: pika.BlockingConnection) -> None:
    try:
        if connection.is_open:
            connection.close()
    except BROKER_ERRORS:
        pass
