"""What happened, as plain facts in time order: the neutral read model exporters translate.

Each fact has a time, a rank (the order of kinds at the same instant) and a key (a row id), so a
stream of them pages by keyset: (at, rank, key). `identity` names the fact stably (re-exports
give the same ids), built from what the fact is rather than from when it was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True)
class UnitRef:
    serial: str
    part_number: str
    gtin: str | None


@dataclass(frozen=True)
class LotRef:
    code: str
    part_number: str
    gtin: str | None
    unit_of_measure: str


@dataclass(frozen=True)
class ContainerRef:
    code: str
    kind: str


@dataclass(frozen=True)
class Fact:
    rank: ClassVar[int] = 0
    at: datetime
    key: int
    identity: str

    @property
    def position(self) -> tuple[datetime, int, int]:
        return (self.at, self.rank, self.key)


@dataclass(frozen=True)
class LotSplit(Fact):
    """A sublot (reel, tray) taken from a lot."""

    rank: ClassVar[int] = 0
    source: LotRef
    lot: LotRef
    quantity: float


@dataclass(frozen=True)
class Commissioned(Fact):
    """Serials registered together (a panel with its boards, a batch of products)."""

    rank: ClassVar[int] = 1
    units: tuple[UnitRef, ...]
    work_order: str | None
    line: str | None


@dataclass(frozen=True)
class Input:
    lot: LotRef | None
    unit: UnitRef | None
    quantity: float
    reference_designator: str | None
    attribution: str


@dataclass(frozen=True)
class Installed(Fact):
    """Components installed at one instant into one unit (a panel also gives them to its boards)."""

    rank: ClassVar[int] = 2
    outputs: tuple[UnitRef, ...]  # the parent first, then the boards that inherit
    inputs: tuple[Input, ...]
    station: str | None
    operation: str | None
    line: str | None


@dataclass(frozen=True)
class Removed(Fact):
    """Rework: one installed component taken out again."""

    rank: ClassVar[int] = 3
    outputs: tuple[UnitRef, ...]
    installed: str  # the identity of the Installed fact it undoes
    input: Input
    reason: str | None


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float
    unit: str
    recorded_at: datetime


@dataclass(frozen=True)
class Test:
    __test__ = False  # not a pytest class
    name: str
    kind: str
    result: str
    measured: float | None
    unit: str
    defect_code: str | None
    reference_designator: str | None


@dataclass(frozen=True)
class OperationDone(Fact):
    """An operation on a unit (a panel's counts for its boards), at completion or, if open, at start."""

    rank: ClassVar[int] = 4
    units: tuple[UnitRef, ...]
    operation: str
    station: str
    line: str | None
    operator: str | None
    started_at: datetime
    completed_at: datetime | None
    result: str | None
    work_order: str | None
    parameters: tuple[Parameter, ...]
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class Packed(Fact):
    """Units or containers put into a container together."""

    rank: ClassVar[int] = 5
    container: ContainerRef
    units: tuple[UnitRef, ...]
    containers: tuple[ContainerRef, ...]


@dataclass(frozen=True)
class Unpacked(Packed):
    rank: ClassVar[int] = 6


@dataclass(frozen=True)
class Shipped(Fact):
    rank: ClassVar[int] = 7
    container: ContainerRef
    customer: str | None
    destination: str | None
