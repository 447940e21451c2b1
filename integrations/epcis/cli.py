"""`tracebridge epcis export`: the store's history as one EPCIS 2.0 document, written as it is read.
`tracebridge epcis stream`: the same events published onto the events exchange as they are recorded.

Export: page by page (the same reads as `GET /api/v1/epcis/events`), so memory stays bounded
however long the history; the events go out in event-time order inside one EPCISDocument.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

import typer

app = typer.Typer(help="GS1 EPCIS 2.0: export or stream the history as JSON-LD", no_args_is_help=True)


def _aware(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise typer.BadParameter("needs a UTC offset, e.g. 2026-11-02T06:00:00Z", param_hint=name)
    return at


@app.command("export")
def export(
    since: str | None = typer.Option(None, "--since", help="GE_eventTime (ISO 8601 with offset)"),
    until: str | None = typer.Option(None, "--until", help="LT_eventTime (ISO 8601 with offset)"),
    serial: str | None = typer.Option(None, help="only events naming this unit"),
    lot: str | None = typer.Option(None, help="only events naming this lot"),
    out: Path | None = typer.Option(None, "--out", help="file to write (default: standard output)"),
) -> None:
    """Write every matching event into one EPCISDocument."""
    start, end = _aware(since, "--since"), _aware(until, "--until")
    if out is None:
        count = write(sys.stdout, start=start, end=end, serial=serial, lot=lot)
    else:
        with out.open("w") as stream:
            count = write(stream, start=start, end=end, serial=serial, lot=lot)
    typer.echo(f"{count} events", err=True)


def write(stream: TextIO, *, start: datetime | None, end: datetime | None, serial: str | None,
          lot: str | None, page_size: int = 1000) -> int:
    from gateway.settings import Settings
    from integrations.epcis.document import document
    from integrations.epcis.events import EventWriter
    from traceability import history, schema
    from traceability.database import Store, make_engine

    settings = Settings()
    writer = EventWriter(settings.epcis)
    store = Store(make_engine(settings.database_url))
    schema.upgrade(store.engine)  # as every command does: the export reads the current schema
    head = json.dumps(document(writer, [], settings.epcis.extension_namespace), indent=1)
    before, _, after = head.rpartition('"eventList": []')
    stream.write(before + '"eventList": [')
    count, cursor = 0, None
    try:
        with store.read() as session:
            while True:
                page = history.page(session, start=start, end=end, serial=serial, lot=lot, after=cursor,
                                    limit=page_size)
                for fact in page.facts:
                    stream.write(("," if count else "") + "\n  " + json.dumps(writer.event(fact)))
                    count += 1
                if page.next is None:
                    break
                cursor = page.next
    finally:
        store.dispose()
    stream.write("\n ]" + after + "\n")
    return count


@app.command("stream")
def stream(
    once: bool = typer.Option(False, "--once", help="publish what is recorded now, then exit"),
    duration: float | None = typer.Option(None, "--duration", min=0, help="stop after SECONDS"),
    interval: float | None = typer.Option(None, "--interval", min=0.05, max=300,
                                          help="seconds between polls when caught up"),
) -> None:
    """Publish the history's EPCIS events to the events exchange (TRACEBRIDGE_AMQP_URL), from the
    cursor kept in the database; any number may run, one publishes at a time."""
    from gateway.events.amqp_publisher import AmqpPublisher
    from gateway.events.standalone import until_stopped
    from gateway.observability import logs
    from gateway.settings import Settings
    from integrations.epcis.stream import EpcisStream, StreamThread
    from traceability import schema
    from traceability.database import Store, make_engine

    logs.setup()
    settings = Settings()
    if not settings.amqp_url:
        typer.echo("TRACEBRIDGE_AMQP_URL is not set: the stream publishes to RabbitMQ", err=True)
        raise typer.Exit(2)
    store = Store(make_engine(settings.database_url))
    events = settings.events
    publisher = AmqpPublisher(settings.amqp_url, events.exchange,
                              confirm_timeout=events.confirm_timeout).start()
    try:
        schema.upgrade(store.engine)
        runner = EpcisStream(store, publisher, settings.epcis)
        runner.start_cursor()
        if not publisher.wait_ready(30):
            typer.echo("broker not reachable yet; the cursor stays until it is", err=True)
        if once:
            try:
                sent = runner.drain()
            except ConnectionError as exc:
                typer.echo(str(exc), err=True)
                raise typer.Exit(1) from None
            finally:
                runner.release()
        else:
            thread = StreamThread(runner, interval=interval or settings.epcis.stream_interval).start()
            until_stopped(duration)
            thread.stop()
            sent = thread.published
    finally:
        publisher.close()
        store.dispose()
    typer.echo(f"{sent} EPCIS event(s) published to {events.exchange}", err=True)
