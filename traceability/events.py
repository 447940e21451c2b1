"""The event catalog: every event type the domain writes to the outbox, with its payload version.

A type is `<aggregate>.<past tense>` (`unit.completed`, `lot.held`); it is also the routing key on
the exchange. `version` counts incompatible payload changes: a consumer reads it from the envelope
(`dataschema` ends in `/v<version>`) and the JSON Schema of each version lives in docs/events/.
Adding a field keeps the version; renaming or removing one bumps it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    aggregate: str  # what `subject` names: a serial, a lot code, a work order number ...
    summary: str
    alarm: bool = False  # shown by the `alarms` subscription


_TYPES = [
    EventType("unit.registered", 1, "work_order", "serials registered (a batch), by work order"),
    EventType("unit.completed", 1, "unit", "a unit finished an operation at a station, with its result"),
    EventType("unit.held", 1, "unit", "a unit was put on hold", alarm=True),
    EventType("unit.released", 1, "unit", "a hold on a unit was released"),
    EventType("panel.depanelized", 1, "unit", "a panel was cut into its boards"),
    EventType("components.installed", 1, "unit", "component lots installed into a unit"),
    EventType("component.removed", 1, "unit", "a component was removed from a unit (rework)"),
    EventType("lot.received", 1, "lot", "a material lot arrived"),
    EventType("lot.split", 1, "lot", "a sublot (reel, tray) was taken from a lot"),
    EventType("lot.status", 1, "lot", "a lot's status changed (released, quarantined, consumed)"),
    EventType("lot.issued", 1, "lot", "a lot was moved to a line or station (WMS issue)"),
    EventType("lot.held", 1, "lot", "a lot was put on hold", alarm=True),
    EventType("lot.released", 1, "lot", "a hold on a lot was released"),
    EventType("material.loaded", 1, "station", "a lot was loaded at a station location"),
    EventType("material.spliced", 1, "station", "a lot was spliced behind the running one"),
    EventType("material.unloaded", 1, "station", "a station location was emptied"),
    EventType("part.defined", 1, "part", "a material definition was created or changed"),
    EventType("routing.published", 1, "routing", "a routing revision was published"),
    EventType("routing.obsoleted", 1, "routing", "a routing revision was made obsolete"),
    EventType("workorder.created", 1, "work_order", "a work order arrived from ERP"),
    EventType("workorder.updated", 1, "work_order", "a work order was changed by ERP"),
    EventType("workorder.status", 1, "work_order", "a work order's status changed"),
    EventType("workorder.progress", 1, "work_order", "a unit of the order passed or failed an operation"),
    EventType("workorder.held", 1, "work_order", "a work order was put on hold", alarm=True),
    EventType("workorder.released", 1, "work_order", "a hold on a work order was released"),
    EventType("container.packed", 1, "container", "items were packed into a box, pallet or shipment"),
    EventType("container.unpacked", 1, "container", "items were taken out of a container"),
    EventType("container.held", 1, "container", "a container was put on hold", alarm=True),
    EventType("container.released", 1, "container", "a hold on a container was released"),
    EventType("shipment.shipped", 1, "container", "a shipment left the plant"),
    EventType("device.connected", 1, "device", "a machine or PLC became reachable"),
    EventType("device.lost", 1, "device", "a machine or PLC stopped answering", alarm=True),
    EventType("process.sampled", 1, "station", "process values were sampled at a station"),
    EventType("message.deadlettered", 1, "device", "a device message was refused and kept aside",
              alarm=True),
    EventType("containment.opened", 1, "containment", "a containment case held a suspect scope", alarm=True),
    EventType("containment.released", 1, "containment", "a containment case and its holds were released"),
    EventType("spc.chart_defined", 1, "control_chart", "a control chart's limits were set"),
    EventType("spc.alarm", 1, "control_chart", "a control chart rule was broken", alarm=True),
    EventType("spc.alarm_acknowledged", 1, "spc_alarm", "someone acknowledged an SPC alarm"),
]

CATALOG: dict[str, EventType] = {t.name: t for t in _TYPES}

# Types sibling packages add later are alarms when their name says so, even before they have a
# catalog entry.
_ALARM_PREFIXES = ("spc.", "containment.")
_ALARM_SUFFIXES = (".held", ".lost", ".deadlettered", ".alarm")


def version_of(name: str) -> int:
    """The payload version written with an event; a type not in the catalog is at version 1."""
    known = CATALOG.get(name)
    return known.version if known else 1


def is_alarm(name: str) -> bool:
    known = CATALOG.get(name)
    if known is not None:
        return known.alarm
    return name.startswith(_ALARM_PREFIXES) or name.endswith(_ALARM_SUFFIXES)


def hold_event(target_kind: str, what: str) -> str:
    """`work_order` holds are `workorder.held`, like every other work order event."""
    return f"{target_kind.replace('_', '')}.{what}"
