"""Facts -> EPCIS 2.0 events (JSON-LD objects), one mapping per kind of fact.

- operation / inspection -> ObjectEvent OBSERVE (bizStep per operation, disposition per result,
  readPoint = station, bizLocation = line, process values and measurements as sensor reports)
- serials registered -> ObjectEvent ADD, bizStep commissioning
- components installed -> TransformationEvent (input lots and units -> the unit, and the boards
  that inherit a panel's record); which designator each input went to is in `tb:placements`
- rework removal -> ObjectEvent OBSERVE, bizStep removing, linked to the TransformationEvent
- a sublot split from a lot -> TransformationEvent (lot -> sublot), bizStep repackaging
- packing / unpacking -> AggregationEvent ADD / DELETE (packing, or loading into a shipment)
- a shipment leaving -> ObjectEvent OBSERVE, bizStep shipping, disposition in_transit

Event ids are `urn:uuid:` UUIDv5 of the fact's identity, so re-exports repeat them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from integrations.epcis.identifiers import Identifiers
from integrations.epcis.settings import EpcisSettings
from integrations.epcis.vocabulary import MEASUREMENTS, QUANTITY_UOM, RESULT_DISPOSITION
from traceability.history.facts import (
    Commissioned,
    Fact,
    Input,
    Installed,
    LotRef,
    LotSplit,
    OperationDone,
    Packed,
    Removed,
    Shipped,
    Unpacked,
)

NS = uuid.UUID("5b0d6a8e-3c1f-4d55-9a51-2f7c0e0b6a11")  # TraceBridge's namespace for event ids


def epcis_time(at: datetime) -> str:
    """UTC with milliseconds and Z, as the standard's examples write it."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def offset(at: datetime, zone: ZoneInfo) -> str:
    delta = at.astimezone(zone).utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class EventWriter:
    def __init__(self, settings: EpcisSettings) -> None:
        self.ids = Identifiers(settings.id_base, settings.digital_link_base)
        self.zone = ZoneInfo(settings.time_zone)
        self.bizsteps = settings.bizsteps
        self.plant = settings.id_base
        self.ns = settings.extension_namespace + "/"

    def event(self, fact: Fact) -> dict:
        body = self._body(fact)
        return {"type": body.pop("type"), "eventID": self.event_id(fact.identity),
                "eventTime": epcis_time(fact.at), "eventTimeZoneOffset": offset(fact.at, self.zone), **body}

    def event_id(self, identity: str) -> str:
        return f"urn:uuid:{uuid.uuid5(NS, f'{self.plant}|{identity}')}"

    def _body(self, f: Fact) -> dict:
        if isinstance(f, OperationDone):
            return self._operation(f)
        if isinstance(f, Installed):
            return self._installed(f)
        if isinstance(f, Removed):
            return self._removed(f)
        if isinstance(f, Commissioned):
            return {"type": "ObjectEvent", "action": "ADD", "epcList": [self.ids.unit(u) for u in f.units],
                    "bizStep": "commissioning", "disposition": "active",
                    **self._where(None, f.line), **_ext(workOrder=f.work_order)}
        if isinstance(f, LotSplit):
            return {"type": "TransformationEvent",
                    "inputQuantityList": [self._quantity(f.source, f.quantity)],
                    "outputQuantityList": [self._quantity(f.lot, f.quantity)],
                    "bizStep": "repackaging", "disposition": "active"}
        if isinstance(f, Packed):
            return self._aggregation(f)
        if isinstance(f, Shipped):
            return {"type": "ObjectEvent", "action": "OBSERVE", "epcList": [self.ids.container(f.container)],
                    "bizStep": "shipping", "disposition": "in_transit",
                    **_ext(customer=f.customer, destination=f.destination)}
        raise TypeError(f"no EPCIS mapping for {type(f).__name__}")

    def _where(self, station: str | None, line: str | None) -> dict:
        out = {}
        if station:
            out["readPoint"] = {"id": self.ids.station(station)}
        if line:
            out["bizLocation"] = {"id": self.ids.line(line)}
        return out

    def _quantity(self, lot: LotRef, quantity: float) -> dict:
        q: dict = {"epcClass": self.ids.lot(lot), "quantity": quantity}
        uom = QUANTITY_UOM.get(lot.unit_of_measure.upper())
        if uom:
            q["uom"] = uom
        return q

    def _input_id(self, i: Input) -> str:
        if i.unit is not None:
            return self.ids.unit(i.unit)
        return self.ids.lot(i.lot) if i.lot is not None else ""

    def _operation(self, f: OperationDone) -> dict:
        step = self.bizsteps.get(f.operation.upper(), "inspecting" if f.tests else "other")
        out: dict = {"type": "ObjectEvent", "action": "OBSERVE",
                     "epcList": [self.ids.unit(u) for u in f.units], "bizStep": step,
                     "disposition": RESULT_DISPOSITION.get(f.result, "unknown"),
                     **self._where(f.station, f.line)}
        reports = [self._report(p.name, p.value, p.unit, p.recorded_at) for p in f.parameters]
        reports += [self._report(t.name, t.measured, t.unit, None) for t in f.tests if t.measured is not None]
        if reports:
            out["sensorElementList"] = [{"sensorReport": reports}]
        tests = [_ext(name=t.name, kind=t.kind, result=t.result, measured=t.measured, unit=t.unit or None,
                      defectCode=t.defect_code, referenceDesignator=t.reference_designator) for t in f.tests]
        return out | _ext(operation=f.operation, result=f.result, operator=f.operator,
                          startTime=epcis_time(f.started_at), workOrder=f.work_order, tests=tests or None)

    def _report(self, name: str, value: float | None, unit: str, at: datetime | None) -> dict:
        kind = MEASUREMENTS.get(unit)
        report: dict = {"type": kind[0] if kind else f"{self.ns}parameter/{quote(name, safe='')}",
                        "value": value}
        if kind:
            report["uom"] = kind[1]
        if at is not None:
            report["time"] = epcis_time(at)
        return report | _ext(parameter=name, unit=unit or None)

    def _installed(self, f: Installed) -> dict:
        units = [i for i in f.inputs if i.unit is not None]
        lots: dict[str, float] = {}
        lot_refs: dict[str, LotRef] = {}
        for i in f.inputs:
            if i.lot is not None:
                lots[i.lot.code] = lots.get(i.lot.code, 0) + i.quantity
                lot_refs[i.lot.code] = i.lot
        out: dict = {"type": "TransformationEvent"}
        if units:
            out["inputEPCList"] = list(dict.fromkeys(self.ids.unit(i.unit) for i in units if i.unit))
        if lots:
            out["inputQuantityList"] = [self._quantity(lot_refs[c], q) for c, q in lots.items()]
        out["outputEPCList"] = [self.ids.unit(u) for u in f.outputs]
        step = "repairing" if (f.operation or "").upper() in ("REWORK", "REPAIR") else "assembling"
        placements = [_ext(input=self._input_id(i), referenceDesignator=i.reference_designator,
                           quantity=i.quantity, attribution=i.attribution) for i in f.inputs]
        return out | {"bizStep": step, "disposition": "in_progress", **self._where(f.station, f.line)} | _ext(
            operation=f.operation, placements=placements)

    def _removed(self, f: Removed) -> dict:
        i = f.input
        out: dict = {"type": "ObjectEvent", "action": "OBSERVE"}
        if i.unit is not None:
            out["epcList"] = [self.ids.unit(i.unit)]
        elif i.lot is not None:
            out["quantityList"] = [self._quantity(i.lot, i.quantity)]
        return out | {"bizStep": "removing"} | _ext(
            removedFrom=[self.ids.unit(u) for u in f.outputs], transformationEvent=self.event_id(f.installed),
            referenceDesignator=i.reference_designator, reason=f.reason)

    def _aggregation(self, f: Packed) -> dict:
        unpack = isinstance(f, Unpacked)
        shipment = f.container.kind == "shipment"
        step = {(False, False): "packing", (False, True): "loading", (True, False): "unpacking",
                (True, True): "unloading"}[(unpack, shipment)]
        children = [*(self.ids.unit(u) for u in f.units), *(self.ids.container(c) for c in f.containers)]
        return {"type": "AggregationEvent", "action": "DELETE" if unpack else "ADD",
                "parentID": self.ids.container(f.container), "childEPCs": children,
                "bizStep": step, "disposition": "in_progress"} | _ext(containerKind=f.container.kind)


def _ext(**fields: object) -> dict:
    """TraceBridge extension fields (prefix tb:), leaving out what is unknown."""
    return {f"tb:{k}": v for k, v in fields.items() if v is not None}
