"""From CFX unit references (UnitIdentifier + PositionNumber) to the store's serials.

A UnitIdentifier is either a unit's own serial, or a carrier/panel's with a position number
(CFX position rule, numbered from 1). A panel position resolves to the board registered there
when there is one; installations on a position go on the panel at that position (its boards
inherit them), records about a position's unit go on its board (or the panel if none).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from traceability.models import Unit

Ref = tuple[str, int | None]


@dataclass(frozen=True)
class Target:
    serial: str  # the unit that records about this reference go on
    parent: str  # the unit installations go on (the panel for a position)
    panel_position: int | None
    kind: str


def position(n: int | None) -> int | None:
    return n if n is not None and n >= 1 else None


class UnitCache:
    """Units and panel boards already looked up; shared by the messages of a batch that create none."""

    def __init__(self) -> None:
        self.units: dict[str, Row | None] = {}  # serial -> (id, serial, kind), None: not in the store
        self.boards: dict[tuple[str, int], str] = {}
        self._panels: set[str] = set()

    def load(self, session: Session, idents: Iterable[str]) -> None:
        missing = {i for i in idents if i not in self.units}
        if missing:
            # Plain rows of the columns used here, not ORM units: a batch names a unit per message.
            found = {r.serial: r for r in session.execute(
                select(Unit.id, Unit.serial, Unit.kind).where(Unit.serial.in_(missing)))}
            self.units.update({i: found.get(i) for i in missing})

    def load_boards(self, session: Session, panels: Iterable[str]) -> None:
        ids = {u.id: p for p in set(panels) - self._panels if (u := self.units.get(p)) and u.kind == "panel"}
        self._panels |= set(panels)
        if ids:
            rows = session.execute(select(Unit.panel_unit_id, Unit.panel_position, Unit.serial)
                                   .where(Unit.panel_unit_id.in_(ids))).all()
            self.boards.update({(ids[r.panel_unit_id], r.panel_position): r.serial for r in rows})


def resolve(session: Session, refs: Iterable[Ref],
            cache: UnitCache | None = None) -> tuple[dict[Ref, Target], set[str]]:
    """Targets for the known references, and the identifiers the store does not know."""
    refs = {(ident, position(pos)) for ident, pos in refs}
    cache = cache or UnitCache()
    cache.load(session, {ident for ident, _ in refs})
    cache.load_boards(session, {ident for ident, pos in refs if pos})
    missing = {ident for ident, _ in refs if cache.units.get(ident) is None}
    out: dict[Ref, Target] = {}
    for ident, pos in refs:
        unit = cache.units.get(ident)
        if unit is None:
            continue
        if unit.kind == "panel" and pos:
            board = cache.boards.get((ident, pos))
            out[(ident, pos)] = Target(board or ident, ident, pos, "board" if board else "panel")
        else:
            out[(ident, pos)] = Target(ident, ident, None, unit.kind)
    return out, missing


def target(targets: dict[Ref, Target], ident: str | None, pos: int | None) -> Target:
    return targets[(ident or "", position(pos))]
