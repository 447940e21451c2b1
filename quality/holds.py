"""Which holds stop a unit, and which material at a station is held: holds propagated at read time.

A hold is one row on its target (`traceability.models.Hold`, placed by `PlaceHold`). It covers the
target and what the target holds: a held container stops every unit packed in it at any depth,
a held panel stops its boards, a held work order stops its units, a held lot stops its sublots
(reels split from it) wherever they are loaded. Resolving this when asked, not by copying the
hold onto every unit, means a release is one row and a unit packed later into a held box is held.
Each question is a fixed number of indexed statements for any number of units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import String, and_, bindparam, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from traceability.models import (
    Container,
    ContainerItem,
    Equipment,
    Hold,
    MaterialLoad,
    MaterialLot,
    Unit,
    WorkOrder,
)

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
    via: str  # what of the unit carries it: unit, panel, work_order, container


Carrier = tuple[str, str, str]  # (hold target kind, target key, via)


def carriers_columns(unit, panel, wo):  # type: ignore[no-untyped-def]
    """Columns and joins naming what can carry a hold for `unit` (a Unit table or alias): its panel,
    its work order (the `panel` and `wo` aliases, joined here) and the containers around it.
    Packing nests at most three deep (a box on a pallet in a shipment, ACCEPTS in
    `traceability.commands.packing`): three outer joins, no recursion."""
    ci, c = ContainerItem.__table__, Container.__table__
    joined = unit.outerjoin(panel, panel.c.id == unit.c.panel_unit_id).outerjoin(
        wo, wo.c.id == unit.c.work_order_id)
    cols = [panel.c.serial.label("panel_serial"), wo.c.number.label("wo_number")]
    below = None
    for level in (1, 2, 3):
        item, box = ci.alias(f"hold_item{level}"), c.alias(f"hold_box{level}")
        held = item.c.unit_id == unit.c.id if below is None else item.c.child_container_id == below.c.id
        joined = joined.outerjoin(item, and_(held, item.c.unpacked_at.is_(None))).outerjoin(
            box, box.c.id == item.c.container_id)
        cols.append(box.c.code.label(f"container{level}"))
        below = box
    return cols, joined


def first_open_hold(serial, panel_serial, wo_number, containers):  # type: ignore[no-untyped-def]
    """A correlated scalar: the id of one open hold on any carrier of a unit row, else NULL. Lets a
    unit read answer "held or not" itself; the holds' details are read only for held units."""
    return (select(func.min(H.c.id)).where(H.c.released_at.is_(None), or_(
        and_(H.c.target_kind == "unit", H.c.target_key.in_([serial, panel_serial])),
        and_(H.c.target_kind == "work_order", H.c.target_key == wo_number),
        and_(H.c.target_kind == "container", H.c.target_key.in_(containers)),
    )).scalar_subquery())


def carriers_of(serial: str, row) -> list[Carrier]:  # type: ignore[no-untyped-def]
    """What can carry a hold for one unit, from a row with `carriers_columns`."""
    out: list[Carrier] = [("unit", serial, "unit")]
    if row.panel_serial:
        out.append(("unit", row.panel_serial, "panel"))
    if row.wo_number:
        out.append(("work_order", row.wo_number, "work_order"))
    out += [("container", code, "container") for code in (row.container1, row.container2, row.container3)
            if code]
    return out


@cache
def _open_holds_statement():  # type: ignore[no-untyped-def]
    # The kind leads the index (target_kind, target_key, released_at): name every kind a unit's
    # carriers can have, so the lookup is index probes, not a scan of every hold.
    return (select(H).where(H.c.target_kind.in_(("unit", "work_order", "container")),
                            H.c.target_key.in_(bindparam("keys", expanding=True)),
                            H.c.released_at.is_(None)).order_by(H.c.id))


