"""What each event type's `data` holds: one pydantic model per type, documentation and contract.

Many payloads are the command that caused them (`lot.received` carries the `ReceiveLot`); the rest
are written out here. docs/events/ holds the JSON Schema generated from these models
(`python -m gateway.events.schemas`), and a test checks that what commands really emit validates
against them, so the documentation cannot drift from the code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from traceability.commands import (
    DefinePart,
    DefineRouting,
    Depanelize,
    IssueLot,
    LoadMaterial,
    ObsoleteRouting,
    PlaceHold,
    ReceiveLot,
    RemoveComponent,
    Sample,
    Ship,
    SyncWorkOrder,
    UnloadMaterial,
    Unpack,
)


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitsRegistered(Payload):
    serials: list[str]
    work_order: str | None


class UnitCompleted(Payload):
    serial: str
    operation: str
    station: str
    result: Literal["pass", "fail", "scrapped", "aborted"]
    completed_at: datetime
    work_order: str | None = None
    line: str | None = Field(default=None, description="the work order's line")
    work_order_id: int | None = Field(default=None, description="internal key; prefer work_order")


class Held(PlaceHold):
    hold_id: int


class HoldReleased(Payload):
    hold_id: int
    target_kind: Literal["unit", "lot", "work_order", "container"]
    target: str
    reason: str
    by: str


class ComponentsInstalled(Payload):
    parent_serial: str
    station: str | None
    operation: str | None
    count: int
    installed_at: datetime


class LotSplit(Payload):
    lot: str
    new_lot: str
    quantity: float


class LotIssued(IssueLot):
    from_: str | None = Field(alias="from", description="where the lot was before")


class StatusChanged(Payload):
    status: str
    from_: str = Field(alias="from")
    reason: str


class LotStatus(StatusChanged):
    lot: str
    status: Literal["released", "quarantined", "consumed"]


class WorkOrderStatus(StatusChanged):
    number: str


class WorkOrderProgress(Payload):
    number: str
    line: str | None
    operation: str
    station: str
    serial: str = Field(description="the unit whose completion moved the counters")
    result: Literal["pass", "fail", "scrapped", "aborted"]
    passed: int = Field(description="distinct units of the order that passed the operation")
    failed: int = Field(description="failed attempts at the operation")
    quantity: float


class ContainerPacked(Payload):
    container: str
    kind: Literal["box", "pallet", "shipment"]
    count: int


class DeviceChanged(Payload):
    source: str
    kind: str
    status: Literal["connected", "lost"]
    error: str | None
    station: str | None


class ProcessSampled(Payload):
    station: str
    source: str
    device: str | None
    recorded_at: datetime
    serial: str | None
    samples: list[Sample]


class MessageDeadLettered(Payload):
    id: int = Field(description="the parked row: GET /api/v1/dead-letters, POST …/{id}/requeue")
    kind: str
    source: str
    message_id: str
    message_name: str
    reason: str | None
    field: str | None = Field(description="the message field refused, when one is to blame")
    attempts: int = Field(description="deliveries of this message so far")


# quality/ (a sibling domain package) emits these; described here so the catalog is complete
# without traceability importing quality.
class ShipmentInScope(Payload):
    shipment: str
    customer: str | None
    shipped_at: datetime | None
    serials: list[str]


class ContainmentOpened(Payload):
    case: str
    kind: str = Field(description="what started it: a suspect lot or a station's time window")
    reason: str
    by: str
    lot: str | None
    station: str | None
    held: int = Field(description="units put on hold (still in the plant)")
    serials_held: list[str]
    shipments: list[ShipmentInScope] = Field(description="suspect units already shipped, by shipment")


class ContainmentReleased(Payload):
    case: str
    by: str
    released_at: datetime
    holds: int = Field(description="holds of the case released")


class ChartDefined(Payload):
    model_config = ConfigDict(extra="allow")  # the definition and its computed limits

    code: str
    station: str
    parameter: str
    kind: Literal["imr", "xbar_r"]
    center: float | None
    ucl: float | None
    lcl: float | None


class AlarmSample(Payload):
    id: int
    value: float
    recorded_at: datetime
    model_config = ConfigDict(extra="allow")


class SpcAlarm(Payload):
    alarm_id: int
    chart: str
    station: str
    parameter: str
    rule: str = Field(description="the rule broken: a Western Electric / Nelson number or out-of-spec")
    message: str
    samples: list[AlarmSample] = Field(description="the points that broke the rule")


class AlarmAcknowledged(Payload):
    alarm_id: int
    by: str


PAYLOADS: dict[str, type[BaseModel]] = {
    "unit.registered": UnitsRegistered,
    "unit.completed": UnitCompleted,
    "panel.depanelized": Depanelize,
    "components.installed": ComponentsInstalled,
    "component.removed": RemoveComponent,
    "lot.received": ReceiveLot,
    "lot.split": LotSplit,
    "lot.status": LotStatus,
    "lot.issued": LotIssued,
    "material.loaded": LoadMaterial,
    "material.spliced": LoadMaterial,
    "material.unloaded": UnloadMaterial,
    "part.defined": DefinePart,
    "routing.published": DefineRouting,
    "routing.obsoleted": ObsoleteRouting,
    "workorder.created": SyncWorkOrder,
    "workorder.updated": SyncWorkOrder,
    "workorder.status": WorkOrderStatus,
    "workorder.progress": WorkOrderProgress,
    "container.packed": ContainerPacked,
    "container.unpacked": Unpack,
    "shipment.shipped": Ship,
    "device.connected": DeviceChanged,
    "device.lost": DeviceChanged,
    "process.sampled": ProcessSampled,
    "message.deadlettered": MessageDeadLettered,
    "containment.opened": ContainmentOpened,
    "containment.released": ContainmentReleased,
    "spc.chart_defined": ChartDefined,
    "spc.alarm": SpcAlarm,
    "spc.alarm_acknowledged": AlarmAcknowledged,
    **{f"{kind}.held": Held for kind in ("unit", "lot", "workorder", "container")},
    **{f"{kind}.released": HoldReleased for kind in ("unit", "lot", "workorder", "container")},
}
