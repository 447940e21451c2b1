"""Installing and removing components: the genealogy edges, written in batches.

An item names what went in by lot, by child serial, or only by the station location it was
picked from; a location is attributed to the lot loaded there at that moment. When the moment is
only known to lie in a window (`installed_after`..`installed_at`, e.g. a machine that reports a
panel's placements at its end) and a splice falls inside it, every lot loaded there during the
window is recorded as a candidate (IPC-1782) rather than guessing one. Removal (rework)
closes an installation, never deletes it, so traces as of an earlier time still see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field, model_validator
from sqlalchemy import Row, and_, or_, select, text
from sqlalchemy.orm import Session

from traceability import lookup, outbox, policy
from traceability.bulk_insert import insert_tuples
from traceability.commands.base import Command
from traceability.commands.holds import PlaceHold, place_hold
from traceability.errors import Conflict, DomainError, Invalid, Refused
from traceability.models import ComponentInstallation, MaterialLoad, MaterialLot, Unit


class InstalledItem(Command):
    lot: str | None = Field(default=None, max_length=64)
    serial: str | None = Field(default=None, max_length=100)
    location: str | None = Field(default=None, max_length=64)
    part_number: str | None = Field(default=None, max_length=64)
    reference_designator: str | None = Field(default=None, max_length=32)
    quantity: float = Field(default=1.0, ge=0)  # a float, also as the default: see bulk._digest (CFX)
    panel_position: int | None = Field(default=None, ge=0)
    installed_at: AwareDatetime | None = None
    # The earliest the placement can have happened, when its time is not known exactly.
    installed_after: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_source(self) -> InstalledItem:
        if (self.lot is not None) + (self.serial is not None) + (self.location is not None) != 1:
            raise ValueError("name exactly one of lot, serial or location")
        if self.installed_after and self.installed_at and self.installed_after > self.installed_at:
            raise ValueError("installed_after: after installed_at")
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

    @classmethod
    def trusted(cls, *, items: list[dict[str, Any]], **fields: Any) -> InstallComponents:
        """The command built WITHOUT validation, for a translator whose values already meet every
        rule above by construction (validated against a schema at least as strict, or read from
        the store): trimmed strings within these lengths, aware times, quantities >= 0, at least
        one item, exactly one of lot/serial/location per item and `installed_after` not after its
        `installed_at`, a station when an item names a location. On the CFX ingest path
        (thousands of items a second) validating them a second time was a tenth of the work.
        Everything else (REST, SOAP, GraphQL) builds commands the ordinary, validating way."""
        return cls.model_construct(items=[_unvalidated_item(i) for i in items], **fields)


_ITEM_DEFAULTS = {name: f.default for name, f in InstalledItem.model_fields.items()}


_new, _set = object.__new__, object.__setattr__  # bound once: this runs per placement


def _unvalidated_item(values: dict[str, Any]) -> InstalledItem:
    """What `InstalledItem.model_construct` does (it has no aliases, extras or private attributes),
    at a fifth of its cost (0.75 µs against 4.2 µs): the field values, and which of them were given."""
    item = _new(InstalledItem)
    _set(item, "__dict__", _ITEM_DEFAULTS | values)
    _set(item, "__pydantic_fields_set__", set(values))
    _set(item, "__pydantic_extra__", None)
    _set(item, "__pydantic_private__", None)
    return item


def install_components(session: Session, cmd: InstallComponents) -> dict:
    [answer] = install_many(session, [[cmd]])
    if isinstance(answer, DomainError):
        raise answer
    return answer[0]


def install_many(session: Session, groups: list[list[InstallComponents]]) -> list[list[dict] | DomainError]:
    """Many commands set-based: one query per kind of key (units, lots, parts, feeder loads) for all of
    them, one multi-row insert, one outbox write. Each group (the commands of one message) is applied
    whole or refused whole: a refused group gets its error in its place and writes nothing."""
    cmds = [cmd for group in groups for cmd in group]
    items = [i for cmd in cmds for i in cmd.items]
    loads, window = _loads_at(session, cmds)
    keys = _Keys(
        parents=_units(session, {cmd.parent_serial for cmd in cmds}),
        lots=lookup.lots(session, {i.lot for i in items if i.lot}),
        children=_units(session, {i.serial for i in items if i.serial}),
        parts=lookup.parts(session, {i.part_number for i in items if i.part_number}),
        loads=loads,
    )
    keys.steady, keys.quarantined_at = _steady(loads, window)
    keys.busy = _installed_elsewhere(session, [u.id for u in keys.children.values()])
    keys.containment = _Containment(_ancestors_of(session, {
        keys.parents[cmd.parent_serial].id for cmd in cmds
        if cmd.parent_serial in keys.parents and any(i.serial for i in cmd.items)}))
    answers: list[list[dict] | DomainError] = []
    rows: list[tuple] = []
    events: list[outbox.Event] = []
    taken: set[int] = set()  # child units installed by an earlier group of this call
    for group in groups:
        mark = keys.containment.mark()
        try:
            made = [(cmd, *_rows(session, cmd, keys, taken)) for cmd in group]
        except DomainError as refused:
            keys.containment.undo(mark)
            answers.append(refused)
            continue
        for _, _, hold in made:  # only once the whole group is accepted
            if hold is not None:
                place_hold(session, hold)
        made = [(cmd, its) for cmd, its, _ in made]
        for cmd, its in made:
            rows += its
            taken |= {r[_CHILD] for r in its if r[_CHILD]}
            events.append(outbox.Event("components.installed", "unit", cmd.parent_serial, {
                "parent_serial": cmd.parent_serial, "station": cmd.station, "operation": cmd.operation,
                "count": len(its), "installed_at": cmd.installed_at.isoformat()}))
        answers.append([{"parent_serial": cmd.parent_serial, "installed": len(its)} for cmd, its in made])
    insert_tuples(session, ComponentInstallation.__table__, _COLUMNS, rows)  # COPY / executemany, no ORM
    outbox.emit_many(session, events)
    return answers


def _units(session: Session, serials: set[str]) -> dict[str, Row]:
    """`lookup.units` as plain rows of the four columns used here: a batch names thousands of
    parents, and building ORM objects for them cost more than the rest of the look-ups."""
    if not serials:
        return {}
    rows = session.execute(select(Unit.id, Unit.serial, Unit.kind, Unit.part_id)
                           .where(Unit.serial.in_(serials)))
    return {r.serial: r for r in rows}


@dataclass
class _Keys:
    parents: dict[str, Row]
    lots: dict[str, MaterialLot]
    children: dict[str, Row]
    parts: dict
    loads: dict[tuple[str | None, str], list]
    # Per feeder (station, location) whose one load covers every placement time of the batch: the
    # answer `_at_location` gives for any of them (see `_steady`).
    steady: dict[tuple[str | None, str], tuple[list[int], int, str]] = field(default_factory=dict)
    quarantined_at: set[tuple[str | None, str]] = field(default_factory=set)  # feeders with such a lot
    busy: dict[int, str] = field(default_factory=dict)  # child unit id -> serial, already installed
    containment: _Containment = field(default_factory=lambda: _Containment({}))


@dataclass
class _Containment:
    """What now contains the batch's parents: the store's open edges above them (one recursive
    query for the whole batch) and the edges this batch accepted so far, which the store does not
    hold yet (so two groups cannot install A into B and B into A)."""

    above: dict[int, set[int]]  # parent id -> its ancestors in the store
    added: dict[int, set[int]] = field(default_factory=dict)  # child id -> parents, this batch
    log: list[tuple[int, int]] = field(default_factory=list)  # (child, parent) in order added

    def add(self, children: list[int], parent_id: int) -> None:
        for child in children:
            self.added.setdefault(child, set()).add(parent_id)
            self.log.append((child, parent_id))

    def mark(self) -> int:
        return len(self.log)

    def undo(self, mark: int) -> None:
        """Forget the edges of a refused group."""
        while len(self.log) > mark:
            child, parent_id = self.log.pop()
            self.added[child].discard(parent_id)

    def ancestors(self, unit_id: int) -> set[int]:
        # An ancestor from the store already carries its own store ancestors (the query's closure
        # per seed); only batch edges above it need following, and their parents are seeds too.
        found: set[int] = set()
        todo = [unit_id]
        while todo:
            u = todo.pop()
            for a in self.above.get(u, set()) | self.added.get(u, set()):
                if a not in found:
                    found.add(a)
                    todo.append(a)
        return found - {unit_id}


# An installation row as `_rows` builds it: a tuple of these columns, the driver's own format (a
# placement line's batch holds thousands of rows: no dict per row, nothing to convert per row).
# `flag` last: the quarantine policy sets it on rows already built.
_COLUMNS = ("parent_unit_id", "operation", "station", "source_message_id", "panel_position",
            "child_unit_id", "lot_id", "part_id", "reference_designator", "quantity", "installed_at",
            "location", "attribution", "flag")
_CHILD, _LOT = _COLUMNS.index("child_unit_id"), _COLUMNS.index("lot_id")


def _rows(session: Session, cmd: InstallComponents, keys: _Keys,
          taken: set[int]) -> tuple[list[tuple], PlaceHold | None]:
    """The installation rows of one command (`_COLUMNS`), and the hold the quarantine policy asks
    for, if any."""
    parent = lookup.require(keys.parents, cmd.parent_serial, "parent_serial", "unit")
    # What every row of the command shares, read once (this loop runs per placement).
    parent_id, on_panel, default_at = parent.id, parent.kind == "panel", cmd.installed_at
    operation, station, message_id = cmd.operation, cmd.station, cmd.source_message_id
    by_location: dict[tuple, tuple[list[int], int, str]] = {}  # items of one feeder and time share it
    rows: list[tuple] = []
    children: list[int] = []
    quarantined: dict[int, tuple[str, str]] = {}  # lot id -> (lot code, the field that named it)
    for n, item in enumerate(cmd.items):
        at = item.installed_at or default_at
        location, child_id = item.location, None
        if item.lot:
            lot = lookup.require(keys.lots, item.lot, f"items[{n}].lot", "material lot")
            if lot.status == "quarantined":
                quarantined.setdefault(lot.id, (item.lot, f"items[{n}].lot"))
            lot_ids, part_id, attribution = [lot.id], lot.part_id, "direct"
        elif item.serial:
            child = lookup.require(keys.children, item.serial, f"items[{n}].serial", "unit")
            if child.id == parent_id:
                raise Invalid(f"items[{n}].serial", "a unit cannot be installed into itself")
            child_id, part_id, lot_ids, attribution = child.id, child.part_id, [None], "direct"
            children.append(child_id)
        else:
            key = (location, at, item.installed_after)
            found = by_location.get(key)
            if found is None:
                feeder = (station, location or "")
                found = by_location[key] = keys.steady.get(feeder) or _at_location(cmd, keys, item, at, n)
                # Once per feeder and time: the first item that names it is the one to blame.
                if feeder in keys.quarantined_at:
                    for ld in keys.loads[feeder]:
                        if ld.lot_id in found[0] and ld.status == "quarantined":
                            quarantined.setdefault(ld.lot_id, (ld.lot_code, f"items[{n}].location"))
            lot_ids, part_id, attribution = found
        if item.part_number:
            named = lookup.require(keys.parts, item.part_number, f"items[{n}].part_number", "part")
            if named.id != part_id:
                raise Invalid(f"items[{n}].part_number",
                              f"{item.part_number!r} is not the part of the installed material")
        position = item.panel_position
        if position is not None and not on_panel:
            raise Invalid(f"items[{n}].panel_position", f"unit {cmd.parent_serial!r} is not a panel")
        # Candidates share the item's quantity, so consumption summed over lots stays what was placed.
        quantity = item.quantity / len(lot_ids) if attribution == "candidate" else item.quantity
        for lot_id in lot_ids:  # one literal per row, in the order of _COLUMNS
            rows.append((parent_id, operation, station, message_id, position, child_id, lot_id, part_id,
                         item.reference_designator, quantity, at, location, attribution, None))
    if set(children) & taken:
        raise Conflict("a child unit is installed twice in one batch", field="items.serial")
    _refuse_installed_children(parent, children, keys)
    hold = _quarantine_policy(session, cmd, rows, quarantined) if quarantined else None
    return rows, hold


def _quarantine_policy(session: Session, cmd: InstallComponents, rows: list[tuple],
                       quarantined: dict[int, tuple[str, str]]) -> PlaceHold:
    """Refuse, or (policy `flag`) accept with the rows flagged and the unit to be put on hold."""
    if policy.of(session).quarantined_lot == "refuse":
        code, field = next(iter(quarantined.values()))
        raise Refused(f"material lot {code!r} is quarantined", field=field)
    rows[:] = [(*r[:-1], "quarantined_lot") if r[_LOT] in quarantined else r for r in rows]  # flag
    codes = ", ".join(sorted(code for code, _ in quarantined.values()))[:400]  # a hold reason is bounded
    return PlaceHold(target_kind="unit", target=cmd.parent_serial,
                     reason=f"installed quarantined lot {codes}", by="quarantine policy",
                     at=cmd.installed_at)


def _at_location(cmd: InstallComponents, keys: _Keys, item: InstalledItem, at: datetime,
                 n: int) -> tuple[list[int], int, str]:
    """(lot ids, part id, attribution) of what was loaded at the item's location when it was placed."""
    after = min(item.installed_after or at, at)
    hits = [ld for ld in keys.loads.get((cmd.station, item.location or ""), ())
            if ld.loaded_at <= at and (ld.unloaded_at is None or ld.unloaded_at > after)]
    if not hits:
        raise Invalid(f"items[{n}].location",
                      f"no lot loaded at {cmd.station}/{item.location} at {at.isoformat()}")
    if len(hits) > 1 and after < at:
        return [h.lot_id for h in hits], hits[-1].part_id, "candidate"
    return [hits[-1].lot_id], hits[-1].part_id, "location"


