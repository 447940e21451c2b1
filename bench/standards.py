"""Standards out, measured: IPC-1782 trace levels and the EPCIS 2.0 export on a plant with routings.

Builds `--units` products (each with a board from a 4-up panel placed with `--designators`
components, reflow with a required parameter, AOI per board, assembly and FCT per product, boxes
of 10) through the store's commands, then prints:

- trace level of one unit (with its board): p50 / p99 over a sample, statements per call;
- the work-order summary of all products: seconds and statements (the same few as one unit);
- the EPCIS export of the whole history through `traceability.history` + the EPCIS writer:
  events/s, statements per page.

    python -m bench.standards --units 2000 --database-url sqlite:///bench.db
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from integrations.epcis.events import EventWriter
from integrations.epcis.settings import EpcisSettings
from traceability import commands as c
from traceability import completeness, history, schema
from traceability.database import Store, make_engine

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def build(store: Store, prefix: str, units: int, designators: int) -> list[str]:
    p = prefix
    refs = [f"C{i}" for i in range(1, designators + 1)]
    with store.write() as s:
        for pn, serialized in [("PANEL", True), ("BRD", True), ("PRD", True), ("CAP", False),
                               ("PASTE", False)]:
            c.execute(s, c.DefinePart(part_number=f"{p}-{pn}", serialized=serialized))
        c.execute(s, c.DefineRouting(part_number=f"{p}-BRD", revision="A", operations=[
            c.RoutingStep(sequence=10, code="PASTE", materials=[c.BomLine(part_number=f"{p}-PASTE")]),
            c.RoutingStep(sequence=20, code="SMT", materials=[
                c.BomLine(part_number=f"{p}-CAP", reference_designators=refs, quantity=designators)]),
            c.RoutingStep(sequence=30, code="REFLOW",
                          parameters=[c.ParameterLimit(name="peak_temp", unit="C")]),
            c.RoutingStep(sequence=40, code="AOI")]))
        c.execute(s, c.DefineRouting(part_number=f"{p}-PRD", revision="A", operations=[
            c.RoutingStep(sequence=10, code="ASSEMBLY", materials=[
                c.BomLine(part_number=f"{p}-BRD", reference_designators=["J1"])]),
            c.RoutingStep(sequence=20, code="FCT",
                          parameters=[c.ParameterLimit(name="current", unit="mA")])]))
        for wo, pn in [("WO-BRD", "BRD"), ("WO-PRD", "PRD")]:
            c.execute(s, c.SyncWorkOrder(number=f"{p}-{wo}", part_number=f"{p}-{pn}", quantity=units,
                                         status="released", line=f"{p}-L1"))
        c.execute(s, c.ReceiveLot(lot=f"{p}-PASTE-1", part_number=f"{p}-PASTE", quantity=1e9))
        c.execute(s, c.ReceiveLot(lot=f"{p}-CAP-1", part_number=f"{p}-CAP", quantity=1e9))
    products: list[str] = []
    clock = START
    for n in range(units // 4):
        clock += timedelta(minutes=1)
        panel, boards = f"{p}-PNL-{n:06d}", [f"{p}-BRD-{n:06d}-{i}" for i in range(1, 5)]
        prods = [b.replace("-BRD-", "-PRD-") for b in boards]
        with store.write() as s:
            c.execute(s, c.RegisterUnits(work_order=f"{p}-WO-BRD", registered_at=clock, units=[
                c.NewUnit(serial=panel, part_number=f"{p}-PANEL", kind="panel"),
                *[c.NewUnit(serial=b, part_number=f"{p}-BRD", kind="board", panel_serial=panel,
                            panel_position=i) for i, b in enumerate(boards, 1)]]))
            c.execute(s, c.InstallComponents(parent_serial=panel, installed_at=clock, station=f"{p}-PRN",
                                             operation="PASTE", items=[c.InstalledItem(lot=f"{p}-PASTE-1")]))
            c.execute(s, c.InstallComponents(
                parent_serial=panel, installed_at=clock + timedelta(seconds=5), station=f"{p}-SMT",
                operation="SMT",
                items=[c.InstalledItem(lot=f"{p}-CAP-1", reference_designator=r, panel_position=i)
                       for i in range(1, 5) for r in refs]))
            for op, param in [("PASTE", None), ("SMT", None), ("REFLOW", "peak_temp")]:
                c.execute(s, c.RecordOperation(
                    serial=panel, operation=op, station=f"{p}-{op}", operator="op-1", started_at=clock,
                    completed_at=clock + timedelta(seconds=20), result="pass",
                    parameters=[c.ParameterValue(name=param, value=245)] if param else []))
            for b in boards:
                c.execute(s, c.RecordOperation(serial=b, operation="AOI", station=f"{p}-AOI", operator="op-2",
                                               started_at=clock + timedelta(seconds=25),
                                               completed_at=clock + timedelta(seconds=26), result="pass"))
            c.execute(s, c.Depanelize(panel_serial=panel, depanelized_at=clock + timedelta(seconds=30)))
            c.execute(s, c.RegisterUnits(work_order=f"{p}-WO-PRD",
                                         registered_at=clock + timedelta(seconds=31),
                                         units=[c.NewUnit(serial=x, part_number=f"{p}-PRD") for x in prods]))
            for x, b in zip(prods, boards, strict=True):
                at = clock + timedelta(seconds=40)
                c.execute(s, c.InstallComponents(
                    parent_serial=x, installed_at=at, station=f"{p}-FA", operation="ASSEMBLY",
                    items=[c.InstalledItem(serial=b, reference_designator="J1")]))
                for op, param in [("ASSEMBLY", None), ("FCT", "current")]:
                    c.execute(s, c.RecordOperation(
                        serial=x, operation=op, station=f"{p}-{op}", operator="op-3", started_at=at,
                        completed_at=at + timedelta(seconds=5), result="pass",
                        parameters=[c.ParameterValue(name=param, value=100, unit="mA")] if param else []))
        products += prods
        if len(products) % 10 == 0:
            with store.write() as s:
                c.execute(s, c.Pack(container=f"{p}-BOX-{n:06d}", kind="box",
                                    packed_at=clock + timedelta(minutes=2),
                                    items=[c.PackedItem(serial=x) for x in products[-10:]]))
    return products


class Counter:
    def __init__(self, store: Store) -> None:
        self.n = 0
        event.listen(store.engine, "before_cursor_execute", self._count)

    def _count(self, *args) -> None:  # type: ignore[no-untyped-def]
        self.n += 1


def measure(url: str, units: int, designators: int, prefix: str) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    store = Store(engine)
    t0 = time.perf_counter()
    products = build(store, prefix, units, designators)
    built = time.perf_counter() - t0
    counter = Counter(store)
    sample = products[:: max(1, len(products) // 200)]
    laps, statements = [], 0
    for serial in sample:
        counter.n = 0
        t1 = time.perf_counter()
        with store.read() as session:
            level = completeness.unit_trace_level(session, serial)
        laps.append((time.perf_counter() - t1) * 1000)
        statements = counter.n
    assert level.manufacturing == "M4" and level.process == "P4", level
    counter.n = 0
    t1 = time.perf_counter()
    with store.read() as session:
        summary = completeness.work_order_trace_levels(session, f"{prefix}-WO-PRD")
    wo_s, wo_statements = time.perf_counter() - t1, counter.n
    writer = EventWriter(EpcisSettings())
    counter.n, events, pages = 0, 0, 0
    t1 = time.perf_counter()
    after = None
    with store.read() as session:
        for _ in range(100000):
            page = history.page(session, start=START, end=START + timedelta(days=30), after=after, limit=500)
            events += len([writer.event(f) for f in page.facts])
            pages += 1
            if page.next is None:
                break
            after = page.next
    export_s = time.perf_counter() - t1
    print(f"{engine.dialect.name:<10} products={units} designators/board={designators} built in {built:.1f}s")
    print(f"  trace level, one unit + board: p50 {statistics.median(laps):.1f} ms, "
          f"p99 {sorted(laps)[int(len(laps) * 0.99) - 1]:.1f} ms, {statements} statements")
    print(f"  work order summary, {summary.units} units: {wo_s * 1000:.0f} ms, {wo_statements} statements, "
          f"levels {summary.manufacturing['M4']}xM4 {summary.process['P4']}xP4")
    print(f"  EPCIS export: {events} events in {pages} pages, {export_s:.2f}s = "
          f"{events / export_s:.0f} events/s, {counter.n / pages:.1f} statements/page")
    store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--designators", type=int, default=20)
    parser.add_argument("--database-url", action="append", default=[])
    parser.add_argument("--prefix", default=f"ST{int(time.time()) % 100000}")
    args = parser.parse_args()
    for url in args.database_url or ["sqlite:///./bench-standards.db"]:
        measure(url, args.units, args.designators, args.prefix)


if __name__ == "__main__":
    main()
