"""`tracebridge plm sync`: pull routing revisions (and ECOs) from the PLM's REST API."""

from __future__ import annotations

import typer

app = typer.Typer(help="PLM: pull routings with their revisions", no_args_is_help=True)


@app.command("sync")
def sync() -> None:
    """Publish every routing revision the PLM lists (TRACEBRIDGE_PLM_URL, TRACEBRIDGE_PLM_TOKEN)."""
    from gateway.settings import Settings
    from integrations.plm.client import PlmClient
    from integrations.plm.client import sync as pull
    from traceability import schema
    from traceability.database import Store, make_engine

    settings = Settings()
    if not settings.plm.url:
        typer.echo("no PLM: set TRACEBRIDGE_PLM_URL", err=True)
        raise typer.Exit(2)
    store = Store(make_engine(settings.database_url), policy=settings.wms.policy())
    client = PlmClient(settings.plm)
    try:
        schema.upgrade(store.engine)
        report = pull(store, client)
    finally:
        client.close()
        store.dispose()
    typer.echo(f"{len(report.published)} published, {len(report.unchanged)} unchanged, "
               f"{len(report.obsoleted)} obsoleted, {len(report.refused)} refused")
    for line in report.refused:
        typer.echo(f"refused {line}", err=True)
    if report.refused:
        raise typer.Exit(1)
