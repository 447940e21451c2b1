"""Units: registering serials (panels, boards, products) and depanelizing a panel into boards."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field
from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from traceability import lookup, outbox
from traceability.bulk_insert import insert_rows
from traceability.commands.base import Command
from traceability.errors import Conflict, Invalid
from traceability.models import Unit
from traceability.types import utcnow

UnitKind = Literal["panel", "board", "assembly", "product"]
Serial = Field(min_length=1, max_length=100)


class NewUnit(Command):
    serial: str = Serial
    part_number: str = Field(min_length=1, max_length=64)
    kind: UnitKind = "product"
    panel_serial: str | None = Field(default=None, max_length=100)
    panel_position: int | None = Field(default=None, ge=0)


class RegisterUnits(Command):
    units: list[NewUnit] = Field(min_length=1)
    work_order: str | None = Field(default=None, max_length=64)
    registered_at: AwareDatetime | None = None


def register_units(session: Session, cmd: RegisterUnits) -> dict:
    """Register serials in one batch. A serial already known with the same part is kept as is."""
    wo = lookup.work_order(session, cmd.work_order) if cmd.work_order else None
    parts = lookup.parts(session, {u.part_number for u in cmd.units})
    known = lookup.units(session, {u.serial for u in cmd.units} | {
        u.panel_serial for u in cmd.units if u.panel_serial})
    new_rows: list[dict] = []
    batch: dict[str, int] = {}
    for i, u in enumerate(cmd.units):
        part = lookup.require(parts, u.part_number, f"units[{i}].part_number", "part")
        if u.serial in batch:
            raise Invalid(f"units[{i}].serial", f"serial {u.serial!r} appears twice")
        batch[u.serial] = i
        if (u.panel_serial is None) != (u.panel_position is None):
            raise Invalid(f"units[{i}].panel_position", "panel serial and position go together")
        prior = known.get(u.serial)
        if prior is not None:
            if prior.part_id != part.id:
                raise Conflict(f"serial {u.serial!r} is already registered for another part",
                               field=f"units[{i}].serial")
            continue
        if u.panel_serial and u.panel_serial not in known and u.panel_serial not in batch:
            raise Invalid(f"units[{i}].panel_serial", f"unknown panel {u.panel_serial!r}")
        new_rows.append({"i": i, "serial": u.serial, "part_id": part.id, "kind": u.kind,
                         "panel_serial": u.panel_serial, "panel_position": u.panel_position})
    if not new_rows:
        return {"registered": 0, "known": len(cmd.units)}
    at = cmd.registered_at or utcnow()
    # Panels first, so boards in the same batch can point at them.
    for wave in (
        [r for r in new_rows if not r["panel_serial"]],
        [r for r in new_rows if r["panel_serial"]],
    ):
        if not wave:
            continue
        if any(r["panel_serial"] for r in wave):
            known |= lookup.units(session, {r["panel_serial"] for r in wave})
        insert_rows(session, Unit.__table__, [
            {"serial": r["serial"], "part_id": r["part_id"], "kind": r["kind"],
             "work_order_id": wo.id if wo else (
                 known[r["panel_serial"]].work_order_id if r["panel_serial"] else None),
             "created_at": at,
             "panel_unit_id": known[r["panel_serial"]].id if r["panel_serial"] else None,
             "panel_position": r["panel_position"]}
            for r in wave
        ])
    outbox.emit(session, "unit.registered", aggregate_type="work_order",
                aggregate_id=cmd.work_order or "-",
                data={"serials": [r["serial"] for r in new_rows], "work_order": cmd.work_order})
    return {"registered": len(new_rows), "known": len(cmd.units) - len(new_rows)}


class Board(Command):
    position: int = Field(ge=0)
    serial: str = Serial
    part_number: str | None = Field(default=None, max_length=64)


class Depanelize(Command):
    """Boards leave their panel: from `depanelized_at` on, they no longer inherit its records."""

    panel_serial: str = Serial
    depanelized_at: AwareDatetime
    boards: list[Board] = Field(default_factory=list)


def depanelize(session: Session, cmd: Depanelize) -> dict:
    return depanelize_many(session, [cmd])[0]


def depanelize_many(session: Session, cmds: list[Depanelize]) -> list[dict]:
    """`depanelize` for many panels at once: one look-up of the panels and of the named boards,
    one registration of the missing boards, one update per depanelization time, one outbox write.
    Any refusal refuses the whole call."""
    panels = lookup.units(session, {cmd.panel_serial for cmd in cmds})
    known = lookup.units(session, {b.serial for cmd in cmds for b in cmd.boards})
    missing: list[tuple[NewUnit, AwareDatetime]] = []
    changed: dict[int, tuple[Unit, Depanelize]] = {}
    answers = []
    for cmd in cmds:
        panel = lookup.require(panels, cmd.panel_serial, "panel_serial", "unit")
        if panel.kind != "panel":
            raise Invalid("panel_serial", f"unit {cmd.panel_serial!r} is a {panel.kind}, not a panel")
        if panel.depanelized_at is not None or panel.id in changed:
            answers.append({"panel_serial": cmd.panel_serial, "changed": False})
            continue
        for i, b in enumerate(cmd.boards):
            prior = known.get(b.serial)
            if prior is not None:
                if prior.panel_unit_id != panel.id or prior.panel_position != b.position:
                    raise Conflict(f"board {b.serial!r} is not at position {b.position} of this panel",
                                   field=f"boards[{i}].serial")
                continue
            if not b.part_number:
                raise Invalid(f"boards[{i}].part_number", "required for a board not yet registered")
            missing.append((NewUnit(serial=b.serial, part_number=b.part_number, kind="board",
                                    panel_serial=cmd.panel_serial, panel_position=b.position),
                            cmd.depanelized_at))
        changed[panel.id] = (panel, cmd)
        answers.append({"panel_serial": cmd.panel_serial, "changed": True, "boards": len(cmd.boards)})
    by_time: dict[AwareDatetime, list[NewUnit]] = {}
    for unit, at in missing:
        by_time.setdefault(at, []).append(unit)
    for at, units in by_time.items():
        register_units(session, RegisterUnits(units=units, registered_at=at))
    for panel, cmd in changed.values():
        # The loaded objects stay true to the row (set_committed_value: no second UPDATE at flush).
        set_committed_value(panel, "depanelized_at", cmd.depanelized_at)
        set_committed_value(panel, "status", "depanelized")
    if changed:  # one executemany (a panel's depanelization time is its own)
        unit = Unit.__table__
        session.connection().execute(
            update(unit).where(unit.c.id == bindparam("panel_id"))
            .values(depanelized_at=bindparam("at", type_=unit.c.depanelized_at.type), status="depanelized"),
            [{"panel_id": panel.id, "at": cmd.depanelized_at} for panel, cmd in changed.values()])
    outbox.emit_many(session, [outbox.Event("panel.depanelized", "unit", cmd.panel_serial,
                                            cmd.model_dump(mode="json")) for _, cmd in changed.values()])
    return answers
