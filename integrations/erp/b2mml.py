"""The ERP boundary's vocabulary: ISA-95 / B2MML production orders, and their mapping to the store.

One translation for every way a work order arrives (REST JSON, SOAP XML, the pulled ERP list):
each adapter turns its payload into a `ProductionOrder`, and `to_command` makes the domain command.
Refusals are renamed back to these field names so the ERP reads its own vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from integrations.field_names import renamed
from traceability.commands import ChangeWorkOrderStatus, SyncWorkOrder
from traceability.errors import DomainError, Invalid

SOURCE_SYSTEM = "erp"  # work orders from here are confirmed back (traceability/confirmations.py)

RequestState = Literal["Planned", "Released", "InProgress", "Completed", "Closed", "Cancelled"]
STATUS: dict[str, str] = {"Planned": "planned", "Released": "released", "InProgress": "in_progress",
                          "Completed": "completed", "Closed": "closed", "Cancelled": "cancelled"}
REQUEST_STATE = {v: k for k, v in STATUS.items()}

# Domain field -> B2MML field, for refusals.
FIELD_NAMES = {"number": "ID", "part_number": "MaterialDefinitionID",
               "part_revision": "MaterialDefinitionRevision", "quantity": "Quantity.QuantityString",
               "routing_revision": "OperationsDefinitionVersion", "status": "RequestState",
               "due_date": "EndTime", "line": "EquipmentID", "version": "Version",
               "reason": "Reason"}


class B2mml(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Quantity(B2mml):
    QuantityString: Decimal = Field(gt=0, max_digits=18, decimal_places=6)
    UnitOfMeasure: str | None = Field(default=None, max_length=16)


class ProductionOrder(B2mml):
    """A production order as the ERP sends it (B2MML field names)."""

    ID: str | None = Field(default=None, min_length=1, max_length=64,
                           description="Work order number (REST: optional, must equal the path)")
    Version: int | None = Field(default=None, ge=0, description="The ERP's version of this order")
    MaterialDefinitionID: str = Field(min_length=1, max_length=64, description="Part number")
    MaterialDefinitionRevision: str | None = Field(default=None, max_length=16)
    Quantity: Quantity
    OperationsDefinitionVersion: str | None = Field(default=None, max_length=16,
                                                    description="Routing revision")
    EndTime: date | None = Field(default=None, description="Due date")
    RequestState: RequestState = "Planned"
    EquipmentID: str | None = Field(default=None, max_length=64, description="Line")

    def to_command(self, number: str | None = None) -> SyncWorkOrder:
        if number is not None and self.ID is not None and number != self.ID:
            raise Invalid("ID", f"the body names work order {self.ID!r}, the address {number!r}")
        wo = number or self.ID
        if not wo:
            raise Invalid("ID", "required")
        with b2mml_fields():
            return SyncWorkOrder(
                number=wo, part_number=self.MaterialDefinitionID,
                part_revision=self.MaterialDefinitionRevision,
                quantity=float(self.Quantity.QuantityString),
                routing_revision=self.OperationsDefinitionVersion, status=STATUS[self.RequestState],
                due_date=self.EndTime, line=self.EquipmentID, source_system=SOURCE_SYSTEM,
                version=self.Version)


class WorkOrderResult(B2mml):
    """The answer to a change: where the order stands now."""

    ID: str
    RequestState: RequestState
    Version: int = Field(description="The ERP version stored")
    Revision: int = Field(description="TraceBridge's revision, bumped on every change")
    Replayed: bool | None = Field(default=None, description="A resend: the first answer again")
    Ignored: str | None = Field(default=None, description="Why nothing changed (an older Version)")


class WorkOrderView(B2mml):
    ProductionOrder: ProductionOrder
    Revision: int
    UpdatedAt: datetime


def status_change(number: str, state: str, reason: str = "") -> ChangeWorkOrderStatus:
    with b2mml_fields():
        return ChangeWorkOrderStatus(number=number, status=STATUS[state], reason=reason)


def result(answer: dict[str, Any]) -> WorkOrderResult:
    return WorkOrderResult(ID=answer["number"], RequestState=REQUEST_STATE[answer["status"]],
                           Version=answer["external_version"], Revision=answer["version"],
                           Replayed=answer.get("replayed"), Ignored=answer.get("ignored"))


def view(wo: dict[str, Any]) -> WorkOrderView:
    return WorkOrderView(
        ProductionOrder=ProductionOrder(
            ID=wo["number"], Version=wo["external_version"], MaterialDefinitionID=wo["part_number"],
            MaterialDefinitionRevision=wo["part_revision"],
            Quantity=Quantity(QuantityString=Decimal(str(wo["quantity"])),
                              UnitOfMeasure=wo["unit_of_measure"]),
            OperationsDefinitionVersion=wo["routing_revision"], EndTime=wo["due_date"],
            RequestState=REQUEST_STATE[wo["status"]], EquipmentID=wo["line"]),
        Revision=wo["version"], UpdatedAt=wo["updated_at"])


@contextmanager
def b2mml_fields() -> Iterator[None]:
    """A refusal from inside, its field renamed to the B2MML name the ERP sent."""
    try:
        yield
    except DomainError as exc:
        raise renamed(exc, FIELD_NAMES) from exc
