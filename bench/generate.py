"""A realistic plant history built through the store's own batch commands.

Panels of 4-8 boards, placements on each board position picked from feeders whose reels run
out and are spliced, depanelization, each board into a product with a housing lot, products in
boxes of 10, boxes on pallets of 20, pallets into shipments. `units` counts finished products
(each with its board; panels come on top). One transaction per slice of panels; no message
ids, so the inbound log stays out of the measurement.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import func, select

from traceability import commands as c
from traceability.commands.installations import install_many
from traceability.commands.packing import pack_many
from traceability.commands.units import depanelize_many
from traceability.database import Store
from traceability.errors import DomainError
from traceability.models import ComponentInstallation, Unit

START = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
FEEDERS = 24  # component parts on the line; each has a feeder on SMT-1
REEL_SIZE = 2000  # placements per reel before the operator splices the next one
KEEP = 5000  # serials and lots remembered for sampling


@dataclass
class Generated:
    products: int = 0
    units: int = 0
    installations: int = 0
    reels: int = 0
    containers: int = 0
    seconds: float = 0.0
    # A uniform sample (reservoir) of what was made, bounded so memory stays flat in `units`.
    lots: list[str] = field(default_factory=list)
    serials: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    _pick: random.Random = field(default_factory=lambda: random.Random(0))

    def keep(self, name: str, values: list[str]) -> None:
        kept: list[str] = getattr(self, name)
        for v in values:
            n = self.seen[name] = self.seen.get(name, 0) + 1
            if len(kept) < KEEP:
                kept.append(v)
            elif (j := self._pick.randrange(n)) < KEEP:
                kept[j] = v


@dataclass
class _Line:
    rnd: random.Random
    prefix: str
    reel_of: dict[int, int] = field(default_factory=dict)  # feeder -> reel number
    used: dict[int, int] = field(default_factory=dict)  # feeder -> placements from its reel


def generate(store: Store, units: int, *, seed: int = 1, prefix: str = "G", placements: int = 20,
             panels_per_tx: int = 100, progress: Callable[[int], None] | None = None) -> Generated:
    """Build `units` finished products; returns what was written and how long it took."""
    started = time.perf_counter()
    out = Generated()
    line = _Line(random.Random(seed), prefix)
    installed_before = _installations(store)  # a second prefix adds to a plant: count only ours
    with store.write() as session:
        _master_data(session, line, out)
    made, box_n, pallet_n, shipment_n = 0, 0, 0, 0
    unshipped = 1  # the first pallet not yet in a shipment
    open_boxes: list[str] = []
    panel_n = 0
    clock = START
    analyzed = 500  # products at the last statistics refresh
    while made < units:
        with store.write() as session:
            # A slice of panels: one registration, one `install_many` per level, so the cost per
            # row is the store's batch writer, not a round trip per command.
            panels: list[_Panel] = []
            for _ in range(panels_per_tx):
                if made >= units:
                    break
                size = min(line.rnd.choice((4, 6, 8)), units - made)
                panel_n += 1
                clock += timedelta(seconds=40)
                panels.append(_plan_panel(session, line, out, panel_n, size, placements, clock))
                made += size
            products = _build(session, line, out, panels)
            at = clock
            packs: list[c.Pack] = []
            ships: list[c.Ship] = []
            for i in range(0, len(products), 10):
                box_n += 1
                box = f"{prefix}-BOX-{box_n:07d}"
                packs.append(c.Pack(container=box, kind="box", packed_at=at + timedelta(hours=3),
                                    items=[c.PackedItem(serial=s) for s in products[i:i + 10]]))
                open_boxes.append(box)
            while len(open_boxes) >= 20 or (made >= units and open_boxes):
                pallet_n += 1
                pallet = f"{prefix}-PAL-{pallet_n:06d}"
                packs.append(c.Pack(container=pallet, kind="pallet", packed_at=at + timedelta(hours=4),
                                    items=[c.PackedItem(container=b) for b in open_boxes[:20]]))
                open_boxes = open_boxes[20:]
                if pallet_n % 4 == 0 or made >= units:
                    shipment_n += 1
                    shipment = f"{prefix}-SHP-{shipment_n:05d}"
                    packs.append(c.Pack(
                        container=shipment, kind="shipment", packed_at=at + timedelta(hours=5),
                        items=[c.PackedItem(container=f"{prefix}-PAL-{n:06d}")
                               for n in range(unshipped, pallet_n + 1)]))
                    unshipped = pallet_n + 1
                    ships.append(c.Ship(shipment=shipment, customer=f"Customer {shipment_n % 7}",
                                        shipped_at=at + timedelta(hours=6)))
            # Boxes, then the pallets and shipments they complete: one batch for the slice.
            pack_many(session, packs)
            out.containers += len(packs)
            for ship in ships:
                c.execute(session, ship)
        out.products = made
        if made >= analyzed * 2:
            _refresh_statistics(store)
            analyzed = made
        if progress:
            progress(made)
    with store.read() as session:
        out.units = session.scalar(select(func.count()).select_from(Unit).where(
            Unit.serial.like(f"{prefix}-%"))) or 0
    out.installations = _installations(store) - installed_before
    out.seconds = time.perf_counter() - started
    return out


def _installations(store: Store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(ComponentInstallation)) or 0


def _refresh_statistics(store: Store) -> None:
    """PostgreSQL plans the batch look-ups from table statistics; where autovacuum is off (or
    behind a bulk load) a table grown from nothing looks empty, and the look-ups turn into scans of
    every installation per slice. Refreshed each time the plant doubles, so the cost stays small."""
    if store.dialect != "postgresql":
        return  # SQLite plans these without statistics (and worse with them: STACK-NOTES)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE unit, component_installation, container, container_item, "
                             "material_lot, material_load")
        conn.commit()


def _master_data(session, line: _Line, out: Generated) -> None:  # type: ignore[no-untyped-def]
    p = line.prefix
    for pn, serialized in [("PANEL", True), ("BRD", True), ("PRD", True), ("HSG", False)]:
        c.execute(session, c.DefinePart(part_number=f"{p}-{pn}", serialized=serialized))
    for f in range(FEEDERS):
        c.execute(session, c.DefinePart(part_number=f"{p}-C{f:02d}"))
    c.execute(session, c.ReceiveLot(lot=f"{p}-HSG-LOT", part_number=f"{p}-HSG", quantity=1e9))
    for f in range(FEEDERS):
        _new_reel(session, line, out, f, START, splice=False)


def _new_reel(session, line: _Line, out: Generated, feeder: int, at: datetime, *, splice: bool) -> None:  # type: ignore[no-untyped-def]
    n = line.reel_of.get(feeder, 0) + 1
    line.reel_of[feeder], line.used[feeder] = n, 0
    lot = f"{line.prefix}-R{feeder:02d}-{n:05d}"
    c.execute(session, c.ReceiveLot(lot=lot, part_number=f"{line.prefix}-C{feeder:02d}", quantity=REEL_SIZE))
    c.execute(session, c.LoadMaterial(station=f"{line.prefix}-SMT-1", location=f"F{feeder:02d}", lot=lot,
                                      loaded_at=at, splice=splice))
    out.reels += 1
    out.keep("lots", [lot])


@dataclass
class _Panel:
    serial: str
    boards: list[str]
    at: datetime
    install: c.InstallComponents


@cache
def _item(feeder: int, k: int, position: int) -> c.InstalledItem:
    """Commands are immutable: the same placement on every panel is one validated object."""
    return c.InstalledItem(location=f"F{feeder:02d}", reference_designator=f"X{k + 1}",
                           panel_position=position)


def _plan_panel(session, line: _Line, out: Generated, n: int, size: int, placements: int,  # type: ignore[no-untyped-def]
                at: datetime) -> _Panel:
    """One panel's SMT placements; reels that run out are spliced (a load one second later, so
    attribution by time gives this panel the old reel and the next panel the new one)."""
    p = line.prefix
    panel = f"{p}-PNL-{n:07d}"
    boards = [f"{p}-BRD-{n:07d}-{i}" for i in range(1, size + 1)]
    per_board = max(1, int(line.rnd.uniform(0.5, 1.5) * placements))
    feeders = line.rnd.sample(range(FEEDERS), min(FEEDERS, max(1, per_board // 2)))
    items = []
    for pos in range(1, size + 1):
        for k in range(per_board):
            f = feeders[k % len(feeders)]
            line.used[f] += 1
            items.append(_item(f, k, pos))
    out.installations += len(items)
    for f in feeders:
        if line.used[f] >= REEL_SIZE:
            _new_reel(session, line, out, f, at + timedelta(seconds=1), splice=True)
    return _Panel(panel, boards, at, c.InstallComponents(
        parent_serial=panel, installed_at=at, station=f"{p}-SMT-1", operation="SMT", items=items))


def _build(session, line: _Line, out: Generated, panels: list[_Panel]) -> list[str]:  # type: ignore[no-untyped-def]
    """Register, place, depanelize and assemble a slice of panels; returns the products."""
    if not panels:
        return []
    p = line.prefix
    c.execute(session, c.RegisterUnits(registered_at=panels[0].at, units=[
        u for pn in panels for u in (
            c.NewUnit(serial=pn.serial, part_number=f"{p}-PANEL", kind="panel"),
            *[c.NewUnit(serial=b, part_number=f"{p}-BRD", kind="board", panel_serial=pn.serial,
                        panel_position=i) for i, b in enumerate(pn.boards, 1)])]))
    _install(session, [pn.install for pn in panels])
    depanelize_many(session, [c.Depanelize(panel_serial=pn.serial,
                                           depanelized_at=pn.at + timedelta(minutes=30)) for pn in panels])
    pairs = [(b.replace("-BRD-", "-PRD-"), b, pn.at + timedelta(hours=2)) for pn in panels for b in pn.boards]
    c.execute(session, c.RegisterUnits(registered_at=pairs[0][2], units=[
        c.NewUnit(serial=s, part_number=f"{p}-PRD") for s, _, _ in pairs]))
    _install(session, [c.InstallComponents(
        parent_serial=product, installed_at=at, station=f"{p}-FA-1", operation="ASSEMBLY",
        items=[c.InstalledItem(serial=board, reference_designator="A1"),
               c.InstalledItem(lot=f"{p}-HSG-LOT", reference_designator="H1")])
        for product, board, at in pairs])
    out.installations += 2 * len(pairs)
    products = [s for s, _, _ in pairs]
    out.keep("serials", products)
    return products


def _install(session, cmds: list[c.InstallComponents]) -> None:  # type: ignore[no-untyped-def]
    """The store's set-based installation writer; a refusal here is a generator bug."""
    for answer in install_many(session, [[cmd] for cmd in cmds]):
        if isinstance(answer, DomainError):
            raise answer
