"""The store's tables (SQLModel). Importing this package registers every table on the metadata."""

from traceability.models.device_messages import DeviceMessage
from traceability.models.devices import DeviceStatus
from traceability.models.equipment import Equipment
from traceability.models.governance import ApiKey, AuditEntry
from traceability.models.history import HistoryClock, HistoryCursor
from traceability.models.holds import Hold
from traceability.models.materials import MaterialLoad, MaterialLot, Part
from traceability.models.messaging import AggregateSequence, InboundMessage, OutboxEvent
from traceability.models.packing import Container, ContainerItem
from traceability.models.production import (
    ComponentInstallation,
    ProcessParameter,
    TestResult,
    Unit,
    UnitOperation,
    WorkOrder,
)
from traceability.models.progress import WorkOrderProgress
from traceability.models.routing import OperationMaterial, ParameterSpec, Routing, RoutingOperation

__all__ = [
    "AggregateSequence",
    "ApiKey",
    "AuditEntry",
    "ComponentInstallation",
    "Container",
    "ContainerItem",
    "DeviceMessage",
    "DeviceStatus",
    "Equipment",
    "HistoryClock",
    "HistoryCursor",
    "Hold",
    "InboundMessage",
    "MaterialLoad",
    "MaterialLot",
    "OperationMaterial",
    "OutboxEvent",
    "ParameterSpec",
    "Part",
    "ProcessParameter",
    "Routing",
    "RoutingOperation",
    "TestResult",
    "Unit",
    "UnitOperation",
    "WorkOrder",
    "WorkOrderProgress",
]
