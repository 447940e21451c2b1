"""EPCIS 2.0 documents: one page of events in an EPCISDocument, and the opaque page token."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from integrations.epcis.events import EventWriter, epcis_time
from traceability.errors import Invalid
from traceability.history import Cursor
from traceability.history.facts import Fact
from traceability.types import utcnow

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def document(writer: EventWriter, facts: list[Fact], extension_namespace: str) -> dict:
    return epcis_document([writer.event(f) for f in facts], extension_namespace)


def epcis_document(events: list[dict], extension_namespace: str) -> dict:
    return {
        "@context": [EPCIS_CONTEXT, {"tb": extension_namespace + "/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": epcis_time(utcnow()),
        "epcisBody": {"eventList": events},
    }


def encode_token(cursor: Cursor) -> str:
    at, rank, key = cursor
    raw = json.dumps([at.isoformat(), rank, key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> Cursor:
    try:
        at, rank, key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        cursor = (datetime.fromisoformat(at), int(rank), int(key))
    except (ValueError, TypeError) as exc:
        raise Invalid("nextPageToken", "not a token this service issued") from exc
    if cursor[0].tzinfo is None:
        raise Invalid("nextPageToken", "not a token this service issued")
    return cursor
