"""Routings from PLM: operations in order, the BOM per operation, parameter specs.

A revision is immutable once published: a resend of the same content is accepted, a different
content under a published revision is a conflict (publish a new revision instead).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field, model_validator
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from traceability import lookup, outbox
from traceability.commands.base import Command
from traceability.errors import Conflict, Invalid
from traceability.models import (
    OperationMaterial,
    ParameterSpec,
    Routing,
    RoutingOperation,
)
from traceability.types import utcnow


class BomLine(Command):
    part_number: str = Field(min_length=1, max_length=64)
    reference_designators: list[str] = Field(default_factory=list)
    quantity: float = Field(default=1, ge=0)


class ParameterLimit(Command):
    name: str = Field(min_length=1, max_length=64)
    unit: str = Field(default="", max_length=16)
    lsl: float | None = None
    target: float | None = None
    usl: float | None = None
    required: bool = True


class RoutingStep(Command):
    sequence: int = Field(ge=0)
    code: str = Field(min_length=1, max_length=32)
    description: str = Field(default="", max_length=100)
    station_type: str = Field(default="", max_length=32)
    allow_repeat: bool = False
    materials: list[BomLine] = Field(default_factory=list)
    parameters: list[ParameterLimit] = Field(default_factory=list)


class DefineRouting(Command):
    part_number: str = Field(min_length=1, max_length=64)
    revision: str = Field(min_length=1, max_length=16)
    status: Literal["draft", "released"] = "released"
    operations: list[RoutingStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> DefineRouting:
        # Raised as Invalid (not ValueError) so the refusal names the exact field of the routing.
        for i in range(1, len(self.operations)):
            prev, seq = self.operations[i - 1].sequence, self.operations[i].sequence
            if seq <= prev:
                raise Invalid(f"operations[{i}].sequence", f"{seq} does not increase after {prev}")
        codes: dict[str, int] = {}
        designators: dict[str, str] = {}
        for i, op in enumerate(self.operations):
            if op.code in codes:
                raise Invalid(f"operations[{i}].code",
                              f"operation code {op.code!r} repeats operations[{codes[op.code]}]")
            codes[op.code] = i
            for j, line in enumerate(op.materials):
                for ref in line.reference_designators:
                    if ref in designators:
                        raise Invalid(f"operations[{i}].materials[{j}].reference_designators",
                                      f"reference designator {ref!r} is used twice "
                                      f"({designators[ref]} and {op.code})")
                    designators[ref] = op.code
            for k, p in enumerate(op.parameters):
                if p.lsl is not None and p.usl is not None and p.lsl > p.usl:
                    raise Invalid(f"operations[{i}].parameters[{k}].lsl",
                                  f"parameter {p.name!r}: LSL {p.lsl} is above USL {p.usl}")
        return self


def define_routing(session: Session, cmd: DefineRouting) -> dict:
    part = lookup.part(session, cmd.part_number)
    bom_parts = lookup.parts(session, {m.part_number for op in cmd.operations for m in op.materials})
    for i, op in enumerate(cmd.operations):
        for j, line in enumerate(op.materials):
            lookup.require(bom_parts, line.part_number,
                           f"operations[{i}].materials[{j}].part_number", "part")
    existing = session.scalars(
        select(Routing).where(Routing.part_id == part.id, Routing.revision == cmd.revision)
    ).first()
    if existing is not None:
        if routing_content(session, existing) != _content(cmd):
            raise Conflict(
                f"routing {cmd.part_number} rev {cmd.revision} is published with other content; "
                "publish a new revision", field="revision")
        return {"part_number": cmd.part_number, "revision": cmd.revision, "created": False}
    routing = Routing(part_id=part.id, revision=cmd.revision, status=cmd.status)
    session.add(routing)
    session.flush()
    for step in cmd.operations:
        op = RoutingOperation(routing_id=routing.id, sequence=step.sequence, code=step.code,
                              name=step.description, station_type=step.station_type,
                              allow_repeat=step.allow_repeat)
        session.add(op)
        session.flush()
        session.add_all([
            OperationMaterial(operation_id=op.id, part_id=bom_parts[m.part_number].id,
                              reference_designators=" ".join(m.reference_designators),
                              quantity=m.quantity)
            for m in step.materials
        ])
        session.add_all([
            ParameterSpec(operation_id=op.id, **p.model_dump())
            for p in step.parameters
        ])
    session.flush()
    outbox.emit(session, "routing.published", aggregate_type="routing",
                aggregate_id=f"{cmd.part_number}/{cmd.revision}",
                data=cmd.model_dump(mode="json"))
    return {"part_number": cmd.part_number, "revision": cmd.revision, "created": True}


class ObsoleteRouting(Command):
    """An engineering change (ECO): the revision may not be used for new work orders from a date.

    Orders already released on it stay pinned to it; the revision itself is kept, never rewritten.
    """

    part_number: str = Field(min_length=1, max_length=64)
    revision: str = Field(min_length=1, max_length=16)
    obsolete_from: AwareDatetime
    change_notice: str | None = Field(default=None, max_length=64)  # the ECO's number


def obsolete_routing(session: Session, cmd: ObsoleteRouting) -> dict:
    part = lookup.part(session, cmd.part_number)
    routing = session.scalars(
        select(Routing).where(Routing.part_id == part.id, Routing.revision == cmd.revision)
    ).first()
    if routing is None:
        raise Invalid("revision", f"unknown routing {cmd.part_number} rev {cmd.revision}")
    routing.obsolete_from = cmd.obsolete_from
    routing.change_notice = cmd.change_notice
    # A future date leaves the revision usable until then: see `usable`.
    routing.status = "obsolete" if cmd.obsolete_from <= utcnow() else routing.status
    session.flush()
    outbox.emit(session, "routing.obsoleted", aggregate_type="routing",
                aggregate_id=f"{cmd.part_number}/{cmd.revision}",
                data=cmd.model_dump(mode="json"))
    return {"part_number": cmd.part_number, "revision": cmd.revision,
            "status": effective_status(routing), "obsolete_from": cmd.obsolete_from.isoformat()}


def effective_status(routing: Routing, at: datetime | None = None) -> str:
    """draft, released or obsolete as of `at` (now): an ECO's date takes effect by itself."""
    if routing.status == "draft":
        return "draft"
    if routing.obsolete_from is not None and routing.obsolete_from <= (at or utcnow()):
        return "obsolete"
    return "released"


