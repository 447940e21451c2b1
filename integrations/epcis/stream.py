"""The EPCIS capture stream: the export's events, published onto the events exchange as recorded.

One AMQP message per event, each an EPCISDocument holding that one event: the body an EPCIS 2.0
repository's capture interface takes as it is (`POST /capture` takes EPCISDocuments), and one
event per document because a capture job is all-or-nothing: a redelivered or republished event
(at least once) then never makes a repository refuse other events with it. Routing key
`epcis.<event type>.<bizStep>` (bare CBV term, `custom` for a URI), content type
application/ld+json, message id a UUIDv5 of the event's canonical JSON: the same event always has
the same id, a changed one a new id.

A cycle: take the cursor's lease, plan a slice of the recording order if none is in progress,
read the next `batch` facts of it (event-time order), publish, and advance the cursor only once
the broker confirmed every message. Facts recorded late (old event time, new recording) land in
a later slice, so none is skipped. State lives only in the database: a restart resumes there.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from integrations.epcis.document import epcis_document
from integrations.epcis.events import NS, EventWriter
from integrations.epcis.settings import EpcisSettings
from integrations.epcis.vocabulary import BIZSTEPS
from traceability import history
from traceability.database import Store
from traceability.history import cursor, recording

log = logging.getLogger("tracebridge.epcis.stream")

MEDIA_TYPE = "application/ld+json"


@dataclass(frozen=True)
class CaptureMessage:
    """What the events publisher needs of a message (id, type, routing key, body, content type)."""

    id: str
    type: str
    routing_key: str
    body: bytes
    content_type: str = MEDIA_TYPE

    def to_json(self) -> bytes:
        return self.body


class CapturePublisher(Protocol):
    def publish(self, messages: list[CaptureMessage]) -> Mapping[str, str | None]: ...


def capture_message(event: dict, extension_namespace: str) -> CaptureMessage:
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"))
    step = event.get("bizStep", "other")
    key = f"epcis.{event['type']}.{step if step in BIZSTEPS else 'custom'}"
    body = json.dumps(epcis_document([event], extension_namespace), separators=(",", ":")).encode()
    return CaptureMessage(id=f"urn:uuid:{uuid.uuid5(NS, canonical)}", type=event["type"], routing_key=key,
                          body=body)


@dataclass(frozen=True)
class Cycle:
    published: int = 0
    more: bool = False  # something is due already: go again without waiting
    held: bool = False  # another process holds the cursor
    error: str | None = None  # the broker did not confirm: the cursor stayed where it was


class EpcisStream:
    def __init__(self, store: Store, publisher: CapturePublisher, settings: EpcisSettings, *,
                 owner: str | None = None) -> None:
        self.store = store
        self.publisher = publisher
        self.settings = settings
        self.writer = EventWriter(settings)
        self.name = settings.stream_name
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(seconds=settings.stream_lease)

    def start_cursor(self) -> None:
        """Create the cursor (at the beginning, or at what is recorded now) unless it exists."""
        with self.store.write() as session:
            self._ensure(session)

    def _ensure(self, session: Session) -> None:
        start = recording.recorded_now(session) if self.settings.stream_from == "now" else recording.ORIGIN
        cursor.ensure(session, self.name, start=start)

    def run_once(self) -> Cycle:
        with self.store.write() as session:
            self._ensure(session)
            pos = cursor.take(session, self.name, self.owner, self.lease)
            if pos is None:
                return Cycle(held=True)
            if pos.upto is None:
                end = recording.horizon(session)
                if end <= pos.after:
                    return Cycle()
                planned = replace(pos, upto=recording.slice_end(session, pos.after, end,
                                                                self.settings.stream_slice_rows))
                if not cursor.advance(session, self.name, self.owner, pos, planned):
                    return Cycle(held=True)
                pos = planned
        assert pos.upto is not None
        with self.store.read() as session:
            page = history.page(session, recorded=(pos.after, pos.upto), after=pos.page,
                                limit=self.settings.stream_batch)
        ns = self.settings.extension_namespace
        messages = list({m.id: m for m in (capture_message(self.writer.event(f), ns) for f in page.facts)}
                        .values())
        results = self.publisher.publish(messages) if messages else {}
        failed = {i: e for i, e in results.items() if e is not None}
        if failed or len(results) < len(messages):
            error = next(iter(failed.values()), "unconfirmed")
            log.warning("epcis stream: %d of %d not confirmed (%s); the cursor stays", len(failed),
                        len(messages), error)
            return Cycle(error=error)
        done = pos.next_page(page.next) if page.next is not None else pos.slice_done()
        with self.store.write() as session:
            if not cursor.advance(session, self.name, self.owner, pos, done, published=len(messages)):
                # The lease lapsed and another process moved on: what we sent was at least once.
                return Cycle(published=len(messages), held=True)
        return Cycle(published=len(messages), more=True)

    def drain(self, *, max_cycles: int = 1_000_000, max_wait: float = 30.0) -> int:
        """Publish what is recorded now (waiting up to `max_wait` s for writes still running to end);
        returns the count. Raises if the broker does not confirm."""
        with self.store.read() as session:
            target = recording.recorded_now(session)
        deadline = time.monotonic() + max_wait
        total = 0
        for _ in range(max_cycles):
            cycle = self.run_once()
            if cycle.error is not None:
                raise ConnectionError(f"EPCIS stream: not confirmed by the broker: {cycle.error}")
            total += cycle.published
            if cycle.held or self.caught_up(target):
                break
            if not cycle.more:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        return total

    def caught_up(self, target: int) -> bool:
        with self.store.read() as session:
            pos = cursor.read(session, self.name)
        return pos is not None and pos.upto is None and pos.after >= target

    def release(self) -> None:
        with self.store.write() as session:
            cursor.release(session, self.name, self.owner)


class StreamThread:
    """The stream in a thread (inside `serve`, or `tracebridge epcis stream`): cycles back to back
    while there is more, `interval` apart when caught up or held by another process, backing off
    while the broker or the database fails."""

    def __init__(self, stream: EpcisStream, *, interval: float) -> None:
        self.stream = stream
        self.interval = interval
        self.published = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="epcis-stream", daemon=True)

    def start(self) -> StreamThread:
        self._thread.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        try:
            self.stream.release()
        except Exception:
            log.warning("epcis stream: could not release the cursor's lease", exc_info=True)

    def _run(self) -> None:
        errors = 0
        while not self._stop.is_set():
            try:
                cycle = self.stream.run_once()
            except Exception:
                cycle = Cycle(error="failed")
                log.exception("epcis stream: cycle failed")
            self.published += cycle.published
            if cycle.error is not None:
                errors += 1
                self._stop.wait(min(60.0, self.interval * 2 ** min(errors, 6)))
                continue
            errors = 0
            if not cycle.more or cycle.held:
                self._stop.wait(self.interval)
