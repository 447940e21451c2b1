"""Commands on material: part definitions, lot receipt and split, lot status, feeder loads."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability import lookup, outbox
from traceability.commands.base import Command
from traceability.errors import Conflict, Invalid
from traceability.models import MaterialLoad, MaterialLot, Part

Code = Field(min_length=1, max_length=64)


class DefinePart(Command):
    part_number: str = Code
    revision: str = Field(default="", max_length=16)
    description: str = Field(default="", max_length=200)
    serialized: bool = False
    unit_of_measure: str = Field(default="EA", min_length=1, max_length=16)
    gtin: str | None = Field(default=None, pattern=r"^\d{8,14}$")


def define_part(session: Session, cmd: DefinePart) -> dict:
    """Create or update a material definition (parts are master data: last write wins)."""
    values = cmd.model_dump()
    row = session.scalars(select(Part).where(Part.part_number == cmd.part_number)).first()
    if row is None:
        session.add(Part(**values))
        created = True
    else:
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        for k, v in changed.items():
            setattr(row, k, v)
        created = False
        if not changed:
            return {"part_number": cmd.part_number, "created": False, "changed": False}
    session.flush()
    outbox.emit(session, "part.defined", aggregate_type="part", aggregate_id=cmd.part_number,
                data=values)
    return {"part_number": cmd.part_number, "created": created, "changed": True}


class ReceiveLot(Command):
    lot: str = Code
    part_number: str = Code
    quantity: float = Field(ge=0)
    supplier: str | None = Field(default=None, max_length=100)
    supplier_lot: str | None = Field(default=None, max_length=64)
    date_code: str | None = Field(default=None, max_length=16)
    parent_lot: str | None = Field(default=None, max_length=64)
    location: str | None = Field(default=None, max_length=64)
    received_at: AwareDatetime | None = None


def receive_lot(session: Session, cmd: ReceiveLot) -> dict:
    part = lookup.part(session, cmd.part_number)
    parent = lookup.lot(session, cmd.parent_lot, "parent_lot") if cmd.parent_lot else None
    existing = lookup.lots(session, [cmd.lot]).get(cmd.lot)
    if existing is not None:
        if existing.part_id != part.id:
            raise Conflict(f"lot {cmd.lot!r} exists for another part", field="lot")
        return {"lot": cmd.lot, "created": False}
    row = MaterialLot(
        lot_code=cmd.lot, part_id=part.id, quantity=cmd.quantity, supplier=cmd.supplier,
        supplier_lot=cmd.supplier_lot, date_code=cmd.date_code,
        parent_lot_id=parent.id if parent else None, location=cmd.location,
        **({"received_at": cmd.received_at} if cmd.received_at else {}),
    )
    session.add(row)
    session.flush()
    outbox.emit(session, "lot.received", aggregate_type="lot", aggregate_id=cmd.lot,
                data=cmd.model_dump(mode="json"))
    return {"lot": cmd.lot, "created": True}


class SplitLot(Command):
    lot: str = Code
    new_lot: str = Code
    quantity: float = Field(gt=0)
    location: str | None = Field(default=None, max_length=64)


def split_lot(session: Session, cmd: SplitLot) -> dict:
    """A sublot (reel, tray) taken from a lot: forward traces of the lot include the sublot."""
    parent = lookup.lot(session, cmd.lot)
    if lookup.lots(session, [cmd.new_lot]):
        raise Conflict(f"lot {cmd.new_lot!r} already exists", field="new_lot")
    if cmd.quantity > parent.quantity:
        raise Invalid("quantity", f"{cmd.quantity} exceeds the {parent.quantity} left on {cmd.lot!r}")
    parent.quantity -= cmd.quantity
    session.add(MaterialLot(
        lot_code=cmd.new_lot, part_id=parent.part_id, quantity=cmd.quantity,
        supplier=parent.supplier, supplier_lot=parent.supplier_lot, date_code=parent.date_code,
        parent_lot_id=parent.id, status=parent.status, location=cmd.location,
    ))
    session.flush()
    outbox.emit(session, "lot.split", aggregate_type="lot", aggregate_id=cmd.lot,
                data={"lot": cmd.lot, "new_lot": cmd.new_lot, "quantity": cmd.quantity})
    return {"lot": cmd.lot, "new_lot": cmd.new_lot, "remaining": parent.quantity}


class ChangeLotStatus(Command):
    lot: str = Code
    status: Literal["released", "quarantined", "consumed"]
    reason: str = Field(default="", max_length=500)


def change_lot_status(session: Session, cmd: ChangeLotStatus) -> dict:
    row = lookup.lot(session, cmd.lot)
    if row.status == cmd.status:
        return {"lot": cmd.lot, "status": cmd.status, "changed": False}
    old, row.status = row.status, cmd.status
    session.flush()
    # `lot.status`, not `lot.<status>`: `lot.released` is a released hold.
    outbox.emit(session, "lot.status", aggregate_type="lot", aggregate_id=cmd.lot,
                data={"lot": cmd.lot, "from": old, "status": cmd.status, "reason": cmd.reason})
    return {"lot": cmd.lot, "status": cmd.status, "changed": True}


class IssueLot(Command):
    """The warehouse moved a lot to the line or station that will use it (WMS 'issue')."""

    lot: str = Code
    to: str = Code  # a line or station code
    issued_at: AwareDatetime | None = None


def issue_lot(session: Session, cmd: IssueLot) -> dict:
    row = lookup.lot(session, cmd.lot)
    if row.status == "consumed":
        raise Invalid("lot", f"lot {cmd.lot!r} is consumed; nothing left to issue")
    if row.location == cmd.to:
        return {"lot": cmd.lot, "location": cmd.to, "changed": False}
    old, row.location = row.location, cmd.to
    session.flush()
    outbox.emit(session, "lot.issued", aggregate_type="lot", aggregate_id=cmd.lot,
                data={**cmd.model_dump(mode="json"), "from": old})
    return {"lot": cmd.lot, "location": cmd.to, "changed": True}


class LoadMaterial(Command):
    """A lot put on a station location; `splice` joins it behind the running reel."""

    station: str = Code
    location: str = Code
    lot: str = Code
    loaded_at: AwareDatetime
    splice: bool = False


def load_material(session: Session, cmd: LoadMaterial) -> dict:
    lot = lookup.lot(session, cmd.lot)
    running = _active_load(session, cmd.station, cmd.location, cmd.loaded_at)
    if running is not None and running.lot_id == lot.id:
        return {"station": cmd.station, "location": cmd.location, "lot": cmd.lot, "changed": False}
    if cmd.splice and running is None:
        raise Invalid("splice", f"nothing is loaded at {cmd.station}/{cmd.location} to splice onto")
    if running is not None:
        running.unloaded_at = cmd.loaded_at
    row = MaterialLoad(
        station=cmd.station, location=cmd.location, lot_id=lot.id, loaded_at=cmd.loaded_at,
        spliced_from_id=running.id if (cmd.splice and running) else None,
    )
    session.add(row)
    session.flush()
    outbox.emit(session, "material.spliced" if cmd.splice else "material.loaded",
                aggregate_type="station", aggregate_id=cmd.station,
                data=cmd.model_dump(mode="json"))
    return {"station": cmd.station, "location": cmd.location, "lot": cmd.lot, "changed": True}


class UnloadMaterial(Command):
    station: str = Code
    location: str = Code
    unloaded_at: AwareDatetime


def unload_material(session: Session, cmd: UnloadMaterial) -> dict:
    running = _active_load(session, cmd.station, cmd.location, cmd.unloaded_at)
    if running is None:
        return {"station": cmd.station, "location": cmd.location, "changed": False}
    running.unloaded_at = cmd.unloaded_at
    session.flush()
    outbox.emit(session, "material.unloaded", aggregate_type="station", aggregate_id=cmd.station,
                data=cmd.model_dump(mode="json"))
    return {"station": cmd.station, "location": cmd.location, "changed": True}


def _active_load(session: Session, station: str, location: str, at: datetime) -> MaterialLoad | None:
    return session.scalars(
        select(MaterialLoad)
        .where(MaterialLoad.station == station, MaterialLoad.location == location,
               MaterialLoad.loaded_at <= at,
               (MaterialLoad.unloaded_at.is_(None)) | (MaterialLoad.unloaded_at > at))
        .order_by(MaterialLoad.loaded_at.desc())
        .limit(1)
    ).first()