def usable_now() -> ColumnElement[bool]:
    """Routings a new work order may be released on: published and not (yet) obsolete."""
    return and_(Routing.status != "draft",
                or_(Routing.obsolete_from.is_(None), Routing.obsolete_from > utcnow()))


def _content(cmd: DefineRouting) -> list:
    return [step.model_dump(exclude={"description"}) for step in cmd.operations]


def routing_content(session: Session, routing: Routing) -> list:
    """The stored routing in the shape of `DefineRouting.operations` (for comparison and reads)."""
    from traceability.models import Part

    ops = session.scalars(select(RoutingOperation).where(RoutingOperation.routing_id == routing.id)
                          .order_by(RoutingOperation.sequence)).all()
    op_ids = [o.id for o in ops]
    mats = session.execute(
        select(OperationMaterial, Part.part_number).join(Part, Part.id == OperationMaterial.part_id)
        .where(OperationMaterial.operation_id.in_(op_ids)).order_by(OperationMaterial.id)
    ).all()
    specs = session.scalars(select(ParameterSpec).where(ParameterSpec.operation_id.in_(op_ids))
                            .order_by(ParameterSpec.id)).all()
    out = []
    for o in ops:
        out.append(RoutingStep(
            sequence=o.sequence, code=o.code, station_type=o.station_type,
            allow_repeat=o.allow_repeat,
            materials=[BomLine(part_number=pn, reference_designators=m.reference_designators.split(),
                               quantity=m.quantity) for m, pn in mats if m.operation_id == o.id],
            parameters=[ParameterLimit(name=s.name, unit=s.unit, lsl=s.lsl, target=s.target,
                                       usl=s.usl, required=s.required)
                        for s in specs if s.operation_id == o.id],
        ).model_dump(exclude={"description"}))
    return out
