"""The foundation scenario, as the commands a plant's systems would send.

A panel of 4 boards with 2 feeders, a splice on one feeder mid-panel, solder paste on the whole
panel, depanelization, a rework that replaces R1 on board 2 from another lot, boards into
products, products into a box, the box onto a pallet, the pallet into a shipment.
Every name carries a prefix so tests never collide on a shared database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from traceability import commands as c
from traceability.database import Store

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def t(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@dataclass
class Scenario:
    p: str
    steps: list[tuple[c.Command, str]] = field(default_factory=list)

    def n(self, name: str) -> str:
        return f"{self.p}-{name}"

    @property
    def products(self) -> list[str]:
        return [self.n(f"PRD-{i}") for i in range(1, 5)]

    @property
    def boards(self) -> list[str]:
        return [self.n(f"B{i}") for i in range(1, 5)]


def commands(p: str) -> Scenario:
    s = Scenario(p)
    n = s.n
    add = s.steps.append

    def step(cmd: c.Command) -> None:
        add((cmd, f"{p}-msg-{len(s.steps)}"))

    for pn, desc, ser in [
        ("PANEL", "4-up PCB panel", True), ("BRD", "controller board", True),
        ("CAP", "10uF 0603 capacitor", False), ("RES", "1k 0402 resistor", False),
        ("PASTE", "SAC305 solder paste", False), ("PRD", "controller module", True),
    ]:
        step(c.DefinePart(part_number=n(pn), description=desc, serialized=ser))
    step(c.SyncWorkOrder(number=n("WO-BRD"), part_number=n("BRD"), quantity=4, status="released",
                         source_system="ERP", version=1))
    step(c.SyncWorkOrder(number=n("WO-PRD"), part_number=n("PRD"), quantity=4, status="released",
                         source_system="ERP", version=1))
    # Material: a bulk capacitor lot split into two reels; a resistor reel; a rework lot; paste.
    step(c.ReceiveLot(lot=n("CAP-LOT"), part_number=n("CAP"), quantity=10000, supplier="Murata",
                      supplier_lot="MU-778", date_code="2645"))
    step(c.SplitLot(lot=n("CAP-LOT"), new_lot=n("REEL-CAP-A"), quantity=4000))
    step(c.SplitLot(lot=n("CAP-LOT"), new_lot=n("REEL-CAP-B"), quantity=4000))
    step(c.ReceiveLot(lot=n("REEL-RES-A"), part_number=n("RES"), quantity=5000, supplier="Yageo"))
    step(c.ReceiveLot(lot=n("REEL-RES-B"), part_number=n("RES"), quantity=5000, supplier="Yageo"))
    step(c.ReceiveLot(lot=n("PASTE-1"), part_number=n("PASTE"), quantity=500, supplier="Alpha"))
    # The panel and its boards, known at the start of SMT.
    step(c.RegisterUnits(work_order=n("WO-BRD"), registered_at=t(0), units=[
        c.NewUnit(serial=n("P1"), part_number=n("PANEL"), kind="panel"),
        *[c.NewUnit(serial=n(f"B{i}"), part_number=n("BRD"), kind="board", panel_serial=n("P1"),
                    panel_position=i) for i in range(1, 5)],
    ]))
    step(c.LoadMaterial(station=n("SMT1"), location="F1", lot=n("REEL-CAP-A"), loaded_at=t(0)))
    step(c.LoadMaterial(station=n("SMT1"), location="F2", lot=n("REEL-RES-A"), loaded_at=t(0)))
    step(c.InstallComponents(parent_serial=n("P1"), installed_at=t(1), station=n("PRINTER"),
                             operation="PASTE", items=[c.InstalledItem(lot=n("PASTE-1"), quantity=2)]))
    # Positions 1-2 placed before the splice, 3-4 after: C1 comes from the feeder F1.
    for pos, minute in [(1, 2), (2, 3), (3, 6), (4, 7)]:
        step(c.InstallComponents(
            parent_serial=n("P1"), installed_at=t(minute), station=n("SMT1"), operation="SMT",
            items=[
                c.InstalledItem(location="F1", reference_designator="C1", panel_position=pos),
                c.InstalledItem(location="F2", reference_designator="R1", panel_position=pos),
            ],
        ))
        if pos == 2:
            step(c.LoadMaterial(station=n("SMT1"), location="F1", lot=n("REEL-CAP-B"),
                                loaded_at=t(5), splice=True))
    step(c.RecordOperation(serial=n("P1"), operation="SMT", station=n("SMT1"), operator="op-17",
                           started_at=t(1), completed_at=t(8), result="pass", transaction_id=n("tx-smt"),
                           parameters=[c.ParameterValue(name="placement_rate", value=41000, unit="cph")]))
    step(c.Depanelize(panel_serial=n("P1"), depanelized_at=t(20)))
    # Rework on board 2: R1 tombstoned, replaced from another reel.
    step(c.RemoveComponent(parent_serial=n("B2"), reference_designator="R1", removed_at=t(30),
                           reason="tombstoned at AOI"))
    step(c.InstallComponents(parent_serial=n("B2"), installed_at=t(31), station=n("REWORK1"),
                             operation="REWORK", items=[c.InstalledItem(
                                 lot=n("REEL-RES-B"), reference_designator="R1")]))
    # Final assembly: each board into its product.
    step(c.RegisterUnits(work_order=n("WO-PRD"), registered_at=t(40), units=[
        c.NewUnit(serial=n(f"PRD-{i}"), part_number=n("PRD")) for i in range(1, 5)]))
    for i in range(1, 5):
        step(c.InstallComponents(parent_serial=n(f"PRD-{i}"), installed_at=t(41 + i),
                                 station=n("FA1"), operation="ASSEMBLY",
                                 items=[c.InstalledItem(serial=n(f"B{i}"), reference_designator="J1")]))
    step(c.Pack(container=n("BOX-1"), kind="box", packed_at=t(60),
                items=[c.PackedItem(serial=x) for x in s.products]))
    step(c.Pack(container=n("PAL-1"), kind="pallet", packed_at=t(70),
                items=[c.PackedItem(container=n("BOX-1"))]))
    step(c.Pack(container=n("SHP-1"), kind="shipment", packed_at=t(80),
                items=[c.PackedItem(container=n("PAL-1"))]))
    step(c.Ship(shipment=n("SHP-1"), customer="ACME Corp", destination="Lyon", shipped_at=t(90)))
    return s


def run(store: Store, scenario: Scenario, *, source: str = "test") -> list[dict]:
    """Each step in its own transaction, as separate messages would arrive."""
    answers = []
    for cmd, message_id in scenario.steps:
        with store.write() as session:
            answers.append(c.execute(session, cmd, source=source, message_id=message_id))
    return answers


def build(store: Store, prefix: str) -> Scenario:
    s = commands(prefix)
    run(store, s)
    return s
