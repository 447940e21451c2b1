"""What is installed in each of many units: material lots and child units, current or all.

A board owns what was installed on it and what its panel received at its position (or on the
whole panel) before depanelization; the condition is the one genealogy's traces walk with, so
a unit's installed list and its backward trace always agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.genealogy import _in_effect, _owned
from traceability.models import ComponentInstallation, MaterialLot, Part, Unit
from traceability.records.keys import keys, member_of

INST, U = ComponentInstallation.__table__, Unit.__table__


@dataclass(frozen=True)
class InstallationRecord:
    id: int
    unit_id: int  # the unit asked about
    inherited: bool  # installed on its panel before depanelization
    part_number: str
    lot_code: str | None
    child_unit_id: int | None
    reference_designator: str | None
    quantity: float
    installed_at: datetime
    removed_at: datetime | None
    removal_reason: str | None
    operation: str | None
    station: str | None
    location: str | None
    attribution: str


@cache
def _statement(dialect: str, include_removed: bool):  # type: ignore[no-untyped-def]
    panel = U.alias("panel")
    node = (
        select(U.c.id.label("unit_id"), U.c.panel_unit_id.label("panel_id"),
               U.c.panel_position.label("pos"), panel.c.depanelized_at.label("cut"))
        .select_from(U.outerjoin(panel, panel.c.id == U.c.panel_unit_id))
        .where(member_of(U.c.id, "keys", dialect))
        .subquery("node")
    )
    part, lot = Part.__table__, MaterialLot.__table__
    return (
        select(INST.c.id, node.c.unit_id, (INST.c.parent_unit_id != node.c.unit_id).label("inherited"),
               part.c.part_number, lot.c.lot_code, INST.c.child_unit_id, INST.c.reference_designator,
               INST.c.quantity, INST.c.installed_at, INST.c.removed_at, INST.c.removal_reason,
               INST.c.operation, INST.c.station, INST.c.location, INST.c.attribution)
        .select_from(node.join(INST, _owned(INST, node)).join(part, part.c.id == INST.c.part_id)
                     .outerjoin(lot, lot.c.id == INST.c.lot_id))
        .where(_in_effect(INST, False, include_removed))
        .order_by(node.c.unit_id, INST.c.reference_designator.nulls_last(), INST.c.installed_at, INST.c.id)
    )


def installations_of(session: Session, unit_ids: Iterable[int], *, include_removed: bool = False,
                     ) -> dict[int, list[InstallationRecord]]:
    """Per unit, what is installed in it now (or ever, with `include_removed`)."""
    dialect = session.get_bind().dialect.name
    out: dict[int, list[InstallationRecord]] = defaultdict(list)
    rows = session.execute(_statement(dialect, include_removed), {"keys": keys(dialect, unit_ids)})
    for r in rows:
        out[r.unit_id].append(InstallationRecord(**{**r._mapping, "inherited": bool(r.inherited)}))
    return out
