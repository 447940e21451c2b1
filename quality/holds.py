"""Which holds stop a unit, and which material at a station is held: holds propagated at read time.

A hold is one row on its target (`traceability.models.Hold`, placed by `PlaceHold`). It covers the
target and what the target holds: a held container stops every unit packed in it at any depth,
a held panel stops its boards, a held work order stops its units, a held lot stops its sublots
(reels split from it) wherever they are loaded. Resolving this when asked, not by copying the
hold onto every unit, means a release is one row and a unit packed later into a held box is held.
Each question is one statement for any number of units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import String, and_, bindparam, literal, select, union_all
from sqlalchemy.orm import Session

from traceability.models import Container, ContainerItem, Hold, MaterialLoad, MaterialLot, Unit, WorkOrder

U, H = Unit.__table__, Hold.__table__


@dataclass(frozen=True)
class HoldView:
    id: int
    target_kind: str
    target: str
    reason: str
    held_by: str
    held_at: datetime
    case_id: str | None
    via: str  # what of the unit carries it: itself, its panel, its work order, a container


@cache
def _unit_holds_statement():  # type: ignore[no-untyped-def]
    """(unit id, hold) for every open hold covering the units :ids, through what carries it."""
    ids = bindparam("ids", expanding=True)
    panel, wo, ci, c = U.alias("panel"), WorkOrder.__table__, ContainerItem.__table__, Container.__table__

    def tag(value: str):  # type: ignore[no-untyped-def]
        return literal(value, type_=String)

    enclosing = select(ci.c.unit_id.label("unit_id"), ci.c.container_id.label("container_id")).where(
        ci.c.unit_id.in_(ids), ci.c.unpacked_at.is_(None)).cte("enclosing", recursive=True)
    outer = ci.alias("outer_item")
    enclosing = enclosing.union(select(enclosing.c.unit_id, outer.c.container_id).select_from(
        enclosing.join(outer, outer.c.child_container_id == enclosing.c.container_id)
    ).where(outer.c.unpacked_at.is_(None)))
    carriers = union_all(
        select(U.c.id.label("unit_id"), tag("unit").label("kind"), U.c.serial.label("key"),
               tag("unit").label("via")).where(U.c.id.in_(ids)),
        select(U.c.id, tag("unit"), panel.c.serial, tag("panel")).select_from(
            U.join(panel, panel.c.id == U.c.panel_unit_id)).where(U.c.id.in_(ids)),
        select(U.c.id, tag("work_order"), wo.c.number, tag("work_order")).select_from(
            U.join(wo, wo.c.id == U.c.work_order_id)).where(U.c.id.in_(ids)),
        select(enclosing.c.unit_id, tag("container"), c.c.code, tag("container")).select_from(
            enclosing.join(c, c.c.id == enclosing.c.container_id)),
    ).subquery("carriers")
    return (select(carriers.c.unit_id, carriers.c.via, H)
            .select_from(carriers.join(H, and_(H.c.target_kind == carriers.c.kind,
                                               H.c.target_key == carriers.c.key,
                                               H.c.released_at.is_(None))))
            .order_by(carriers.c.unit_id, H.c.id))


def unit_holds(session: Session, unit_ids: Iterable[int]) -> dict[int, list[HoldView]]:
    """The open holds that stop each unit (units without any are absent)."""
    ids = list(set(unit_ids))
    out: dict[int, list[HoldView]] = defaultdict(list)
    if not ids:
        return out
    for r in session.execute(_unit_holds_statement(), {"ids": ids}):
        out[r.unit_id].append(HoldView(id=r.id, target_kind=r.target_kind, target=r.target_key,
                                       reason=r.reason, held_by=r.held_by, held_at=r.held_at,
                                       case_id=r.case_id, via=r.via))
    return out


@dataclass(frozen=True)
class MaterialProblem:
    station: str
    location: str
    lot: str  # the lot loaded
    blocked_lot: str  # the lot (itself or one it was split from) that is held or quarantined
    problem: str  # quarantined | on_hold
    reason: str


@cache
def _station_material_statement():  # type: ignore[no-untyped-def]
    """Lots loaded now at :stations whose own lot or any lot they were split from is stopped."""
    load, lot = MaterialLoad.__table__, MaterialLot.__table__
    family = (select(load.c.station, load.c.location, lot.c.lot_code.label("loaded"),
                     lot.c.id.label("lot_id"), lot.c.parent_lot_id.label("parent_id"))
              .select_from(load.join(lot, lot.c.id == load.c.lot_id))
              .where(load.c.station.in_(bindparam("stations", expanding=True)),
                     load.c.unloaded_at.is_(None))
              .cte("family", recursive=True))
    up = lot.alias("up")
    family = family.union(select(family.c.station, family.c.location, family.c.loaded, up.c.id,
                                 up.c.parent_lot_id)
                          .select_from(family.join(up, up.c.id == family.c.parent_id)))
    ancestor = lot.alias("ancestor")
    return (select(family.c.station, family.c.location, family.c.loaded, ancestor.c.lot_code,
                   ancestor.c.status, H.c.reason)
            .select_from(family.join(ancestor, ancestor.c.id == family.c.lot_id)
                         .outerjoin(H, and_(H.c.target_kind == "lot", H.c.target_key == ancestor.c.lot_code,
                                            H.c.released_at.is_(None))))
            .where((ancestor.c.status == "quarantined") | H.c.id.is_not(None))
            .order_by(family.c.station, family.c.location))


def station_material_problems(session: Session, stations: Iterable[str]) -> dict[str, list[MaterialProblem]]:
    """Per station, the loaded material that may not be used now."""
    wanted = list(set(stations))
    out: dict[str, list[MaterialProblem]] = defaultdict(list)
    if not wanted:
        return out
    for r in session.execute(_station_material_statement(), {"stations": wanted}):
        held = r.reason is not None
        out[r.station].append(MaterialProblem(
            station=r.station, location=r.location, lot=r.loaded, blocked_lot=r.lot_code,
            problem="on_hold" if held else "quarantined",
            reason=r.reason if held else f"lot {r.lot_code} is quarantined"))
    return out


def holds(session: Session, *, target_kind: str | None = None, target: str | None = None,
          case_id: str | None = None, open_only: bool = True, limit: int = 200) -> list[Hold]:
    """Hold rows as placed (not propagated), newest first."""
    query = select(Hold)
    if target_kind:
        query = query.where(Hold.target_kind == target_kind)
    if target:
        query = query.where(Hold.target_key == target)
    if case_id:
        query = query.where(Hold.case_id == case_id)
    if open_only:
        query = query.where(Hold.released_at.is_(None))
    return list(session.scalars(query.order_by(Hold.id.desc()).limit(limit)))
