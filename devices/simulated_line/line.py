"""The line's behaviour, deterministic for a seed: what each panel goes through, as messages to send.

A panel of four boards: SMT placement (feeder reels run out and are spliced), reflow (the peak
zone drifts upward after a while until an SPC rule fires), AOI (occasional tombstones, reworked),
ICT (occasional failures, retested), then each board goes into a module at final assembly, FCT,
and modules are packed four to a box, three boxes to a pallet, each pallet shipped. The clock is
the caller's (`now`): the line reports what happens as it happens.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from devices.simulated_line import envelopes as e
from devices.simulated_line.plant import (
    AOI,
    FA,
    FCT,
    FEEDERS,
    ICT,
    INITIAL_REELS,
    REFLOW,
    REWORK,
    SMT,
    Names,
    reel_receipt,
)

BOARDS_PER_PANEL = 4
PRODUCTS_PER_BOX, BOXES_PER_PALLET = 4, 3


@dataclass
class Cfx:
    """Envelopes from one station, sent together (one POST or one publish each)."""

    source: str
    messages: list[tuple[str, dict]]


@dataclass
class Pack:
    container: str
    kind: str
    serials: list[str] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)


@dataclass
class Ship:
    shipment: str
    customer: str
    destination: str


@dataclass
class Receive:
    """A reel received by the WMS (before a feeder is spliced to it)."""

    lot: dict


@dataclass
class DefineChart:
    since: datetime


Step = Cfx | Pack | Ship | DefineChart | Receive


@dataclass
class Feeder:
    slot: str
    kind: str
    ref: str
    sizes: tuple[int, int]
    reel: int = 1
    left: int = 0


class Line:
    def __init__(
        self,
        names: Names,
        *,
        seed: int,
        baseline: int = 12,
        drift_after: int = 4,
        aoi_defect_rate: float = 0.08,
        ict_fail_rate: float = 0.05,
    ) -> None:
        self.names, self.rng = names, random.Random(seed)
        self.ids = uuid.UUID(int=random.Random(f"{seed}:{names.prefix}").getrandbits(128))
        self.count = 0
        self.baseline, self.drift_after = baseline, drift_after
        self.aoi_defect_rate, self.ict_fail_rate = aoi_defect_rate, ict_fail_rate
        self.feeders = [Feeder(slot, kind, ref, sizes) for slot, (kind, ref, sizes) in FEEDERS.items()]
        for f in self.feeders:
            f.left = self.rng.randint(*f.sizes)
        self.products: list[str] = []
        self.boxes: list[str] = []
        self.started: datetime | None = None
        self.chart_defined = False

    def uid(self) -> uuid.UUID:
        """Message ids from the seed: a replayed run is recognised as duplicates by the gateway."""
        self.count += 1
        return uuid.uuid5(self.ids, str(self.count))

    def envelopes(self, step: Cfx, now: Callable[[], datetime]) -> list[dict]:
        return [e.envelope(name, step.source, now(), body, self.uid()) for name, body in step.messages]

    def setup(self) -> Cfx:
        return Cfx(
            SMT,
            [
                e.loaded(
                    [(f.slot, self.names.reel(f.kind, f.reel), self.names.part(f.kind)) for f in self.feeders]
                )
            ],
        )

    def oven_peak(self, n: int) -> float:
        drift = max(0, n - self.baseline - self.drift_after) * 0.9
        return 245.0 + self.rng.gauss(0, 0.6) + drift

    def panel(self, n: int, now: Callable[[], datetime]) -> Iterator[Step]:
        """Everything panel `n` (from 1) goes through, in order."""
        names = self.names
        panel = names.panel(n)
        boards = [names.board(n, p) for p in range(1, BOARDS_PER_PANEL + 1)]
        if self.started is None:
            self.started = now()
        tx = {k: str(self.uid()) for k in ("smt", "oven", "aoi")}
        # SMT: splices first (a reel that cannot feed this panel), then the placements.
        msgs: list[tuple[str, dict]] = []
        for f in self.feeders:
            if f.left < BOARDS_PER_PANEL:
                old = names.reel(f.kind, f.reel)
                f.reel, f.left = f.reel + 1, self.rng.randint(*f.sizes)
                if f.reel > INITIAL_REELS:  # the WMS delivers the next reel to the line
                    yield Receive(reel_receipt(names, f.kind, f.reel))
                msgs.append(e.spliced(f.slot, old, names.reel(f.kind, f.reel), names.part(f.kind)))
            f.left -= BOARDS_PER_PANEL
        yield Cfx(
            SMT, [*msgs, e.work_started(tx["smt"], names.board_order, panel, e.positions(panel, boards))]
        )
        at = now()
        yield Cfx(
            SMT,
            [
                e.placed(
                    tx["smt"],
                    panel,
                    [
                        (pos, f.slot, names.part(f.kind), f.ref, at + timedelta(milliseconds=pos * 10))
                        for pos in range(1, BOARDS_PER_PANEL + 1)
                        for f in self.feeders
                    ],
                ),
                e.work_completed(tx["smt"], panel),
            ],
        )
        # Reflow: the panel only (its boards inherit it); one peak-zone reading per panel.
        peak = self.oven_peak(n)
        yield Cfx(
            REFLOW,
            [
                e.work_started(tx["oven"], names.board_order, panel, []),
                e.processed(
                    tx["oven"],
                    {
                        "zone1_c": 150 + self.rng.gauss(0, 0.8),
                        "zone2_c": 180 + self.rng.gauss(0, 0.8),
                        "zone3_c": 215 + self.rng.gauss(0, 0.8),
                        "zone4_peak_c": peak,
                        "conveyor_cm_min": 80 + self.rng.gauss(0, 0.3),
                    },
                ),
                e.work_completed(tx["oven"], panel),
            ],
        )
        if n == self.baseline and not self.chart_defined:
            self.chart_defined = True
            yield DefineChart(since=self.started)
        # AOI, and rework of what it found.
        defects = {
            p: self.rng.choice(["R1", "C1"])
            for p in range(1, BOARDS_PER_PANEL + 1)
            if self.rng.random() < self.aoi_defect_rate
        }
        yield Cfx(
            AOI,
            [
                e.work_started(tx["aoi"], names.board_order, panel, e.positions(panel, boards)),
                e.inspected(tx["aoi"], panel, defects),
                e.work_completed(tx["aoi"], panel),
            ],
        )
        for pos, ref in defects.items():
            kind = "RES" if ref == "R1" else "CAP"
            feeder = next(f for f in self.feeders if f.ref == ref)
            yield Cfx(
                REWORK,
                e.rework(
                    boards[pos - 1],
                    ref,
                    names.reel(kind, feeder.reel),
                    names.spare_reel if kind == "RES" else names.reel(kind, feeder.reel),
                    now(),
                ),
            )
        # ICT per board; a failure is retested once (a contact problem, it passes).
        for b in boards:
            value = self.rng.gauss(10.0, 0.12)
            if self.rng.random() < self.ict_fail_rate:
                yield Cfx(ICT, [e.tested(b, "R1_RESISTANCE", "R1", 10.9, 9.5, 10.5, "kOhm", "ICT-1")])
            yield Cfx(ICT, [e.tested(b, "R1_RESISTANCE", "R1", value, 9.5, 10.5, "kOhm", "ICT-1")])
        # Final assembly and FCT: one module per board.
        for b in boards:
            product = names.product(len(self.products) + 1)
            fa = str(self.uid())
            yield Cfx(
                FA,
                [
                    e.work_started(fa, names.product_order, None, [{"UnitIdentifier": product}]),
                    e.assembled(fa, product, b, f"{names.prefix}-HSG-L01"),
                    e.work_completed(fa, None),
                ],
            )
            yield Cfx(
                FCT,
                [
                    e.tested(
                        product,
                        "POWER_ON",
                        "supply_current_ma",
                        self.rng.gauss(120, 3),
                        105,
                        135,
                        "mA",
                        "FCT-1",
                    )
                ],
            )
            self.products.append(product)
            yield from self._pack()

    def _pack(self) -> Iterator[Step]:
        if len(self.products) % PRODUCTS_PER_BOX:
            return
        box = self.names.box(len(self.boxes) + 1)
        self.boxes.append(box)
        yield Pack(box, "box", serials=self.products[-PRODUCTS_PER_BOX:])
        if len(self.boxes) % BOXES_PER_PALLET == 0:
            n = len(self.boxes) // BOXES_PER_PALLET
            pallet, shipment = self.names.pallet(n), self.names.shipment(n)
            yield Pack(pallet, "pallet", containers=self.boxes[-BOXES_PER_PALLET:])
            yield Pack(shipment, "shipment", containers=[pallet])
            yield Ship(
                shipment,
                customer=self.rng.choice(["ACME Industrial", "Nordwind GmbH", "Kestrel Ltd"]),
                destination=self.rng.choice(["Rotterdam", "Chicago", "Osaka"]),
            )


def describe(step: Any) -> str:
    return type(step).__name__
