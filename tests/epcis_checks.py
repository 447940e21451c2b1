"""Focused checks of EPCIS 2.0 JSON-LD documents, written from the standard's text and its JSON
schema's rules (GS1 EPCIS 2.0 §7-§9, CBV 2.0), for when the published schema file is not at
hand; `TRACEBRIDGE_EPCIS_SCHEMA` (a path to EPCIS-JSON-Schema.json) adds the full schema check.

Each check returns problems as "event[i].field: reason" strings; an empty list is a pass.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from integrations.epcis.vocabulary import BIZSTEPS, DISPOSITIONS

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
OFFSET = re.compile(r"^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
UOM = re.compile(r"^[A-Z0-9]{2,3}$")
CBV_NAMESPACES = ("urn:epcglobal:cbv", "https://ns.gs1.org/cbv/", "http://ns.gs1.org/cbv/")
DOCUMENT_KEYS = {"@context", "id", "type", "schemaVersion", "creationDate", "instanceIdentifier", "sender",
                 "receiver", "epcisHeader", "epcisBody"}
COMMON = {"@context", "type", "eventTime", "recordTime", "eventTimeZoneOffset", "eventID",
          "certificationInfo", "errorDeclaration"}
WHAT_WHERE_WHY = {"bizStep", "disposition", "readPoint", "bizLocation", "bizTransactionList", "sourceList",
                  "destinationList", "sensorElementList"}
KEYS = {
    "ObjectEvent": COMMON | WHAT_WHERE_WHY | {"action", "epcList", "quantityList", "persistentDisposition",
                                               "ilmd"},
    "AggregationEvent": COMMON | WHAT_WHERE_WHY | {"parentID", "childEPCs", "childQuantityList", "action"},
    "TransformationEvent": COMMON | WHAT_WHERE_WHY | {"inputEPCList", "inputQuantityList", "outputEPCList",
                                                      "outputQuantityList", "transformationID",
                                                      "persistentDisposition", "ilmd"},
}


def is_uri(value: object) -> bool:
    if not isinstance(value, str) or " " in value:
        return False
    parsed = urlparse(value)
    return bool(parsed.scheme) and bool(parsed.netloc or parsed.path)


def _time(value: object) -> bool:
    if not isinstance(value, str) or not RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _extension(key: str) -> bool:
    """User extensions are namespaced (a compact IRI like tb:operation, or a full URI)."""
    return ":" in key and is_uri(key)


def check_document(doc: dict, *, zone: str = "UTC") -> list[str]:
    out = []
    for key in ("@context", "type", "schemaVersion", "creationDate", "epcisBody"):
        if key not in doc:
            out.append(f"document.{key}: required")
    ctx = doc.get("@context")
    ctx_list = ctx if isinstance(ctx, list) else [ctx]
    if EPCIS_CONTEXT not in ctx_list:
        out.append("document.@context: must include the EPCIS 2.0 context")
    if doc.get("type") != "EPCISDocument":
        out.append("document.type: must be EPCISDocument")
    if not re.match(r"^\d+(\.\d+)*$", str(doc.get("schemaVersion", ""))):
        out.append("document.schemaVersion: not a version")
    if not _time(doc.get("creationDate")):
        out.append("document.creationDate: not an RFC 3339 date-time")
    out += [f"document.{k}: not a document property" for k in doc
            if k not in DOCUMENT_KEYS and not _extension(k)]
    events = doc.get("epcisBody", {}).get("eventList")
    if not isinstance(events, list):
        return [*out, "document.epcisBody.eventList: required list"]
    for i, event in enumerate(events):
        out += [f"event[{i}].{p}" for p in check_event(event, ZoneInfo(zone))]
    return out


def check_event(e: dict, zone: ZoneInfo) -> list[str]:
    out: list[str] = []
    kind = e.get("type")
    if kind not in KEYS:
        return [f"type: {kind!r} is not an event type this export uses"]
    out += [f"{k}: not a property of {kind}" for k in e if k not in KEYS[kind] and not _extension(k)]
    if not _time(e.get("eventTime")):
        out.append("eventTime: required RFC 3339 date-time")
    tzo = e.get("eventTimeZoneOffset")
    if not isinstance(tzo, str) or not OFFSET.match(tzo):
        out.append("eventTimeZoneOffset: required, +hh:mm or -hh:mm")
    elif _time(e.get("eventTime")):
        at = datetime.fromisoformat(e["eventTime"].replace("Z", "+00:00")).astimezone(zone)
        delta = int(at.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
        if tzo != f"{'-' if delta < 0 else '+'}{abs(delta) // 60:02d}:{abs(delta) % 60:02d}":
            out.append(f"eventTimeZoneOffset: {tzo} is not the plant's offset at that time")
    if "eventID" in e and not is_uri(e["eventID"]):
        out.append("eventID: not a URI")
    out += _vocabulary(e)
    for where in ("readPoint", "bizLocation"):
        if where in e and (not isinstance(e[where], dict) or not is_uri(e[where].get("id"))):
            out.append(f"{where}: needs an id URI")
    for key in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        if key in e:
            ids = e[key]
            if not all(is_uri(x) for x in ids):
                out.append(f"{key}: every entry must be a URI")
            if len(set(ids)) != len(ids):
                out.append(f"{key}: entries must be unique")
    for key in ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"):
        for q in e.get(key, []):
            out += _quantity(key, q)
    return out + _shape(kind, e)


def _vocabulary(e: dict) -> list[str]:
    out = []
    for key, terms in (("bizStep", BIZSTEPS), ("disposition", DISPOSITIONS)):
        if key not in e:
            continue
        value = e[key]
        if value not in terms and (not is_uri(value) or value.startswith(CBV_NAMESPACES)):
            out.append(f"{key}: {value!r} is neither a bare CBV 2.0 term nor a non-CBV URI")
    # CBV rules for the steps this export uses (CBV 2.0 §7.2).
    step, action = e.get("bizStep"), e.get("action")
    if step == "commissioning" and action != "ADD":
        out.append("action: commissioning introduces identifiers: ADD")
    if step in ("packing", "loading") and (e["type"], action) != ("AggregationEvent", "ADD"):
        out.append(f"bizStep: {step} is an AggregationEvent ADD")
    if step in ("unpacking", "unloading") and (e["type"], action) != ("AggregationEvent", "DELETE"):
        out.append(f"bizStep: {step} is an AggregationEvent DELETE")
    if e.get("disposition") == "in_transit" and step != "shipping":
        out.append("disposition: in_transit follows shipping")
    return out


def _quantity(key: str, q: dict) -> list[str]:
    out = []
    if set(q) - {"epcClass", "quantity", "uom"}:
        out.append(f"{key}: a quantity element holds only epcClass, quantity, uom")
    if not is_uri(q.get("epcClass")):
        out.append(f"{key}: epcClass must be a URI")
    if "quantity" in q and not isinstance(q["quantity"], int | float):
        out.append(f"{key}: quantity must be a number")
    if "uom" in q and not UOM.match(q["uom"]):
        out.append(f"{key}: uom must be a UN/CEFACT Rec. 20 code")
    if "uom" in q and "quantity" not in q:
        out.append(f"{key}: uom without quantity")
    return out


def _shape(kind: str, e: dict) -> list[str]:
    """The what-dimension each event type must carry."""
    action = e.get("action")
    if kind in ("ObjectEvent", "AggregationEvent") and action not in ("OBSERVE", "ADD", "DELETE"):
        return ["action: OBSERVE, ADD or DELETE"]
    if kind == "ObjectEvent" and not (e.get("epcList") or e.get("quantityList")):
        return ["epcList/quantityList: an ObjectEvent names what it saw"]
    if kind == "AggregationEvent":
        if action in ("ADD", "DELETE") and not is_uri(e.get("parentID")):
            return ["parentID: required for ADD and DELETE"]
        if action == "ADD" and not (e.get("childEPCs") or e.get("childQuantityList")):
            return ["childEPCs: ADD names the children"]
    if kind == "TransformationEvent":
        has_in = bool(e.get("inputEPCList") or e.get("inputQuantityList"))
        has_out = bool(e.get("outputEPCList") or e.get("outputQuantityList"))
        if not ((has_in and has_out) or e.get("transformationID")):
            return ["inputs/outputs: both, or a transformationID"]
    return []
