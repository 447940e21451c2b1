"""One command for the benchmarks of issue 12 on one store, and one summary table with the raw figures.

Runs, at `--units`: the data generator (rows/s); CFX MaterialsInstalled ingestion through RabbitMQ
and the real consumer next to the raw batched insert of the same rows (ratio), consumer processes
1..N when asked; the traces over GraphQL HTTP next to the bare SQL (ratio); the route interlock
over HTTP to a gateway process next to the same check in-process, and GET /health (the server's
floor) next to a session with SELECT 1 (the database's); event latency end to end (commit or CFX
POST → websocket subscriber and AMQP consumer) and the relay's rate next to the raw publisher's;
and the peak memory of each process. Each figure is printed with the load average at the time,
because the machine is shared.

    .venv/bin/python -m bench.run_all --database-url postgresql://postgres@127.0.0.1:5432/bench \\
        --units 10000 --messages 400 --processes 1 2 4

The other benchmarks (erp_hooks, wms_consumption, standards, modbus_poll, security) have their own
commands; see bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import uuid

import httpx
import pika

from bench import cfx_ingest, events_latency, interlock, trace_vs_sql
from bench.generate import generate
from bench.graphql_trace import BACKWARD, FORWARD
from bench.serving import server_process
from devices.cfx.settings import CfxSettings
from gateway.events.settings import EventsSettings
from gateway.security.settings import SecuritySettings
from gateway.settings import Settings
from traceability import schema
from traceability.database import Store, make_engine

Row = tuple[str, str, str, str, str]  # benchmark, TraceBridge figure, raw/floor figure, ratio, load


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _ms(name: str, ours: list[float], floor: list[float] | None = None) -> list[Row]:
    """p50 and p99 rows of two samples in milliseconds (the second the raw or floor figure)."""
    rows = []
    for q in ("p50", "p99"):
        a = quantile(ours, q)
        b = quantile(floor, q) if floor else None
        rows.append((f"{name} {q}", f"{a:.2f} ms", f"{b:.2f} ms" if b is not None else "",
                     f"{a / max(b, 1e-9):.2f}" if b is not None else "", load()))
    return rows


def quantile(ms: list[float], q: str) -> float:
    return statistics.median(ms) if q == "p50" else events_latency.pct(ms, 99)


def _mb(name: str, mb: float) -> Row:
    return (f"peak RSS, {name}", f"{mb:.0f} MB", "", "", load())


def ingest(store: Store, url: str, amqp_url: str, messages: int, components: int,
           processes: list[int]) -> list[Row]:
    out: list[Row] = []
    p = f"CB{uuid.uuid4().hex[:6].upper()}"
    settings = CfxSettings(exchange=f"cfx.bench.{p}", queue=f"tracebridge.cfx.bench.{p}",
                           batch_size=100, prefetch=400, batch_wait_s=0.05)
    cfx_ingest.prepare(store, p, messages)
    _, consumed = cfx_ingest.real_path(store, amqp_url, p, messages, components, settings)
    raw_s, copied = cfx_ingest.raw_path(store, p, messages, components, 100)
    real, raw = messages * components / consumed, copied / raw_s
    out.append(("CFX ingest (1 consumer thread)", f"{real:.0f} inst/s", f"{raw:.0f} rows/s",
                f"{real / raw:.2f}", load()))
    args = argparse.Namespace(amqp_url=amqp_url, messages=messages, components=components,
                              batch_size=100, prefetch=400)
    for n in processes:
        r = cfx_ingest.scaling(store, url, args, n)
        out.append((f"CFX ingest ({n} processes)", f"{r['real']:.0f} inst/s", f"{r['raw']:.0f} rows/s",
                    f"{r['real'] / r['raw']:.2f}", load()))
        out.append(_mb(f"CFX consumer process (of {n})", r["peak_mb"]))
    return out


def gateway_traces(url: str, serials: list[str], lots: list[str], samples: int) -> Row:
    """The peak memory of a gateway process answering the trace queries (the bench's own process
    holds the client and the plant's sample too, so it is not the server's figure)."""
    env = {"TRACEBRIDGE_DATABASE_URL": url, "TRACEBRIDGE_AUTH_REQUIRED": "false"}
    with server_process(env) as server, httpx.Client(base_url=server.base, timeout=120) as client:
        for i in range(min(samples, len(serials), len(lots))):
            for query, variables in ((BACKWARD, {"serial": serials[i]}),
                                     (FORWARD, {"lot": lots[i], "first": 100})):
                answer = client.post("/graphql", json={"query": query, "variables": variables})
                answer.raise_for_status()
                assert not answer.json().get("errors"), answer.text
        return _mb("gateway process serving the traces", server.peak_mb())


def checks(url: str, units: int, n: int) -> list[Row]:
    """The route interlock on a routed line beside the generated plant (bench/interlock.py)."""
    t = interlock.run(url, products=8, routed=min(5000, max(20, units)), checks=n)
    ms = {k: [x * 1000 for x in getattr(t, k)] for k in ("health", "http", "ping", "direct")}
    cpu = t.server_cpu_ms
    return [*_ms("interlock check over HTTP vs in-process", ms["http"], ms["direct"]),
            *_ms("GET /health over HTTP vs SELECT 1", ms["health"], ms["ping"]),
            ("gateway CPU per check / per GET /health", f"{cpu['check']:.2f} ms", f"{cpu['health']:.2f} ms",
             f"{cpu['check'] / max(cpu['health'], 1e-9):.2f}", load()),
            _mb("gateway process answering checks", t.server_peak_mb)]


def events(url: str, amqp_url: str, n: int, relayed: int) -> list[Row]:
    """Event latency, one event at a time, with the in-process bus and with RabbitMQ; the relay."""
    out: list[Row] = []
    for mode, amqp in (("bus", None), ("RabbitMQ", amqp_url)):
        exchange = f"tb.bench.latency.{uuid.uuid4().hex[:8]}"
        settings = Settings(database_url=url, amqp_url=amqp,
                            events=EventsSettings(exchange=exchange, poll_interval=0.1),
                            security=SecuritySettings(auth_required=False))
        got = events_latency.latency(settings, n)
        for sink, ms in got.items():
            if ms and (amqp or sink != "amqp"):
                what = sink if sink.startswith("CFX") else f"commit → {sink}"
                out += _ms(f"event {what} ({mode})", ms)
        if amqp:  # the bench's exchange, not the deployment's
            connection = pika.BlockingConnection(pika.URLParameters(amqp))
            connection.channel().exchange_delete(exchange)
            connection.close()
    store = Store(make_engine(url))
    try:
        r = events_latency.throughput(store, amqp_url, relayed, 500)
    finally:
        store.dispose()
    out.append(("event relay, 1 relay (confirmed)", f"{r['relayed1']:.0f} ev/s", f"{r['raw']:.0f} ev/s",
                f"{r['relayed1'] / r['raw']:.2f}", load()))
    return out


def run(url: str, *, units: int, placements: int, messages: int, components: int, samples: int,
        processes: list[int], amqp_url: str, checks_n: int = 1000, events_n: int = 100,
        relayed: int = 5000) -> list[Row]:
    """Every benchmark in turn; rows of (benchmark, figure, raw database figure, ratio, load)."""
    out: list[Row] = []
    interlock.ensure_database(url)
    store = Store(make_engine(url))
    schema.upgrade(store.engine)
    prefix = f"RA{uuid.uuid4().hex[:5].upper()}"
    plant = generate(store, units, prefix=prefix, placements=placements)
    rows = plant.units + plant.installations + plant.reels + plant.containers
    out.append((f"generate {units} products", f"{rows / plant.seconds:.0f} rows/s", "", "", load()))
    # ru_maxrss is a high-water mark: read now, it is the generator's (it runs first in this process).
    out.append(_mb(f"bench process after generate ({units})", trace_vs_sql.peak_mb()))
    out += ingest(store, url, amqp_url, messages, components, processes)
    store.dispose()
    for t in trace_vs_sql.bench(url, prefix, units, placements, samples, page=100):
        for q in ("p50", "p99"):
            gql, sql = t[f"gql_{q}"], t[f"sql_{q}"]
            out.append((f"trace {t['trace']} {q} (GraphQL HTTP)", f"{gql:.2f} ms", f"{sql:.2f} ms",
                        f"{gql / max(sql, 1e-9):.2f}", load()))
    out.append(gateway_traces(url, plant.serials, plant.lots, samples))
    out += checks(url, units, checks_n)
    out += events(url, amqp_url, events_n, relayed)
    out.append(_mb("bench process (all of the above)", trace_vs_sql.peak_mb()))
    return out


def table(rows: list[Row]) -> None:
    print(f"\n{'benchmark':<52}{'TraceBridge':>14}{'raw / floor':>15}{'ratio':>8}{'load':>6}")
    for name, figure, raw, ratio, at in rows:
        print(f"{name:<52}{figure:>14}{raw:>15}{ratio:>8}{at:>6}")
    print(f"({os.cpu_count()} cores, shared machine; p99 of few samples is their maximum)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/%2F")
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--placements", type=int, default=20)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--components", type=int, default=50)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--processes", type=int, nargs="*", default=[])
    parser.add_argument("--checks", type=int, default=1000, help="interlock checks over HTTP and in-process")
    parser.add_argument("--events", type=int, default=100, help="events timed one by one, per mode")
    parser.add_argument("--relayed", type=int, default=5000, help="events for the relay's rate")
    args = parser.parse_args()
    table(run(args.database_url, units=args.units, placements=args.placements, messages=args.messages,
              components=args.components, samples=args.samples, processes=args.processes,
              amqp_url=args.amqp_url, checks_n=args.checks, events_n=args.events, relayed=args.relayed))


if __name__ == "__main__":
    main()
