"""The simulated line's stations, parts and master data, sent the way ERP, PLM and WMS send theirs.

Parts have no inbound hook (ERP and PLM reference parts the store already knows), so they are
defined with the domain command on the store, as `tracebridge demo seed` does; routings go to
the PLM hook, work orders to the ERP hook and reels to the WMS hook, over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

LINE = "SIM"
# Station (CFX source handle) -> operation code; the gateway maps them with TRACEBRIDGE_CFX_OPERATIONS.
STATIONS = {
    "SIM.SMT1": "SMT",
    "SIM.REFLOW1": "REFLOW",
    "SIM.AOI1": "AOI",
    "SIM.REWORK1": "REPAIR",
    "SIM.ICT1": "ICT",
    "SIM.FA1": "ASSEMBLY",
    "SIM.FCT1": "FCT",
}
SMT, REFLOW, AOI, REWORK, ICT, FA, FCT = STATIONS
OVEN_PARAMETER = "zone4_peak_c"
# Feeder slot -> (component part suffix, reference designator, reel size range in placements)
FEEDERS = {"F1": ("CAP", "C1", (40, 64)), "F2": ("RES", "R1", (40, 64)), "F3": ("IC", "U1", (200, 260))}


@dataclass(frozen=True)
class Names:
    """Every identifier a run uses, under one prefix (a second run with another prefix never collides)."""

    prefix: str

    def part(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    @property
    def board_part(self) -> str:
        return self.part("BRD")

    @property
    def product_part(self) -> str:
        return self.part("MOD")

    @property
    def board_order(self) -> str:
        return f"{self.prefix}-WO-BRD"

    @property
    def product_order(self) -> str:
        return f"{self.prefix}-WO-MOD"

    def reel(self, kind: str, n: int) -> str:
        return f"{self.prefix}-{kind}-R{n:02d}"

    def panel(self, n: int) -> str:
        return f"{self.prefix}-P{n:04d}"

    def board(self, n: int, pos: int) -> str:
        return f"{self.prefix}-B{n:04d}-{pos}"

    def product(self, n: int) -> str:
        return f"{self.prefix}-M{n:05d}"

    def box(self, n: int) -> str:
        return f"{self.prefix}-BOX{n:04d}"

    def pallet(self, n: int) -> str:
        return f"{self.prefix}-PAL{n:03d}"

    def shipment(self, n: int) -> str:
        return f"{self.prefix}-SHP{n:03d}"

    @property
    def spare_reel(self) -> str:
        return f"{self.prefix}-RES-SPARE"

    @property
    def chart(self) -> str:
        return f"{self.prefix}-OVEN-Z4"


def parts(names: Names) -> list[tuple[str, bool, str]]:
    """(part number, serialized, description)"""
    return [
        (names.board_part, True, "Controller board"),
        (names.product_part, True, "Controller module"),
        (names.part("CAP"), False, "Capacitor 100nF 0402"),
        (names.part("RES"), False, "Resistor 10k 0402"),
        (names.part("IC"), False, "MCU QFN-48"),
        (names.part("HSG"), False, "Housing"),
    ]


def routings(names: Names) -> dict[str, dict]:
    """Part -> B2MML operations definition (revision A)."""

    def seg(
        seq: int,
        code: str,
        cls: str,
        materials: list[dict] | None = None,
        parameters: list[dict] | None = None,
        rework: bool = False,
    ) -> dict:
        return {
            "ID": code,
            "Sequence": seq,
            "Description": code.title(),
            "ReworkAllowed": rework,
            "EquipmentSpecification": [{"EquipmentClassID": cls}],
            "MaterialSpecification": materials or [],
            "Parameter": parameters or [],
        }

    return {
        names.board_part: {
            "Description": "SMT board",
            "OperationsSegment": [
                seg(
                    10,
                    "SMT",
                    "placement",
                    [
                        {
                            "MaterialDefinitionID": names.part("CAP"),
                            "Quantity": 1,
                            "ReferenceDesignator": ["C1"],
                        },
                        {
                            "MaterialDefinitionID": names.part("RES"),
                            "Quantity": 1,
                            "ReferenceDesignator": ["R1"],
                        },
                        {
                            "MaterialDefinitionID": names.part("IC"),
                            "Quantity": 1,
                            "ReferenceDesignator": ["U1"],
                        },
                    ],
                ),
                seg(
                    20,
                    "REFLOW",
                    "oven",
                    parameters=[
                        {
                            "ID": OVEN_PARAMETER,
                            "UnitOfMeasure": "C",
                            "LowerLimit": 235,
                            "Target": 245,
                            "UpperLimit": 255,
                            "Required": False,
                        }
                    ],
                ),
                seg(30, "AOI", "aoi", rework=True),
                seg(40, "ICT", "ict", rework=True),
            ],
        },
        names.product_part: {
            "Description": "Box build",
            "OperationsSegment": [
                seg(
                    10,
                    "ASSEMBLY",
                    "assembly",
                    [
                        {
                            "MaterialDefinitionID": names.board_part,
                            "Quantity": 1,
                            "ReferenceDesignator": ["J1"],
                        },
                        {
                            "MaterialDefinitionID": names.part("HSG"),
                            "Quantity": 1,
                            "ReferenceDesignator": ["H1"],
                        },
                    ],
                ),
                seg(20, "FCT", "fct", rework=True),
            ],
        },
    }


def work_orders(names: Names, panels: int) -> dict[str, dict]:
    """Order number -> B2MML production order."""
    boards = max(4, panels * 4)
    return {
        names.board_order: {
            "MaterialDefinitionID": names.board_part,
            "Quantity": {"QuantityString": str(boards)},
            "OperationsDefinitionVersion": "A",
            "RequestState": "Released",
            "EquipmentID": LINE,
        },
        names.product_order: {
            "MaterialDefinitionID": names.product_part,
            "Quantity": {"QuantityString": str(boards)},
            "OperationsDefinitionVersion": "A",
            "RequestState": "Released",
            "EquipmentID": LINE,
        },
    }


INITIAL_REELS = 2  # per feeder, received up front; later reels arrive from the WMS when needed


def reel_receipt(names: Names, kind: str, n: int) -> dict:
    return {
        "ID": names.reel(kind, n),
        "MaterialDefinitionID": names.part(kind),
        "Quantity": 5000,
        "SupplierID": "SUP-" + kind,
        "SupplierLotID": f"{kind}-{n:04d}",
        "DateCode": "2645",
    }


def reels(names: Names) -> list[dict]:
    """WMS receipts up front: the first reels of every feeder, the rework bench's spare, housings."""
    return [
        *[reel_receipt(names, kind, n) for kind in ("CAP", "RES", "IC") for n in range(1, INITIAL_REELS + 1)],
        {
            "ID": names.spare_reel,
            "MaterialDefinitionID": names.part("RES"),
            "Quantity": 5000,
            "SupplierID": "SUP-RES",
            "DateCode": "2646",
        },
        {"ID": f"{names.prefix}-HSG-L01", "MaterialDefinitionID": names.part("HSG"), "Quantity": 100000},
    ]
