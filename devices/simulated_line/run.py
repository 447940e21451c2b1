"""Running the simulated line: master data once, then panel after panel at the chosen pace, bounded
by a panel count and/or a duration, and a stop event (for `serve --demo`'s background thread)."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from devices.simulated_line import plant
from devices.simulated_line.line import Cfx, DefineChart, Line, Pack, Receive, Ship
from devices.simulated_line.oven_controller import OvenController
from devices.simulated_line.transport import AmqpCfx, Gateway
from traceability import commands as c
from traceability.database import Store

log = logging.getLogger("tracebridge.simulate")
PANEL_SECONDS = 4.0  # one panel every 4 s at speed 1: light enough for a laptop running the demo


@dataclass
class Options:
    base_url: str
    api_key: str | None
    prefix: str
    seed: int = 1
    speed: float = 1.0
    panels: int | None = None
    duration: float | None = None
    amqp_url: str | None = None
    cfx_exchange: str = "cfx"
    modbus: bool = True  # serve the oven controller over Modbus and poll it into the store
    baseline: int = 12  # panels before the oven chart is defined (its baseline)
    drift_after: int = 4  # panels after the baseline before the oven starts drifting


@dataclass
class Stats:
    panels: int = 0
    messages: int = 0
    products: int = 0
    shipments: int = 0
    modbus_cycles: int = 0


def now() -> datetime:
    return datetime.now(UTC)


def seed_master_data(store: Store, gateway: Gateway, names: plant.Names, panels: int) -> None:
    with store.write() as session:  # parts: no inbound hook names them (see plant.py)
        for number, serialized, description in plant.parts(names):
            c.execute(
                session,
                c.DefinePart(part_number=number, serialized=serialized, description=description),
                source="simulator",
                message_id=f"{names.prefix}:part:{number}",
            )
    for part, doc in plant.routings(names).items():
        gateway.call("PUT", f"/api/v1/plm/routings/{part}/A", doc, key=f"{names.prefix}:routing:{part}")
    for number, order in plant.work_orders(names, panels).items():
        gateway.call("PUT", f"/api/v1/erp/work-orders/{number}", order, key=f"{names.prefix}:wo:{number}")
    for lot in plant.reels(names):
        gateway.call("POST", "/api/v1/wms/lots", lot, key=f"{names.prefix}:lot:{lot['ID']}")


def run(options: Options, store: Store, stop: threading.Event | None = None) -> Stats:
    stop = stop or threading.Event()
    names = plant.Names(options.prefix)
    line = Line(names, seed=options.seed, baseline=options.baseline, drift_after=options.drift_after)
    gateway = Gateway(options.base_url, options.api_key)
    machines = AmqpCfx(options.amqp_url, options.cfx_exchange) if options.amqp_url else gateway
    stats = Stats()
    began = time.monotonic()
    oven = (
        OvenController(store, seed=options.seed, interval=max(0.2, 1.0 / options.speed))
        if options.modbus
        else None
    )
    try:
        if oven:
            oven.start()
        seed_master_data(store, gateway, names, options.panels or 1000)
        machines.cfx(line.envelopes(line.setup(), now))
        cycle = PANEL_SECONDS / max(options.speed, 0.01)
        n = 0
        while not stop.is_set():
            if options.panels is not None and n >= options.panels:
                break
            if options.duration is not None and time.monotonic() - began >= options.duration:
                break
            n += 1
            started = time.monotonic()
            batch: list[dict] = []  # a panel's machine messages travel together, in order
            for step in line.panel(n, now):
                if isinstance(step, Cfx) and step.source != plant.REWORK:
                    batch += line.envelopes(step, now)
                    continue
                if isinstance(step, Cfx):  # rework edits installations: after they are stored
                    _flush(machines, batch, stats)
                    batch += line.envelopes(step, now)
                    _flush(machines, batch, stats)
                    continue
                _flush(machines, batch, stats)
                _send(step, names, store, gateway)
            _flush(machines, batch, stats)
            if line.chart_defined:
                gateway.call(
                    "POST",
                    f"/api/v1/spc/charts/{names.chart}/evaluate",
                    {},
                    key=f"{names.prefix}:evaluate:{n}",
                )
            stats.panels, stats.products = n, len(line.products)
            stats.shipments = len(line.boxes) // 3
            log.info("panel %s done (%s messages so far)", names.panel(n), stats.messages)
            stop.wait(max(0.0, cycle - (time.monotonic() - started)))
    finally:
        if oven:
            oven.stop()
            stats.modbus_cycles = oven.cycles
        gateway.close()
        if machines is not gateway:
            machines.close()
    return stats


def _flush(machines: Gateway | AmqpCfx, batch: list[dict], stats: Stats) -> None:
    if batch:
        machines.cfx(batch)
        stats.messages += len(batch)
        batch.clear()


def _send(step: object, names: plant.Names, store: Store, gateway: Gateway) -> None:
    if isinstance(step, Receive):
        gateway.call("POST", "/api/v1/wms/lots", step.lot, key=f"{names.prefix}:lot:{step.lot['ID']}")
    elif isinstance(step, DefineChart):
        gateway.call(
            "POST",
            "/api/v1/spc/charts",
            {
                "code": names.chart,
                "station": plant.REFLOW,
                "parameter": plant.OVEN_PARAMETER,
                "kind": "imr",
                "baseline_start": step.since.isoformat(),
                "baseline_end": now().isoformat(),
                "lsl": 235.0,
                "usl": 255.0,
                "rules": [1, 2, 3, 5],
            },
            key=f"{names.prefix}:chart",
        )
    elif isinstance(step, Pack):
        items = [c.PackedItem(serial=s) for s in step.serials] + [
            c.PackedItem(container=x) for x in step.containers
        ]
        with store.write() as session:  # packing stations have no protocol of their own yet
            c.execute(
                session,
                c.Pack(container=step.container, kind=step.kind, items=items, packed_at=now()),
                source="simulator",
                message_id=f"{names.prefix}:pack:{step.container}",
            )
    elif isinstance(step, Ship):
        with store.write() as session:
            c.execute(
                session,
                c.Ship(
                    shipment=step.shipment,
                    customer=step.customer,
                    destination=step.destination,
                    shipped_at=now(),
                ),
                source="simulator",
                message_id=f"{names.prefix}:ship:{step.shipment}",
            )