def _steady(loads: dict[tuple[str | None, str], list], window: tuple[datetime, datetime] | None) -> tuple[
        dict[tuple[str | None, str], tuple[list[int], int, str]], set[tuple[str | None, str]]]:
    """The feeders whose only load covers the whole `window` of the batch's placement times (from
    the earliest `installed_after` or time to the latest time), with what `_at_location` answers
    for every item there: one lot, by location. A line's steady state (a reel neither loaded nor
    unloaded while the batch was placed), worked out once per batch instead of per placement time.
    And the feeders where a quarantined lot was loaded."""
    if window is None:
        return {}, set()
    first, last = window
    steady = {feeder: ([ld.lot_id], ld.part_id, "location") for feeder, (ld, *more) in loads.items()
              if not more and ld.loaded_at <= first and (ld.unloaded_at is None or ld.unloaded_at > last)}
    quarantined = {feeder for feeder, lds in loads.items() if any(ld.status == "quarantined" for ld in lds)}
    return steady, quarantined


def _loads_at(session: Session, cmds: list[InstallComponents]) -> tuple[
        dict[tuple[str | None, str], list], tuple[datetime, datetime] | None]:
    """Every load (with its lot's part) that may cover an item's time at its station location, for
    all the commands in one query; and the window of those times (None: no item names a location)."""
    stations: set[str | None] = set()
    locations: set[str] = set()
    times: set[datetime] = set()  # a batch repeats few times: the window from the distinct ones
    for cmd in cmds:
        for i in cmd.items:
            if i.location:
                stations.add(cmd.station)
                locations.add(i.location)
                times.add(i.installed_at or cmd.installed_at)
                if i.installed_after:
                    times.add(i.installed_after)
    if not times:
        return {}, None
    first, last = min(times), max(times)
    rows = session.execute(
        select(MaterialLoad.station, MaterialLoad.location, MaterialLoad.lot_id, MaterialLoad.loaded_at,
               MaterialLoad.unloaded_at, MaterialLot.part_id, MaterialLot.status, MaterialLot.lot_code)
        .join(MaterialLot, MaterialLot.id == MaterialLoad.lot_id)
        .where(
            MaterialLoad.station.in_(stations),
            MaterialLoad.location.in_(locations),
            MaterialLoad.loaded_at <= last,
            or_(MaterialLoad.unloaded_at.is_(None), MaterialLoad.unloaded_at > first),
        ).order_by(MaterialLoad.loaded_at)
    ).all()
    out: dict[tuple[str | None, str], list] = {}
    for row in rows:
        out.setdefault((row.station, row.location), []).append(row)
    return out, (first, last)


