"""The `tracebridge` command: serve, migrate, seed, poll. Each command builds what it needs from Settings."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from gateway.erp_cli import erp
from gateway.observability import logs
from gateway.security import cli as security_cli
from gateway.settings import Settings
from integrations.epcis.cli import app as epcis_cli
from integrations.plm.cli import app as plm_cli
from integrations.wms.cli import app as wms_cli
from traceability import schema
from traceability.database import Store, make_engine

app = typer.Typer(help="TraceBridge: integration gateway and traceability store", no_args_is_help=True)
db = typer.Typer(help="Database schema", no_args_is_help=True)
demo = typer.Typer(help="Demo plant", no_args_is_help=True)
app.add_typer(db, name="db")
app.add_typer(demo, name="demo")
app.add_typer(security_cli.keys, name="keys")
app.add_typer(security_cli.audit_cli, name="audit")
app.add_typer(erp, name="erp")
app.add_typer(plm_cli, name="plm")
app.add_typer(wms_cli, name="wms")
app.add_typer(epcis_cli, name="epcis")


def _store(settings: Settings) -> Store:
    return Store(make_engine(settings.database_url), policy=settings.wms.policy())


@db.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Create or migrate the schema (Alembic) on TRACEBRIDGE_DATABASE_URL."""
    settings = Settings()
    store = _store(settings)
    schema.upgrade(store.engine, revision)
    typer.echo(f"schema at {schema.current(store.engine)} on {store.engine.url.render_as_string()}")
    store.dispose()


@db.command("current")
def db_current() -> None:
    """Print the schema revision of the database and the newest one this version ships."""
    store = _store(Settings())
    typer.echo(f"current {schema.current(store.engine)}, head {schema.head(store.engine)}")
    store.dispose()


@demo.command("seed")
def demo_seed() -> None:
    """Load the demo plant (idempotent)."""
    from traceability import demo as plant

    store = _store(Settings())
    schema.upgrade(store.engine)
    typer.echo(f"demo plant: {plant.seed(store)} new commands applied")
    store.dispose()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
    demo_data: bool = typer.Option(False, "--demo", help="seed the demo plant before serving"),
    workers: int = typer.Option(1, help="uvicorn worker processes"),
) -> None:
    """Upgrade the schema, then serve the API (REST, GraphQL, SOAP) with uvicorn."""
    import uvicorn

    settings = Settings()
    store = _store(settings)
    schema.upgrade(store.engine)
    if demo_data:
        from traceability import demo as plant

        plant.seed(store)
    key = security_cli.demo_key(store, Path(settings.security.demo_key_file)) if demo_data else None
    store.dispose()
    base = f"http://{host}:{port}"
    typer.echo(f"TraceBridge on {base}  (OpenAPI {base}/docs, GraphQL {base}/graphql)")
    if key:
        typer.echo(f"demo API key (every scope): {key}\n  curl -H 'Authorization: Bearer {key}' "
                   f"{base}/api/v1/devices")
        typer.echo(f"dashboard: {base}/dashboard#key={key}")
        from devices.simulated_line.background import start_demo_line

        start_demo_line(settings, base, key)  # a light simulated line, so the dashboard is live
    # JSON logs: uvicorn's own loggers then go through the root handler the app sets up.
    json_logs = os.environ.get("TRACEBRIDGE_LOG_FORMAT") == "json"
    uvicorn.run("gateway.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", **({"log_config": None} if json_logs else {}))


bench = typer.Typer(help="Benchmarks and their data", no_args_is_help=True)
app.add_typer(bench, name="bench")


