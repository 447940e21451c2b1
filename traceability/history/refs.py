"""Batch lookups the history needs: units, lots, containers, lines and panel boards by id, one
statement per kind for a whole page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.history.facts import ContainerRef, LotRef, UnitRef
from traceability.models import Container, Equipment, MaterialLot, Part, Unit


def units(session: Session, ids: Iterable[int | None]) -> dict[int, UnitRef]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Unit.id, Unit.serial, Part.part_number, Part.gtin)
                           .join(Part, Part.id == Unit.part_id).where(Unit.id.in_(wanted))).all()
    return {r.id: UnitRef(serial=r.serial, part_number=r.part_number, gtin=r.gtin) for r in rows}


def lots(session: Session, ids: Iterable[int | None]) -> dict[int, LotRef]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(MaterialLot.id, MaterialLot.lot_code, Part.part_number, Part.gtin, Part.unit_of_measure)
        .join(Part, Part.id == MaterialLot.part_id).where(MaterialLot.id.in_(wanted))).all()
    return {r.id: LotRef(code=r.lot_code, part_number=r.part_number, gtin=r.gtin,
                         unit_of_measure=r.unit_of_measure) for r in rows}


def containers(session: Session, ids: Iterable[int | None]) -> dict[int, ContainerRef]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Container.id, Container.code, Container.kind)
                           .where(Container.id.in_(wanted))).all()
    return {r.id: ContainerRef(code=r.code, kind=r.kind) for r in rows}


def lines(session: Session, stations: Iterable[str | None]) -> dict[str, str]:
    """The line each known station belongs to (equipment master data)."""
    wanted = {s for s in stations if s}
    if not wanted:
        return {}
    rows = session.execute(select(Equipment.code, Equipment.line_code).where(
        Equipment.code.in_(wanted), Equipment.line_code.is_not(None))).all()
    return {r.code: r.line_code for r in rows}


@dataclass(frozen=True)
class Board:
    id: int
    position: int | None


@dataclass(frozen=True)
class PanelBoards:
    cut: datetime | None
    boards: tuple[Board, ...]

    def inheriting(self, at: datetime, position: int | None) -> list[int]:
        """The boards that inherit a record made on the panel at `at` (at `position`, or panel-wide)."""
        if self.cut is not None and at > self.cut:
            return []
        return [b.id for b in self.boards if position is None or b.position == position]


def panels(session: Session, unit_ids: Iterable[int]) -> dict[int, PanelBoards]:
    """For the panels among `unit_ids`: when they were cut and their boards."""
    wanted = set(unit_ids)
    if not wanted:
        return {}
    cut = dict(session.execute(select(Unit.id, Unit.depanelized_at).where(
        Unit.id.in_(wanted), Unit.kind == "panel")).all())
    if not cut:
        return {}
    boards: dict[int, list[Board]] = {}
    for r in session.execute(select(Unit.id, Unit.panel_unit_id, Unit.panel_position)
                             .where(Unit.panel_unit_id.in_(cut)).order_by(Unit.panel_position, Unit.id)):
        boards.setdefault(r.panel_unit_id, []).append(Board(id=r.id, position=r.panel_position))
    return {pid: PanelBoards(cut=at, boards=tuple(boards.get(pid, ()))) for pid, at in cut.items()}
