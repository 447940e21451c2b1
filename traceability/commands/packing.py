"""Packing units into boxes, boxes onto pallets, pallets into shipments; and shipping."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field, model_validator
from sqlalchemy import insert, literal, or_, select, update
from sqlalchemy.orm import Session

from traceability import lookup, outbox, warehouse_reports
from traceability.commands.base import Command
from traceability.errors import Conflict, Invalid
from traceability.models import Container, ContainerItem, Unit

ContainerKind = Literal["box", "pallet", "shipment"]
# What may go into what: a unit into a box, a box onto a pallet, a pallet or box into a shipment.
ACCEPTS: dict[str, set[str]] = {"box": {"unit"}, "pallet": {"box"}, "shipment": {"pallet", "box"}}


class PackedItem(Command):
    serial: str | None = Field(default=None, max_length=100)
    container: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _one(self) -> PackedItem:
        if (self.serial is None) == (self.container is None):
            raise ValueError("name exactly one of serial or container")
        return self


class Pack(Command):
    container: str = Field(min_length=1, max_length=100)
    kind: ContainerKind
    items: list[PackedItem] = Field(min_length=1)
    packed_at: AwareDatetime
    customer: str | None = Field(default=None, max_length=100)


def pack(session: Session, cmd: Pack) -> dict:
    return pack_many(session, [cmd])[0]


def pack_many(session: Session, cmds: list[Pack]) -> list[dict]:
    """`pack` for many containers at once (e.g. every box of a production slice), with one query
    per kind of key. A container named as a target earlier in `cmds` may be packed by a later one
    (boxes onto a pallet). Any refusal refuses the whole call."""
    targets = _containers(session, cmds)
    units = lookup.units(session, {i.serial for cmd in cmds for i in cmd.items if i.serial})
    boxes = lookup.containers(session, {i.container for cmd in cmds for i in cmd.items if i.container})
    per_cmd: list[list[dict]] = []
    for cmd in cmds:
        target = targets[cmd.container]
        if target.status == "shipped":
            raise Conflict(f"{cmd.kind} {cmd.container!r} has shipped", field="container")
        rows = []
        for n, item in enumerate(cmd.items):
            if item.serial:
                row = lookup.require(units, item.serial, f"items[{n}].serial", "unit")
                kind, ref = "unit", {"unit_id": row.id, "child_container_id": None}
            else:
                row = lookup.require(boxes, item.container, f"items[{n}].container", "container")
                if row.id == target.id:
                    raise Invalid(f"items[{n}].container", "a container cannot hold itself")
                kind, ref = row.kind, {"unit_id": None, "child_container_id": row.id}
            if kind not in ACCEPTS[cmd.kind]:
                raise Invalid(f"items[{n}]", f"a {kind} cannot go into a {cmd.kind}")
            rows.append({"container_id": target.id, "packed_at": cmd.packed_at, **ref})
        per_cmd.append(rows)
    placed = _already_packed(session, [r for rows in per_cmd for r in rows])
    fresh_all: list[dict] = []
    answers, events, fresh_of = [], [], []
    for cmd, rows in zip(cmds, per_cmd, strict=True):
        fresh = []
        for r in rows:
            key = (r["unit_id"], r["child_container_id"])
            where = placed.get(key)
            if where is None:
                fresh.append(r)
                placed[key] = r["container_id"]  # a later command of this call sees it packed
            elif where != r["container_id"]:
                raise Conflict("an item is already packed in another container; unpack it first",
                               field="items")
        fresh_all += fresh
        fresh_of.append(fresh)
        events.append(outbox.Event("container.packed", "container", cmd.container,
                                   {"container": cmd.container, "kind": cmd.kind, "count": len(fresh)}))
        answers.append({"container": cmd.container, "packed": len(fresh)})
    if fresh_all:
        session.execute(insert(ContainerItem), fresh_all)
    outbox.emit_many(session, events)
    for cmd, fresh in zip(cmds, fresh_of, strict=True):
        if cmd.kind == "pallet":
            warehouse_reports.pallet_packed(session, cmd.container,
                                            [r["child_container_id"] for r in fresh], cmd.packed_at)
    return answers


class Unpack(Command):
    container: str = Field(min_length=1, max_length=100)
    items: list[PackedItem] = Field(min_length=1)
    unpacked_at: AwareDatetime


def unpack(session: Session, cmd: Unpack) -> dict:
    target = lookup.require(lookup.containers(session, [cmd.container]), cmd.container,
                            "container", "container")
    units = lookup.units(session, {i.serial for i in cmd.items if i.serial})
    boxes = lookup.containers(session, {i.container for i in cmd.items if i.container})
    conds = []
    for n, item in enumerate(cmd.items):
        if item.serial:
            conds.append(ContainerItem.unit_id == lookup.require(
                units, item.serial, f"items[{n}].serial", "unit").id)
        else:
            conds.append(ContainerItem.child_container_id == lookup.require(
                boxes, item.container, f"items[{n}].container", "container").id)
    rows = session.scalars(select(ContainerItem).where(
        ContainerItem.container_id == target.id, ContainerItem.unpacked_at.is_(None), or_(*conds)
    )).all()
    if len(rows) != len(cmd.items):
        raise Invalid("items", f"not every item is packed in {cmd.container!r}")
    for row in rows:
        row.unpacked_at = cmd.unpacked_at
    session.flush()
    outbox.emit(session, "container.unpacked", aggregate_type="container",
                aggregate_id=cmd.container, data=cmd.model_dump(mode="json"))
    return {"container": cmd.container, "unpacked": len(rows)}


class Ship(Command):
    shipment: str = Field(min_length=1, max_length=100)
    customer: str = Field(min_length=1, max_length=100)
    destination: str | None = Field(default=None, max_length=200)
    shipped_at: AwareDatetime


def ship(session: Session, cmd: Ship) -> dict:
    row = lookup.require(lookup.containers(session, [cmd.shipment]), cmd.shipment,
                         "shipment", "shipment")
    if row.kind != "shipment":
        raise Invalid("shipment", f"{cmd.shipment!r} is a {row.kind}, not a shipment")
    if row.status == "shipped":
        return {"shipment": cmd.shipment, "changed": False}
    row.status, row.customer, row.destination, row.shipped_at = (
        "shipped", cmd.customer, cmd.destination, cmd.shipped_at)
    session.flush()
    _mark_contents_shipped(session, row.id)
    outbox.emit(session, "shipment.shipped", aggregate_type="container", aggregate_id=cmd.shipment,
                data=cmd.model_dump(mode="json"))
    return {"shipment": cmd.shipment, "changed": True}


def _mark_contents_shipped(session: Session, shipment_id: int) -> None:
    """Every container and unit under the shipment, at any depth, is now shipped."""
    ci = ContainerItem.__table__
    tree = select(literal(shipment_id).label("cid")).cte("inside", recursive=True)
    tree = tree.union(select(ci.c.child_container_id).select_from(
        tree.join(ci, ci.c.container_id == tree.c.cid)
    ).where(ci.c.child_container_id.is_not(None), ci.c.unpacked_at.is_(None)))
    inside = select(tree.c.cid)
    session.execute(update(Container).where(Container.id.in_(inside)).values(status="shipped"))
    session.execute(update(Unit).where(Unit.id.in_(
        select(ci.c.unit_id).where(ci.c.container_id.in_(inside), ci.c.unpacked_at.is_(None))
    )).values(status="shipped"))


def _containers(session: Session, cmds: list[Pack]) -> dict[str, Container]:
    """The target containers, created (one insert) when not yet known."""
    found = lookup.containers(session, {cmd.container for cmd in cmds})
    new: dict[str, dict] = {}
    for cmd in cmds:
        kind = found[cmd.container].kind if cmd.container in found else new.setdefault(
            cmd.container, {"code": cmd.container, "kind": cmd.kind, "customer": cmd.customer})["kind"]
        if kind != cmd.kind:
            raise Conflict(f"container {cmd.container!r} is a {kind}, not a {cmd.kind}", field="kind")
    if new:
        session.execute(insert(Container), list(new.values()))
        found |= lookup.containers(session, set(new))
    return found


def _already_packed(session: Session, rows: list[dict]) -> dict[tuple, int]:
    unit_ids = [r["unit_id"] for r in rows if r["unit_id"]]
    child_ids = [r["child_container_id"] for r in rows if r["child_container_id"]]
    found = session.execute(select(
        ContainerItem.unit_id, ContainerItem.child_container_id, ContainerItem.container_id
    ).where(ContainerItem.unpacked_at.is_(None), or_(
        ContainerItem.unit_id.in_(unit_ids), ContainerItem.child_container_id.in_(child_ids)))).all()
    return {(u, c): where for u, c, where in found}
