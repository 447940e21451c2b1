"""One command for the scale benchmarks on one store, and one summary table with the raw figures.

Runs, at `--units`: the data generator (rows/s), CFX MaterialsInstalled ingestion through RabbitMQ
and the real consumer next to the raw batched insert of the same rows (ratio), consumer processes
1..N when asked, and the traces over GraphQL HTTP next to the bare SQL (ratio). Each figure is
printed with the load average at the time, because the machine is shared.

    .venv/bin/python -m bench.run_all --database-url postgresql://postgres@127.0.0.1:5432/bench \\
        --units 10000 --messages 400 --processes 1 2 4

The other benchmarks (interlock, events_latency, erp_hooks, wms_consumption, standards, modbus_poll,
security, serving) have their own commands; see bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import uuid

from bench import cfx_ingest, trace_vs_sql
from bench.generate import generate
from devices.cfx.settings import CfxSettings
from traceability import schema
from traceability.database import Store, make_engine


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def run(url: str, *, units: int, placements: int, messages: int, components: int, samples: int,
        processes: list[int], amqp_url: str) -> list[tuple[str, str, str, str, str]]:
    """(benchmark, figure, raw database figure, ratio, load) rows."""
    out: list[tuple[str, str, str, str, str]] = []
    store = Store(make_engine(url))
    schema.upgrade(store.engine)
    prefix = f"RA{uuid.uuid4().hex[:5].upper()}"
    plant = generate(store, units, prefix=prefix, placements=placements)
    rows = plant.units + plant.installations + plant.reels + plant.containers
    out.append((f"generate {units} products", f"{rows / plant.seconds:.0f} rows/s", "", "", load()))
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
    store.dispose()
    for t in trace_vs_sql.bench(url, prefix, units, placements, samples, page=100):
        for q in ("p50", "p99"):
            gql, sql = t[f"gql_{q}"], t[f"sql_{q}"]
            out.append((f"trace {t['trace']} {q} (GraphQL HTTP)", f"{gql:.2f} ms", f"{sql:.2f} ms",
                        f"{gql / max(sql, 1e-9):.2f}", load()))
    return out


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
    args = parser.parse_args()
    rows = run(args.database_url, units=args.units, placements=args.placements, messages=args.messages,
               components=args.components, samples=args.samples, processes=args.processes,
               amqp_url=args.amqp_url)
    print(f"\n{'benchmark':<36}{'TraceBridge':>14}{'raw database':>15}{'ratio':>8}{'load':>6}")
    for name, figure, raw, ratio, at in rows:
        print(f"{name:<36}{figure:>14}{raw:>15}{ratio:>8}{at:>6}")
    print(f"peak memory of this process: {trace_vs_sql.peak_mb():.0f} MB (2 cores, shared machine)")


if __name__ == "__main__":
    main()