def open_holds(session: Session, carriers: dict[Any, list[Carrier]]) -> dict[Any, list[HoldView]]:
    """The open holds on what carries each unit's holds, per unit (units without any are absent)."""
    keys = {key for cs in carriers.values() for _, key, _ in cs}
    out: dict[Any, list[HoldView]] = defaultdict(list)
    if not keys:
        return out
    by_target: dict[tuple[str, str], list] = defaultdict(list)
    for h in session.execute(_open_holds_statement(), {"keys": list(keys)}):
        by_target[(h.target_kind, h.target_key)].append(h)
    for unit, cs in carriers.items():
        for kind, key, via in cs:
            out[unit] += [HoldView(id=h.id, target_kind=h.target_kind, target=h.target_key, reason=h.reason,
                                   held_by=h.held_by, held_at=h.held_at, case_id=h.case_id, via=via)
                          for h in by_target.get((kind, key), [])]
    return out


@cache
def _carriers_statement():  # type: ignore[no-untyped-def]
    cols, joined = carriers_columns(U, U.alias("panel"), WorkOrder.__table__)
    return select(U.c.id, U.c.serial, *cols).select_from(joined).where(
        U.c.id.in_(bindparam("ids", expanding=True)))


def unit_holds(session: Session, unit_ids: Iterable[int]) -> dict[int, list[HoldView]]:
    """The open holds that stop each unit (units without any are absent). Two statements."""
    ids = list(set(unit_ids))
    if not ids:
        return {}
    rows = session.execute(_carriers_statement(), {"ids": ids}).all()
    return open_holds(session, {r.id: carriers_of(r.serial, r) for r in rows})


@dataclass(frozen=True)
class MaterialProblem:
    station: str
    location: str
    lot: str  # the lot loaded
    blocked_lot: str  # the lot (itself or one it was split from) that is held or quarantined
    problem: str  # quarantined | on_hold
    reason: str


@cache
def _station_statement():  # type: ignore[no-untyped-def]
    """Per station in :stations: its equipment type, and each loaded lot that is stopped because it,
    or a lot it was split from, is quarantined or held. One statement (a tagged UNION ALL)."""
    load, lot, eq = MaterialLoad.__table__, MaterialLot.__table__, Equipment.__table__
    stations = bindparam("stations", expanding=True)
    family = (select(load.c.station, load.c.location, lot.c.lot_code.label("loaded"),
                     lot.c.id.label("lot_id"), lot.c.parent_lot_id.label("parent_id"))
              .select_from(load.join(lot, lot.c.id == load.c.lot_id))
              .where(load.c.station.in_(stations), load.c.unloaded_at.is_(None))
              .cte("family", recursive=True))
    up = lot.alias("up")
    family = family.union(select(family.c.station, family.c.location, family.c.loaded, up.c.id,
                                 up.c.parent_lot_id)
                          .select_from(family.join(up, up.c.id == family.c.parent_id)))
    ancestor = lot.alias("ancestor")
    none = null().cast(String)
    problems = (select(literal("material", String).label("tag"), family.c.station, family.c.location,
                       family.c.loaded, ancestor.c.lot_code, ancestor.c.status, H.c.reason)
                .select_from(family.join(ancestor, ancestor.c.id == family.c.lot_id)
                             .outerjoin(H, and_(H.c.target_kind == "lot",
                                                H.c.target_key == ancestor.c.lot_code,
                                                H.c.released_at.is_(None))))
                .where((ancestor.c.status == "quarantined") | H.c.id.is_not(None)))
    types = select(literal("type", String), eq.c.code, eq.c.station_type, none, none, none, none).where(
        eq.c.code.in_(stations))
    return union_all(problems, types)


def station_state(session: Session, stations: Iterable[str]) -> tuple[dict[str, str | None],
                                                                     dict[str, list[MaterialProblem]]]:
    """(station -> equipment type, station -> loaded material that may not be used now)."""
    wanted = list(set(stations))
    types: dict[str, str | None] = {}
    problems: dict[str, list[MaterialProblem]] = defaultdict(list)
    if not wanted:
        return types, problems
    for r in session.execute(_station_statement(), {"stations": wanted}):
        if r.tag == "type":
            types[r.station] = r.location  # the equipment branch puts its type in the 3rd column
            continue
        held = r.reason is not None
        problems[r.station].append(MaterialProblem(
            station=r.station, location=r.location, lot=r.loaded, blocked_lot=r.lot_code,
            problem="on_hold" if held else "quarantined",
            reason=r.reason if held else f"lot {r.lot_code} is quarantined"))
    for found in problems.values():
        found.sort(key=lambda m: (m.location, m.lot, m.blocked_lot))
    return types, problems


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