@bench.command("generate")
def bench_generate(
    units: int = typer.Option(10_000, help="finished products to build (boards and panels come on top)"),
    placements: int = typer.Option(20, help="average placements per board"),
    seed: int = typer.Option(1),
    prefix: str = typer.Option("G", help="serial and lot prefix (run twice with different prefixes)"),
) -> None:
    """Build a realistic plant history through the store's batch commands; print rows and seconds."""
    from bench.generate import generate

    store = _store(Settings())
    schema.upgrade(store.engine)
    with typer.progressbar(length=units, label="products") as bar:
        done = [0]

        def progress(made: int) -> None:
            bar.update(made - done[0])
            done[0] = made

        out = generate(store, units, seed=seed, prefix=prefix, placements=placements, progress=progress)
    store.dispose()
    import resource

    rows = out.units + out.installations + out.reels + out.containers
    typer.echo(f"{out.products} products, {out.units} units, {out.installations} installations, "
               f"{out.reels} reels, {out.containers} containers: {rows} rows in {out.seconds:.1f} s "
               f"({rows / out.seconds:.0f} rows/s, {out.installations / out.seconds:.0f} installations/s), "
               f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


@app.command("spc-evaluate")
def spc_evaluate(
    interval: float = typer.Option(0, help="seconds between rounds; 0: one round, then exit"),
    rounds: int | None = typer.Option(None, help="stop after this many rounds"),
) -> None:
    """Evaluate every SPC chart on its new samples: store alarms, hold out-of-spec units."""
    import time

    from quality.commands import EvaluateControlChart
    from quality.control_charts import chart_codes
    from traceability.commands import execute

    store = _store(Settings())
    schema.upgrade(store.engine)
    done = 0
    try:
        while rounds is None or done < rounds:
            with store.read() as session:
                codes = chart_codes(session)
            for code in codes:
                more = True
                while more:  # each call is bounded; a backlog is worked off in slices
                    with store.write() as session:
                        out = execute(session, EvaluateControlChart(chart=code))
                    more = out["more"]
                    if out["alarms"] or out["held"]:
                        typer.echo(f"{code}: {out['alarms']} alarm(s), held {out['held']}")
            done += 1
            if interval <= 0:
                break
            time.sleep(interval)
    finally:
        store.dispose()


@app.command()
def poll(
    config: Path | None = typer.Option(None, "--config", help="register map (TOML); default "
                                       "TRACEBRIDGE_MODBUS_CONFIG"),
    once: bool = typer.Option(False, "--once", help="one cycle per device, then exit"),
    duration: float | None = typer.Option(None, "--duration", min=0, help="stop after SECONDS"),
) -> None:
    """Poll Modbus TCP devices into the store: process parameter samples and device status."""
    import asyncio
    import logging

    from devices.modbus.loader import ConfigRefused, load_config
    from devices.modbus.poller import run_poller
    from devices.modbus.recorder import StoreRecorder

    settings = Settings()
    path = config or settings.modbus.config
    if path is None:
        typer.echo("no register map: pass --config FILE or set TRACEBRIDGE_MODBUS_CONFIG", err=True)
        raise typer.Exit(2)
    try:
        devices = load_config(path)
    except ConfigRefused as refused:
        typer.echo(f"register map refused:\n{refused}", err=True)
        raise typer.Exit(2) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)  # its retries are ours to report, once
    logging.getLogger("alembic").setLevel(logging.WARNING)
    store = _store(settings)
    try:
        schema.upgrade(store.engine)
        typer.echo(f"polling {len(devices.devices)} device(s) from {path}")
        recorder = StoreRecorder(store, attempts=settings.modbus.write_attempts)
        pollers = asyncio.run(run_poller(devices, recorder, once=once, duration=duration,
                                         status_interval=settings.modbus.status_interval))
    finally:
        store.dispose()
    for p in pollers:
        typer.echo(f"{p.device.name}: {p.cycles} cycle(s) read")
    if once and not all(p.cycles for p in pollers):
        raise typer.Exit(1)


graphql_cli = typer.Typer(help="The GraphQL API's contract", no_args_is_help=True)
app.add_typer(graphql_cli, name="graphql")


