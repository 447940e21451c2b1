"""`tracebridge wms deliver`: send what the WMS is owed (consumption, pallets, quarantine requests)."""

from __future__ import annotations

import time

import typer

app = typer.Typer(help="WMS: deliver consumption, pallets and quarantine requests", no_args_is_help=True)


@app.command("deliver")
def deliver(
    once: bool = typer.Option(False, "--once", help="deliver what is due, then exit"),
    interval: float = typer.Option(2.0, min=0.1, help="seconds between rounds"),
    duration: float | None = typer.Option(None, "--duration", min=0, help="stop after SECONDS"),
) -> None:
    """Deliver the outbox rows for the WMS (TRACEBRIDGE_WMS_URL) with retries, until stopped."""
    from gateway.settings import Settings
    from integrations.wms.client import WmsClient, relay
    from traceability import schema
    from traceability.database import Store, make_engine

    settings = Settings()
    if not settings.wms.url:
        typer.echo("no WMS: set TRACEBRIDGE_WMS_URL", err=True)
        raise typer.Exit(2)
    store = Store(make_engine(settings.database_url), policy=settings.wms.policy())
    client = WmsClient(settings.wms)
    try:
        schema.upgrade(store.engine)
        deliveries = relay(store, client)
        total, stop_at = 0, None if duration is None else time.monotonic() + duration
        while True:
            total += deliveries.drain()
            if once or (stop_at is not None and time.monotonic() >= stop_at):
                break
            time.sleep(interval)
    finally:
        client.close()
        store.dispose()
    typer.echo(f"{total} message(s) delivered to the WMS")
