"""`tracebridge erp ...`: pull released work orders from the ERP and deliver confirmations to it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import typer

from gateway.settings import Settings
from integrations.erp.client import ErpClient, ErpNotConfigured
from integrations.erp.pull import confirmation_relay, pull
from traceability import schema
from traceability.database import Store, make_engine

erp = typer.Typer(help="ERP: pull released work orders, deliver confirmations", no_args_is_help=True)
log = logging.getLogger("tracebridge.erp")

EVERY = typer.Option(None, "--every", min=0.01, help="repeat every SECONDS (default: once)")
DURATION = typer.Option(None, "--duration", min=0, help="stop after SECONDS")


def _run(steps: list[tuple[float | None, Callable[[], None]]], duration: float | None) -> None:
    """Run each step now, then again whenever its interval has passed, until `duration` is over."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    start = time.monotonic()
    due = [start] * len(steps)
    while True:
        for i, (every, step) in enumerate(steps):
            if every is None and due[i] < 0:
                continue
            if time.monotonic() >= due[i]:
                step()
                due[i] = -1.0 if every is None else time.monotonic() + every
        if all(every is None for every, _ in steps):
            return
        if duration is not None and time.monotonic() - start >= duration:
            return
        time.sleep(max(0.01, min(d for d in due if d >= 0) - time.monotonic()))


def _open() -> tuple[Settings, Store, ErpClient]:
    settings = Settings()
    if not settings.erp.wsdl_url:
        typer.echo("no ERP: set TRACEBRIDGE_ERP_WSDL_URL (the ERP's WSDL)", err=True)
        raise typer.Exit(2)
    store = Store(make_engine(settings.database_url), policy=settings.wms.policy())
    schema.upgrade(store.engine)
    return settings, store, ErpClient(settings.erp)


def _sync_step(store: Store, client: ErpClient, *, once: bool) -> Callable[[], None]:
    def step() -> None:
        try:
            report = pull(store, client)
        except ErpNotConfigured:
            raise
        except Exception as exc:  # noqa: BLE001 - a scheduled pull tries again next time
            if once:
                typer.echo(f"ERP pull failed: {type(exc).__name__}: {exc}", err=True)
                raise typer.Exit(1) from None
            log.warning("ERP pull failed: %s: %s", type(exc).__name__, exc)
            return
        typer.echo(f"{report.received} received, {report.changed} changed, {report.unchanged} unchanged, "
                   f"{len(report.refused)} refused")
        for line in report.refused:
            typer.echo(f"  refused {line}")
    return step


@erp.command("sync")
def sync(every: float | None = EVERY, duration: float | None = DURATION) -> None:
    """Pull the ERP's released work orders into the store (once, or on a schedule with --every)."""
    _, store, client = _open()
    try:
        _run([(every, _sync_step(store, client, once=every is None))], duration)
    finally:
        client.close()
        store.dispose()


@erp.command("confirm")
def confirm(every: float | None = EVERY, duration: float | None = DURATION) -> None:
    """Deliver pending confirmations to the ERP (once, or continuously with --every)."""
    settings, store, client = _open()
    relay = confirmation_relay(store, client, settings.erp)
    try:
        _run([(every, lambda: typer.echo(f"{relay.drain()} confirmation(s) delivered"))], duration)
    finally:
        client.close()
        store.dispose()


@erp.command("run")
def run(duration: float | None = DURATION) -> None:
    """The ERP worker: pull every TRACEBRIDGE_ERP_SYNC_INTERVAL, deliver every ..._CONFIRM_INTERVAL."""
    settings, store, client = _open()
    relay = confirmation_relay(store, client, settings.erp)

    def deliver() -> None:
        if n := relay.drain():
            log.info("%d confirmation(s) delivered", n)

    try:
        _run([(settings.erp.sync_interval, _sync_step(store, client, once=False)),
              (settings.erp.confirm_interval, deliver)], duration)
    finally:
        client.close()
        store.dispose()
