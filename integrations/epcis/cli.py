"""`tracebridge epcis export`: the store's history as one EPCIS 2.0 document, written as it is read.

Page by page (the same reads as `GET /api/v1/epcis/events`), so memory stays bounded however long
the history; the events go out in event-time order inside one EPCISDocument.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

import typer

app = typer.Typer(help="GS1 EPCIS 2.0: export the history as JSON-LD", no_args_is_help=True)


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
