"""Installing and removing components: the genealogy edges, written in batches.

An item names what went in by lot, by child serial, or only by the station location it was
picked from; a location is attributed to the lot loaded there at that moment. Removal (rework)
closes an installation, never deletes it, so traces as of an earlier time still see it.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field, model_validator
from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from traceability import genealogy, lookup, outbox, policy
from traceability.commands.base import Command
from traceability.commands.holds import PlaceHold, place_hold
from traceability.errors import Conflict, Invalid, Refused
from traceability.models import ComponentInstallation, MaterialLoad, MaterialLot, Unit


class InstalledItem(Command):
    lot: str | None = Field(default=None, max_length=64)
    serial: str | None = Field(default=None, max_length=100)
    location: str | None = Field(default=None, max_length=64)
    part_number: str | None = Field(default=None, max_length=64)
    reference_designator: str | None = Field(default=None, max_length=32)
    quantity: float = Field(default=1, ge=0)
    panel_position: int | None = Field(default=None, ge=0)
    installed_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_source(self) -> InstalledItem:
        if sum(x is not None for x in (self.lot, self.serial, self.location)) != 1:
            raise ValueError("name exactly one of lot, serial or location")
        return self


class InstallComponents(Command):
    parent_serial: str = Field(min_length=1, max_length=100)
    installed_at: AwareDatetime
    station: str | None = Field(default=None, max_length=64)
    operation: str | None = Field(default=None, max_length=32)
    items: list[InstalledItem] = Field(min_length=1)
    source_message_id: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _location_needs_station(self) -> InstallComponents:
        if self.station is None and any(i.location for i in self.items):
            raise ValueError("station: required when an item names only a location")
        return self


def install_components(session: Session, cmd: InstallComponents) -> dict:
    parent = lookup.unit(session, cmd.parent_serial, "parent_serial")
    lots = lookup.lots(session, {i.lot for i in cmd.items if i.lot})
    children = lookup.units(session, {i.serial for i in cmd.items if i.serial})
    parts = lookup.parts(session, {i.part_number for i in cmd.items if i.part_number})
    loads = _loads_at(session, cmd)
    rows: list[dict] = []
    quarantined: dict[int, tuple[str, str]] = {}  # lot id -> (lot code, the field that named it)
    for n, item in enumerate(cmd.items):
        f = f"items[{n}]"
        at = item.installed_at or cmd.installed_at
        lot_ids: list[int] = []
        child_id = None
        attribution = "direct"
        if item.lot:
            lot = lookup.require(lots, item.lot, f"{f}.lot", "material lot")
            lot_ids, part_id = [lot.id], lot.part_id
            if lot.status == "quarantined":
                quarantined.setdefault(lot.id, (item.lot, f"{f}.lot"))
        elif item.serial:
            child = lookup.require(children, item.serial, f"{f}.serial", "unit")
            if child.id == parent.id:
                raise Invalid(f"{f}.serial", "a unit cannot be installed into itself")
            child_id, part_id = child.id, child.part_id
        else:
            hits = [ld for ld in loads.get(item.location, ())
                    if ld.loaded_at <= at and (ld.unloaded_at is None or ld.unloaded_at > at)]
            if not hits:
                raise Invalid(f"{f}.location",
                              f"no lot loaded at {cmd.station}/{item.location} at {at.isoformat()}")
            lot_ids, part_id = [hits[-1].lot_id], hits[-1].part_id
            attribution = "location"
            if hits[-1].status == "quarantined":
                quarantined.setdefault(hits[-1].lot_id, (hits[-1].lot_code, f"{f}.location"))
        if item.part_number:
            named = lookup.require(parts, item.part_number, f"{f}.part_number", "part")
            if named.id != part_id:
                raise Invalid(f"{f}.part_number",
                              f"{item.part_number!r} is not the part of the installed material")
        if item.panel_position is not None and parent.kind != "panel":
            raise Invalid(f"{f}.panel_position", f"unit {cmd.parent_serial!r} is not a panel")
        for lot_id in lot_ids or [None]:
            rows.append({
                "parent_unit_id": parent.id, "panel_position": item.panel_position,
                "child_unit_id": child_id, "lot_id": lot_id, "part_id": part_id,
                "reference_designator": item.reference_designator, "quantity": item.quantity,
                "installed_at": at, "operation": cmd.operation, "station": cmd.station,
                "location": item.location, "attribution": attribution,
                "source_message_id": cmd.source_message_id, "flag": None,
            })
    if quarantined:
        _quarantine_policy(session, cmd, rows, quarantined)
    _refuse_installed_children(session, parent, [r["child_unit_id"] for r in rows if r["child_unit_id"]])
    session.execute(insert(ComponentInstallation), rows)
    outbox.emit(session, "components.installed", aggregate_type="unit",
                aggregate_id=cmd.parent_serial, data={
                    "parent_serial": cmd.parent_serial, "station": cmd.station,
                    "operation": cmd.operation, "count": len(rows),
                    "installed_at": cmd.installed_at.isoformat()})
    return {"parent_serial": cmd.parent_serial, "installed": len(rows)}


def _loads_at(session: Session, cmd: InstallComponents) -> dict[str, list]:  # type: ignore[type-arg]
    """Every load (with its lot's part) that may cover an item's time at its location, in one query."""
    locations = {i.location for i in cmd.items if i.location}
    if not locations:
        return {}
    times = [i.installed_at or cmd.installed_at for i in cmd.items if i.location]
    rows = session.execute(
        select(MaterialLoad.location, MaterialLoad.lot_id, MaterialLoad.loaded_at,
               MaterialLoad.unloaded_at, MaterialLot.part_id, MaterialLot.status, MaterialLot.lot_code)
        .join(MaterialLot, MaterialLot.id == MaterialLoad.lot_id)
        .where(
            MaterialLoad.station == cmd.station, MaterialLoad.location.in_(locations),
            MaterialLoad.loaded_at <= max(times),
            or_(MaterialLoad.unloaded_at.is_(None), MaterialLoad.unloaded_at > min(times)),
        ).order_by(MaterialLoad.loaded_at)
    ).all()
    out: dict[str, list] = {}
    for row in rows:
        out.setdefault(row.location, []).append(row)
    return out


def _quarantine_policy(session: Session, cmd: InstallComponents, rows: list[dict],
                       quarantined: dict[int, tuple[str, str]]) -> None:
    """Refuse, or (policy `flag`) accept with the rows flagged and the unit put on hold."""
    if policy.of(session).quarantined_lot == "refuse":
        code, field = next(iter(quarantined.values()))
        raise Refused(f"material lot {code!r} is quarantined", field=field)
    for r in rows:
        if r["lot_id"] in quarantined:
            r["flag"] = "quarantined_lot"
    codes = ", ".join(sorted(code for code, _ in quarantined.values()))[:400]  # a hold reason is bounded
    place_hold(session, PlaceHold(target_kind="unit", target=cmd.parent_serial,
                                  reason=f"installed quarantined lot {codes}", by="quarantine policy",
                                  at=cmd.installed_at))


def _refuse_installed_children(session: Session, parent: Unit, child_ids: list[int]) -> None:
    if not child_ids:
        return
    if len(set(child_ids)) != len(child_ids):
        raise Invalid("items", "the same child unit is named twice")
    if set(child_ids) & genealogy.ancestors(session, parent.id):
        raise Invalid("items.serial", "a unit cannot be installed into a unit it already contains")
    busy = session.execute(
        select(Unit.serial).join(ComponentInstallation, ComponentInstallation.child_unit_id == Unit.id)
        .where(ComponentInstallation.child_unit_id.in_(child_ids),
               ComponentInstallation.removed_at.is_(None))
    ).scalars().all()
    if busy:
        raise Conflict(f"unit(s) already installed elsewhere: {', '.join(sorted(busy))}",
                       field="items.serial")


class RemoveComponent(Command):
    """Rework: take out what sits at a designator (or a named lot or child unit)."""

    parent_serial: str = Field(min_length=1, max_length=100)
    removed_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=200)
    reference_designator: str | None = Field(default=None, max_length=32)
    lot: str | None = Field(default=None, max_length=64)
    serial: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _names_something(self) -> RemoveComponent:
        if not (self.reference_designator or self.lot or self.serial):
            raise ValueError("name the reference_designator, lot or serial to remove")
        return self


def remove_component(session: Session, cmd: RemoveComponent) -> dict:
    parent = lookup.unit(session, cmd.parent_serial, "parent_serial")
    rows = session.scalars(
        select(ComponentInstallation).where(
            _owned_by(session, parent, cmd.removed_at),
            ComponentInstallation.removed_at.is_(None),
            ComponentInstallation.installed_at <= cmd.removed_at,
            *_what(session, cmd),
        )
    ).all()
    if not rows:
        field = "reference_designator" if cmd.reference_designator else ("lot" if cmd.lot else "serial")
        what = cmd.reference_designator or cmd.lot or cmd.serial
        raise Invalid(field, f"nothing installed as {what!r} on {cmd.parent_serial!r} to remove")
    for row in rows:
        row.removed_at, row.removal_reason = cmd.removed_at, cmd.reason
    session.flush()
    outbox.emit(session, "component.removed", aggregate_type="unit", aggregate_id=cmd.parent_serial,
                data=cmd.model_dump(mode="json"))
    return {"parent_serial": cmd.parent_serial, "removed": len(rows)}


def _owned_by(session: Session, unit: Unit, at: datetime):  # type: ignore[no-untyped-def]
    """Installations that belong to `unit`: its own, and those of its panel position."""
    own = ComponentInstallation.parent_unit_id == unit.id
    if unit.panel_unit_id is None:
        return own
    panel = session.get(Unit, unit.panel_unit_id)
    inherited = and_(
        ComponentInstallation.parent_unit_id == unit.panel_unit_id,
        ComponentInstallation.panel_position == unit.panel_position,
    )
    if panel is not None and panel.depanelized_at is not None:
        inherited = and_(inherited, ComponentInstallation.installed_at <= panel.depanelized_at)
    return or_(own, inherited)


def _what(session: Session, cmd: RemoveComponent) -> list:
    conds = []
    if cmd.reference_designator:
        conds.append(ComponentInstallation.reference_designator == cmd.reference_designator)
    if cmd.lot:
        conds.append(ComponentInstallation.lot_id == lookup.lot(session, cmd.lot).id)
    if cmd.serial:
        conds.append(ComponentInstallation.child_unit_id == lookup.unit(session, cmd.serial).id)
    return conds