def _installed_elsewhere(session: Session, child_ids: list[int]) -> dict[int, str]:
    """Which of these units already sit, installed and not removed, in some parent: one query for
    the whole batch (per command it was a round trip per assembled product)."""
    if not child_ids:
        return {}
    rows = session.execute(
        select(Unit.id, Unit.serial)
        .join(ComponentInstallation, ComponentInstallation.child_unit_id == Unit.id)
        .where(ComponentInstallation.child_unit_id.in_(child_ids),
               ComponentInstallation.removed_at.is_(None)))
    return {r.id: r.serial for r in rows}


def _ancestors_of(session: Session, unit_ids: set[int]) -> dict[int, set[int]]:
    """For each unit, the units that (now) contain it at any level: one recursive query seeded
    with all of them (per command it was one query per assembled product)."""
    if not unit_ids:
        return {}
    edge = ComponentInstallation.__table__.alias("edge")
    out: dict[int, set[int]] = {u: set() for u in unit_ids}
    ids = sorted(unit_ids)
    if session.get_bind().dialect.name == "postgresql":
        # An index walk up from each seed: without statistics (a table growing under a bulk load)
        # the planner may pick a hash join that scans every installation per batch.
        session.execute(text("SET LOCAL enable_hashjoin = off"))
        session.execute(text("SET LOCAL enable_mergejoin = off"))
    for start in range(0, len(ids), _SEEDS_PER_QUERY):
        up = select(Unit.id.label("seed"), Unit.id.label("unit_id")).where(
            Unit.id.in_(ids[start:start + _SEEDS_PER_QUERY])).cte("up", recursive=True)
        up = up.union(select(up.c.seed, edge.c.parent_unit_id).select_from(
            up.join(edge, edge.c.child_unit_id == up.c.unit_id)).where(edge.c.removed_at.is_(None)))
        for seed, above in session.execute(select(up.c.seed, up.c.unit_id).where(up.c.unit_id != up.c.seed)):
            out[seed].add(above)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_hashjoin = on"))
        session.execute(text("SET LOCAL enable_mergejoin = on"))
    return out


_SEEDS_PER_QUERY = 5000  # bound parameters per statement stay far below both engines' limits


def _refuse_installed_children(parent: Row, child_ids: list[int], keys: _Keys) -> None:
    if not child_ids:
        return
    if len(set(child_ids)) != len(child_ids):
        raise Invalid("items", "the same child unit is named twice")
    if set(child_ids) & (keys.containment.ancestors(parent.id) | {parent.id}):
        raise Invalid("items.serial", "a unit cannot be installed into a unit it already contains")
    busy = keys.busy
    taken = sorted({busy[i] for i in child_ids if i in busy})
    if taken:
        raise Conflict(f"unit(s) already installed elsewhere: {', '.join(taken)}", field="items.serial")
    keys.containment.add(child_ids, parent.id)


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
