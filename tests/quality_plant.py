"""A small routed line for quality tests: a board routing with a retest loop, a released order,
a 2-up panel and loose boards, a reel loaded on the placement station. Names carry a prefix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from traceability import commands as c
from traceability.database import Store

T0 = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)


def t(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@dataclass
class Plant:
    p: str

    def n(self, name: str) -> str:
        return f"{self.p}-{name}"

    def run(self, store: Store, *cmds: c.Command) -> list[dict]:
        with store.write() as session:
            return [c.execute(session, cmd) for cmd in cmds]

    def op(self, store: Store, serial: str, operation: str, minute: float, result: str = "pass",
           station: str | None = None) -> None:
        self.run(store, c.RecordOperation(
            serial=self.n(serial), operation=operation, station=station or self.n(operation + "-1"),
            started_at=t(minute), completed_at=t(minute + 0.5), result=result))


def build(store: Store, p: str) -> Plant:
    plant = Plant(p)
    n = plant.n
    plant.run(
        store,
        c.DefinePart(part_number=n("PANEL"), serialized=True),
        c.DefinePart(part_number=n("BRD"), serialized=True),
        c.DefinePart(part_number=n("CAP"), serialized=False),
        c.DefineRouting(part_number=n("BRD"), revision="A", operations=[
            c.RoutingStep(sequence=10, code="PASTE"),
            c.RoutingStep(sequence=20, code="SMT"),
            c.RoutingStep(sequence=30, code="REFLOW"),
            c.RoutingStep(sequence=40, code="AOI", allow_repeat=True),
            c.RoutingStep(sequence=50, code="ICT", allow_repeat=True),
        ]),
        c.SyncWorkOrder(number=n("WO"), part_number=n("BRD"), quantity=10, routing_revision="A",
                        status="released"),
        c.ReceiveLot(lot=n("CAP-LOT"), part_number=n("CAP"), quantity=1000),
        c.SplitLot(lot=n("CAP-LOT"), new_lot=n("REEL-1"), quantity=500),
        c.LoadMaterial(station=n("SMT-1"), location="F1", lot=n("REEL-1"), loaded_at=t(0)),
        c.RegisterUnits(work_order=n("WO"), registered_at=t(0), units=[
            c.NewUnit(serial=n("P1"), part_number=n("PANEL"), kind="panel"),
            *[c.NewUnit(serial=n(f"P1-{i}"), part_number=n("BRD"), kind="board", panel_serial=n("P1"),
                        panel_position=i) for i in (1, 2)],
            *[c.NewUnit(serial=n(f"U{i}"), part_number=n("BRD"), kind="board") for i in range(1, 5)],
        ]),
    )
    return plant
