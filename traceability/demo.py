"""A small, realistic plant for `tracebridge serve --demo` and `tracebridge demo seed`.

Two lines: SMT (paste print, placement on two machines, reflow, AOI, depanel, ICT) building
4-up panels of boards, and final assembly (assembly, FCT, packing) building products that are
boxed, palletized and shipped. Reels run on feeders, one is spliced mid-run, one board is
reworked, one fails ICT once. Every step is a domain command with a stable message id, so
seeding twice changes nothing.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from traceability import commands as c
from traceability.database import Store

SOURCE = "demo"
START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
PANELS = 3
BOARDS_PER_PANEL = 4

PARTS = [
    ("PCB-PANEL-4", "4-up panel of controller boards", True),
    ("BRD-100", "controller board rev C", True),
    ("PRD-900", "motor controller module", True),
    ("CAP-10U-0603", "capacitor 10uF 0603 X5R", False),
    ("RES-1K-0402", "resistor 1k 0402 1%", False),
    ("MCU-STM32", "microcontroller STM32G4 LQFP48", False),
    ("PASTE-SAC305", "solder paste SAC305 T4", False),
    ("HSG-900", "housing, aluminium", False),
]

BOARD_ROUTING = c.DefineRouting(part_number="BRD-100", revision="C", operations=[
    c.RoutingStep(sequence=10, code="PASTE", station_type="PRINTER",
                  materials=[c.BomLine(part_number="PASTE-SAC305", quantity=2)]),
    c.RoutingStep(sequence=20, code="SMT", station_type="PLACEMENT", materials=[
        c.BomLine(part_number="CAP-10U-0603", reference_designators=["C1", "C2"], quantity=2),
        c.BomLine(part_number="RES-1K-0402", reference_designators=["R1", "R2"], quantity=2),
        c.BomLine(part_number="MCU-STM32", reference_designators=["U1"]),
    ]),
    c.RoutingStep(sequence=30, code="REFLOW", station_type="OVEN", parameters=[
        c.ParameterLimit(name="peak_temp", unit="C", lsl=235, target=245, usl=255),
        c.ParameterLimit(name="time_above_liquidus", unit="s", lsl=45, target=60, usl=90),
    ]),
    c.RoutingStep(sequence=40, code="AOI", station_type="AOI", allow_repeat=True),
    c.RoutingStep(sequence=50, code="DEPANEL", station_type="ROUTER"),
    c.RoutingStep(sequence=60, code="ICT", station_type="ICT", allow_repeat=True),
])

PRODUCT_ROUTING = c.DefineRouting(part_number="PRD-900", revision="A", operations=[
    c.RoutingStep(sequence=10, code="ASSEMBLY", station_type="ASSEMBLY", materials=[
        c.BomLine(part_number="BRD-100", reference_designators=["A1"]),
        c.BomLine(part_number="HSG-900", reference_designators=["H1"]),
    ]),
    c.RoutingStep(sequence=20, code="FCT", station_type="FCT", allow_repeat=True, parameters=[
        c.ParameterLimit(name="supply_current", unit="mA", lsl=80, target=100, usl=120),
    ]),
    c.RoutingStep(sequence=30, code="PACK", station_type="PACKING"),
])

# Feeder setup on the two placement machines: (station, location, reel, part, designators)
FEEDERS = [
    ("SMT-1", "F01", "REEL-C-0001", "CAP-10U-0603", ["C1", "C2"]),
    ("SMT-1", "F02", "REEL-R-0001", "RES-1K-0402", ["R1", "R2"]),
    ("SMT-2", "T01", "TRAY-U-0001", "MCU-STM32", ["U1"]),
]


def plan() -> list[tuple[c.Command, str]]:
    """The demo plant's history as (command, message id) pairs."""
    rnd = random.Random(7)
    steps: list[tuple[c.Command, str]] = []
    clock = [START]

    def at(minutes: float = 0) -> datetime:
        clock[0] += timedelta(minutes=minutes)
        return clock[0]

    def step(cmd: c.Command) -> None:
        steps.append((cmd, f"demo-{len(steps):04d}"))

    for pn, desc, serialized in PARTS:
        step(c.DefinePart(part_number=pn, description=desc, serialized=serialized))
    step(BOARD_ROUTING)
    step(PRODUCT_ROUTING)
    boards_wo, products_wo = "WO-2611-001", "WO-2611-002"
    n_boards = PANELS * BOARDS_PER_PANEL
    step(c.SyncWorkOrder(number=boards_wo, part_number="BRD-100", quantity=n_boards,
                         routing_revision="C", status="released", line="SMT-L1", source_system="ERP",
                         version=1))
    step(c.SyncWorkOrder(number=products_wo, part_number="PRD-900", quantity=n_boards,
                         routing_revision="A", status="released", line="FA-L2", source_system="ERP",
                         version=1))
    lots = [("CAP-LOT-7781", "CAP-10U-0603", 20000, "Murata", "MU-2645-7781", "2645"),
            ("RES-LOT-1203", "RES-1K-0402", 20000, "Yageo", "YG-1203", "2641"),
            ("MCU-LOT-5530", "MCU-STM32", 500, "ST", "ST-5530", "2638"),
            ("PASTE-0042", "PASTE-SAC305", 500, "Alpha", "AL-0042", "2644"),
            ("HSG-LOT-0917", "HSG-900", 200, "Metalcraft", "MC-0917", "2640")]
    for lot, pn, qty, supplier, slot, dc in lots:
        step(c.ReceiveLot(lot=lot, part_number=pn, quantity=qty, supplier=supplier,
                          supplier_lot=slot, date_code=dc, received_at=at()))
    for reel, parent in [("REEL-C-0001", "CAP-LOT-7781"), ("REEL-C-0002", "CAP-LOT-7781"),
                         ("REEL-R-0001", "RES-LOT-1203"), ("REEL-R-0002", "RES-LOT-1203"),
                         ("TRAY-U-0001", "MCU-LOT-5530")]:
        step(c.SplitLot(lot=parent, new_lot=reel, quantity=100 if reel.startswith("TRAY") else 5000))
    for station, location, reel, _, _ in FEEDERS:
        step(c.LoadMaterial(station=station, location=location, lot=reel, loaded_at=at(1)))

    boards: list[str] = []
    for p in range(1, PANELS + 1):
        panel = f"PNL-{p:05d}"
        serials = [f"BRD-{p:05d}-{i}" for i in range(1, BOARDS_PER_PANEL + 1)]
        boards += serials
        step(c.RegisterUnits(work_order=boards_wo, registered_at=at(1), units=[
            c.NewUnit(serial=panel, part_number="PCB-PANEL-4", kind="panel"),
            *[c.NewUnit(serial=s, part_number="BRD-100", kind="board", panel_serial=panel,
                        panel_position=i) for i, s in enumerate(serials, 1)],
        ]))
        start = at(1)
        step(c.InstallComponents(parent_serial=panel, installed_at=start, station="PRINTER-1",
                                 operation="PASTE", items=[c.InstalledItem(lot="PASTE-0042", quantity=2)]))
        step(c.RecordOperation(serial=panel, operation="PASTE", station="PRINTER-1", operator="op-101",
                               started_at=start, completed_at=at(1), result="pass"))
        smt_start = at(1)
        for pos in range(1, BOARDS_PER_PANEL + 1):
            if p == 2 and pos == 3:  # the capacitor reel runs out mid-panel: operator splices
                step(c.LoadMaterial(station="SMT-1", location="F01", lot="REEL-C-0002",
                                    loaded_at=at(0.5), splice=True))
            t_place = at(0.5)
            step(c.InstallComponents(
                parent_serial=panel, installed_at=t_place, station="SMT-1", operation="SMT",
                items=[c.InstalledItem(location=loc, reference_designator=ref, panel_position=pos)
                       for st, loc, _, _, refs in FEEDERS if st == "SMT-1" for ref in refs]))
            step(c.InstallComponents(
                parent_serial=panel, installed_at=at(0.2), station="SMT-2", operation="SMT",
                items=[c.InstalledItem(location="T01", reference_designator="U1", panel_position=pos)]))
        step(c.RecordOperation(serial=panel, operation="SMT", station="SMT-1", operator="op-102",
                               started_at=smt_start, completed_at=at(1), result="pass",
                               parameters=[c.ParameterValue(name="placements", value=20)]))
        oven_in = at(2)
        step(c.RecordOperation(
            serial=panel, operation="REFLOW", station="REFLOW-1", started_at=oven_in,
            completed_at=at(6), result="pass", parameters=[
                c.ParameterValue(name="peak_temp", value=round(rnd.gauss(245, 2), 1), unit="C"),
                c.ParameterValue(name="time_above_liquidus", value=round(rnd.gauss(60, 4), 1), unit="s"),
            ]))
        aoi_in = at(1)
        for i, board in enumerate(serials, 1):
            defect = p == 1 and i == 2
            step(c.RecordOperation(
                serial=board, operation="AOI", station="AOI-1", started_at=aoi_in, completed_at=at(0.3),
                result="fail" if defect else "pass",
                measurements=[c.Measurement(name="aoi", kind="inspection", result="fail",
                                            defect_code="TOMBSTONE", reference_designator="R1")]
                if defect else []))
        step(c.Depanelize(panel_serial=panel, depanelized_at=at(3)))
        if p == 1:  # rework the tombstoned resistor from the second reel, then re-inspect
            board = serials[1]
            step(c.RemoveComponent(parent_serial=board, reference_designator="R1", removed_at=at(5),
                                   reason="tombstone found at AOI"))
            step(c.InstallComponents(parent_serial=board, installed_at=at(2), station="REWORK-1",
                                     operation="REWORK",
                                     items=[c.InstalledItem(lot="REEL-R-0002", reference_designator="R1")]))
            step(c.RecordOperation(serial=board, operation="AOI", station="AOI-1", started_at=at(1),
                                   completed_at=at(0.3), result="pass"))
        for i, board in enumerate(serials, 1):
            failed_once = p == 3 and i == 4
            ict_in = at(1)
            step(c.RecordOperation(
                serial=board, operation="ICT", station="ICT-1", started_at=ict_in, completed_at=at(1),
                result="fail" if failed_once else "pass", transaction_id=f"ICT-{board}-1",
                measurements=[c.Measurement(name="R1_resistance", measured=1430.0 if failed_once else
                                            round(rnd.gauss(1000, 5), 1), unit="ohm", lsl=990, usl=1010,
                                            result="fail" if failed_once else "pass")]))
            if failed_once:
                step(c.RecordOperation(
                    serial=board, operation="ICT", station="ICT-1", started_at=at(10), completed_at=at(1),
                    result="pass", transaction_id=f"ICT-{board}-2",
                    measurements=[c.Measurement(name="R1_resistance", measured=1001.2, unit="ohm",
                                                lsl=990, usl=1010, result="pass")]))

    products = [f"MOD-{i:06d}" for i in range(1, len(boards) + 1)]
    step(c.RegisterUnits(work_order=products_wo, registered_at=at(5),
                         units=[c.NewUnit(serial=s, part_number="PRD-900") for s in products]))
    for product, board in zip(products, boards, strict=True):
        t_asm = at(2)
        step(c.InstallComponents(parent_serial=product, installed_at=t_asm, station="FA-1",
                                 operation="ASSEMBLY", items=[
                                     c.InstalledItem(serial=board, reference_designator="A1"),
                                     c.InstalledItem(lot="HSG-LOT-0917", reference_designator="H1")]))
        step(c.RecordOperation(serial=product, operation="ASSEMBLY", station="FA-1", operator="op-201",
                               started_at=t_asm, completed_at=at(1), result="pass"))
        step(c.RecordOperation(
            serial=product, operation="FCT", station="FCT-1", started_at=at(1), completed_at=at(2),
            result="pass", parameters=[c.ParameterValue(
                name="supply_current", value=round(rnd.gauss(100, 4), 1), unit="mA")],
            measurements=[c.Measurement(name="boot", result="pass")]))
    boxes = []
    for b in range(0, len(products), 6):
        box = f"BOX-{b // 6 + 1:05d}"
        boxes.append(box)
        step(c.Pack(container=box, kind="box", packed_at=at(2),
                    items=[c.PackedItem(serial=s) for s in products[b:b + 6]]))
    step(c.Pack(container="PAL-00001", kind="pallet", packed_at=at(5),
                items=[c.PackedItem(container=b) for b in boxes]))
    step(c.Pack(container="SHP-2611-0001", kind="shipment", packed_at=at(30),
                items=[c.PackedItem(container="PAL-00001")]))
    step(c.Ship(shipment="SHP-2611-0001", customer="Nordwind Drives GmbH", destination="Hamburg, DE",
                shipped_at=at(60)))
    return steps


def seed(store: Store) -> int:
    """Load the demo plant; returns how many commands were new (0 when already seeded)."""
    new = 0
    for cmd, message_id in plan():
        with store.write() as session:
            answer = c.execute(session, cmd, source=SOURCE, message_id=message_id)
        new += not answer.get("replayed")
    return new
