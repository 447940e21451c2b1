"""The store's history as one time-ordered stream of facts, paged by keyset, for exporters.

`page(session, start=, end=, serial=, lot=, after=, limit=)` answers the next `limit` facts after
the cursor `after` (the `position` of the last fact read), filtered by event time, by a serial
(facts naming the unit, including its panel's records it inherits) or by a lot (facts naming the
lot), or by recording (`recorded=(after, upto)`: only facts recorded in that slice of the
recording order, see recording.py; how a stream gets late facts too). Each kind of fact is one
keyset read plus batched lookups (installations: their positions first, their rows only for the
groups that make the page): a page costs about twenty statements whatever its size, never one
per fact. Protocol-free: `integrations/epcis` turns the facts into
EPCIS events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.history import sources
from traceability.history.facts import Fact
from traceability.history.sources import Cursor, Scope, UnitScope
from traceability.models import MaterialLot, Unit


@dataclass
class HistoryPage:
    facts: list[Fact]
    next: Cursor | None  # where the following page starts; None at the end


def page(session: Session, *, start: datetime | None = None, end: datetime | None = None,
         serial: str | None = None, lot: str | None = None, after: Cursor | None = None,
         limit: int = 100, recorded: tuple[int, int] | None = None) -> HistoryPage:
    scope = _scope(session, start, end, serial, lot, recorded)
    if scope is None:
        return HistoryPage(facts=[], next=None)
    facts: list[Fact] = []
    until = None
    for source in sources.SOURCES:
        facts += source(session, scope, sources.Bounds(after=after, until=until, limit=limit + 1))
        facts.sort(key=lambda f: f.position)
        if len(facts) > limit:  # nothing after the (limit+1)-th fact so far can be on this page
            facts = facts[:limit + 1]
            until = facts[-1].position
    more = len(facts) > limit
    facts = facts[:limit]
    done = sources.complete_installs(session, [f for f in facts if isinstance(f, sources.PendingInstall)])
    facts = [done[f.key] if isinstance(f, sources.PendingInstall) else f for f in facts]
    return HistoryPage(facts=facts, next=facts[-1].position if more and facts else None)


def _scope(session: Session, start: datetime | None, end: datetime | None, serial: str | None,
           lot: str | None, recorded: tuple[int, int] | None) -> Scope | None:
    """The filters as ids; None when a named serial or lot is unknown (nothing can match)."""
    unit = None
    if serial is not None:
        panel = Unit.__table__.alias("panel")
        u = Unit.__table__
        row = session.execute(
            select(u.c.id, u.c.panel_unit_id, u.c.panel_position, panel.c.depanelized_at)
            .select_from(u.outerjoin(panel, panel.c.id == u.c.panel_unit_id))
            .where(u.c.serial == serial)).first()
        if row is None:
            return None
        unit = UnitScope(id=row.id, panel_id=row.panel_unit_id, position=row.panel_position,
                         cut=row.depanelized_at)
    lot_id = None
    if lot is not None:
        lot_id = session.scalar(select(MaterialLot.id).where(MaterialLot.lot_code == lot))
        if lot_id is None:
            return None
    return Scope(start=start, end=end, unit=unit, lot_id=lot_id, recorded=recorded)


__all__ = ["Cursor", "HistoryPage", "page"]