@graphql_cli.command("schema")
def graphql_schema(check: bool = typer.Option(False, "--check", help="exit 1 if the file is stale")) -> None:
    """Export the GraphQL schema (SDL) to graphql/schema.graphql."""
    from gateway.graph import export

    current = export.SCHEMA_FILE.exists() and export.SCHEMA_FILE.read_text() == export.sdl()
    if check:
        typer.echo(f"{export.SCHEMA_FILE}: {'current' if current else 'stale'}")
        raise typer.Exit(0 if current else 1)
    export.write()
    typer.echo(f"{export.SCHEMA_FILE}: {'unchanged' if current else 'written'}")


@app.command()
def consume(
    duration: float | None = typer.Option(None, "--duration", min=0, help="stop after SECONDS"),
) -> None:
    """Consume IPC-CFX messages from RabbitMQ (TRACEBRIDGE_AMQP_URL, TRACEBRIDGE_CFX_*) into the store."""
    import signal

    from devices.cfx.consumer import CfxConsumer

    settings = Settings()
    if not settings.amqp_url:
        typer.echo("no broker: set TRACEBRIDGE_AMQP_URL, e.g. amqp://guest:guest@127.0.0.1:5672/%2F",
                   err=True)
        raise typer.Exit(2)
    logs.setup()
    store = _store(settings)
    consumer = CfxConsumer(store, settings.amqp_url, settings.cfx)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: consumer.stop.set())
    try:
        schema.upgrade(store.engine)
        typer.echo(f"consuming {settings.cfx.queue} on exchange {settings.cfx.exchange}")
        consumer.run(duration=duration)
    finally:
        store.dispose()
    typer.echo(f"{consumer.stats.messages} message(s) in {consumer.stats.batches} batch(es)")


@app.command()
def relay(
    once: bool = typer.Option(False, "--once", help="publish what is due, then exit"),
    duration: float | None = typer.Option(None, "--duration", min=0, help="stop after SECONDS"),
) -> None:
    """Publish outbox events to the RabbitMQ exchange (TRACEBRIDGE_AMQP_URL); many may run at once."""

    from gateway.events.standalone import run_relay

    logs.setup()
    settings = Settings()
    store = _store(settings)
    try:
        schema.upgrade(store.engine)
        sent = run_relay(settings, store, once=once, duration=duration)
    except ValueError as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(2) from None
    finally:
        store.dispose()
    typer.echo(f"{sent} event(s) published to {settings.events.exchange}")


@app.command()
def simulate(
    url: str = typer.Option("http://127.0.0.1:8000", help="the TraceBridge instance to drive"),
    api_key: str | None = typer.Option(None, "--api-key", envvar="TRACEBRIDGE_API_KEY",
                                       help="a key with erp/plm/wms/devices/quality write scopes"),
    seed: int = typer.Option(1, help="same seed, same line: defects, drift, reel lengths"),
    speed: float = typer.Option(1.0, min=0.01, help="1 = a panel every 4 s"),
    panels: int | None = typer.Option(None, min=1, help="stop after this many panels"),
    duration: float | None = typer.Option(None, min=0, help="stop after SECONDS"),
    prefix: str | None = typer.Option(None, help="serial/lot prefix (default: SIM-<seed>-<time>)"),
) -> None:
    """Run a simulated SMT + box-build line against an instance, through its real ingestion paths."""
    import logging
    from datetime import UTC, datetime

    from devices.simulated_line.run import Options, run

    if panels is None and duration is None:
        typer.echo("unbounded run: stop it with Ctrl-C (or pass --panels / --duration)", err=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = Settings()
    store = _store(settings)
    options = Options(base_url=url, api_key=api_key, seed=seed, speed=speed, panels=panels, duration=duration,
                      prefix=prefix or f"SIM{seed}-{datetime.now(UTC):%H%M%S}", amqp_url=settings.amqp_url,
                      cfx_exchange=settings.cfx.exchange)
    try:
        stats = run(options, store)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    finally:
        store.dispose()
    typer.echo(f"{stats.panels} panel(s), {stats.products} module(s), {stats.shipments} shipment(s), "
               f"{stats.messages} CFX message(s) under prefix {options.prefix}")
