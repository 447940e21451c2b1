"""The one way to change the store: a typed command, its handler, run once per message id.

Adapters build a command from their protocol's payload and call `execute`; the caller's unit of
work commits. `execute` records the message id so a resend changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from traceability import actor as acting
from traceability import audit
from traceability.commands.base import Command
from traceability.commands.devices import ReportDeviceStatus, report_device_status
from traceability.commands.holds import PlaceHold, ReleaseHold, place_hold, release_hold
from traceability.commands.installations import (
    InstallComponents,
    InstalledItem,
    RemoveComponent,
    install_components,
    remove_component,
)
from traceability.commands.materials import (
    ChangeLotStatus,
    DefinePart,
    IssueLot,
    LoadMaterial,
    ReceiveLot,
    SplitLot,
    UnloadMaterial,
    change_lot_status,
    define_part,
    issue_lot,
    load_material,
    receive_lot,
    split_lot,
    unload_material,
)
from traceability.commands.operations import (
    Measurement,
    ParameterValue,
    RecordOperation,
    record_operation,
)
from traceability.commands.packing import Pack, PackedItem, Ship, Unpack, pack, ship, unpack
from traceability.commands.routing import (
    BomLine,
    DefineRouting,
    ObsoleteRouting,
    ParameterLimit,
    RoutingStep,
    define_routing,
    obsolete_routing,
)
from traceability.commands.samples import RecordSamples, Sample, record_samples
from traceability.commands.units import (
    Board,
    Depanelize,
    NewUnit,
    RegisterUnits,
    depanelize,
    register_units,
)
from traceability.commands.work_orders import (
    ChangeWorkOrderStatus,
    SyncWorkOrder,
    change_work_order_status,
    sync_work_order,
)
from traceability.idempotency import once, payload_hash

Handler = Callable[[Session, Any], dict]

HANDLERS: dict[type[Command], Handler] = {
    DefinePart: define_part,
    ReceiveLot: receive_lot,
    SplitLot: split_lot,
    ChangeLotStatus: change_lot_status,
    IssueLot: issue_lot,
    LoadMaterial: load_material,
    UnloadMaterial: unload_material,
    DefineRouting: define_routing,
    ObsoleteRouting: obsolete_routing,
    SyncWorkOrder: sync_work_order,
    ChangeWorkOrderStatus: change_work_order_status,
    RegisterUnits: register_units,
    Depanelize: depanelize,
    RecordOperation: record_operation,
    InstallComponents: install_components,
    RemoveComponent: remove_component,
    Pack: pack,
    Unpack: unpack,
    Ship: ship,
    PlaceHold: place_hold,
    ReportDeviceStatus: report_device_status,
    ReleaseHold: release_hold,
    RecordSamples: record_samples,
}


def register(command: type[Command], handler: Handler) -> None:
    """Sibling domain packages (quality, ...) add their commands here at import."""
    HANDLERS[command] = handler


def execute(
    session: Session, cmd: Command, *, source: str = "local", message_id: str | None = None,
    actor: str | None = None,
) -> dict:
    """Run one command in the caller's transaction; a repeated (source, message_id) is a no-op.

    A command that runs leaves an audit entry (who, what, from where) in the same transaction;
    who is `actor`, else whoever `traceability.actor` says is acting (the authenticated caller of
    a request), else "system".
    """
    handler = HANDLERS[type(cmd)]
    actor = actor or acting.current()
    name, payload = type(cmd).__name__, cmd.model_dump(mode="json")

    def run() -> dict:
        answer = handler(session, cmd)
        audit.record(session, actor=actor, command=name, target=audit.target_of(cmd), source=source,
                     message_id=message_id, payload_hash=payload_hash(payload))
        return answer

    return once(session, source=source, message_id=message_id, command=name, payload=payload, run=run)


__all__ = [
    "HANDLERS", "Board", "BomLine", "ChangeLotStatus", "ChangeWorkOrderStatus", "Command",
    "DefinePart", "DefineRouting", "Depanelize", "InstallComponents", "InstalledItem", "IssueLot",
    "LoadMaterial", "Measurement", "NewUnit", "ObsoleteRouting", "Pack", "PackedItem",
    "ParameterLimit", "ParameterValue", "PlaceHold", "ReceiveLot", "RecordOperation", "RecordSamples",
    "RegisterUnits", "ReleaseHold", "RemoveComponent", "ReportDeviceStatus", "RoutingStep", "Sample",
    "Ship", "SplitLot",
    "SyncWorkOrder", "UnloadMaterial", "Unpack", "execute", "register",
]
