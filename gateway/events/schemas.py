"""JSON Schema per event type and version, generated from the catalog and the payload models.

`python -m gateway.events.schemas` writes docs/events/<type>.v<version>.json; a test fails when
a file is missing or stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from traceability.event_payloads import PAYLOADS
from traceability.events import CATALOG, EventType

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events"


def dataschema(name: str, version: int) -> str:
    return f"urn:tracebridge:events:{name}:v{version}"


def schema_for(event: EventType) -> dict[str, Any]:
    data = PAYLOADS[event.name].model_json_schema(by_alias=True)
    defs = data.pop("$defs", {})
    text = {"type": "string"}
    out: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": dataschema(event.name, event.version),
        "title": event.name,
        "description": f"{event.summary}. CloudEvents 1.0 envelope; `data` is version {event.version}.",
        "type": "object",
        "required": ["specversion", "id", "source", "type", "time", "subject", "sequence", "aggregate",
                     "dataschema", "datacontenttype", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {**text, "format": "uuid", "description": "unique per event; a redelivery keeps it"},
            "source": {**text, "format": "uri-reference"},
            "type": {"const": event.name, "description": "also the AMQP routing key"},
            "time": {**text, "format": "date-time", "description": "when the change was recorded (UTC)"},
            "subject": {**text, "description": f"the {event.aggregate.replace('_', ' ')} concerned"},
            "sequence": {"type": "integer", "minimum": 1,
                         "description": "per aggregate (aggregate + subject), from 1, without gaps"},
            "aggregate": {"const": event.aggregate},
            "dataschema": {"const": dataschema(event.name, event.version)},
            "datacontenttype": {"const": "application/json"},
            "line": {**text, "description": "the line, when the payload names one"},
            "station": {**text, "description": "the station, when the payload names one"},
            "data": data,
        },
    }
    if defs:
        out["$defs"] = defs
    return out


def files() -> dict[Path, str]:
    return {DOCS / f"{e.name}.v{e.version}.json": json.dumps(schema_for(e), indent=2) + "\n"
            for e in CATALOG.values()}


def write() -> int:
    """Write every schema; returns how many files changed."""
    DOCS.mkdir(parents=True, exist_ok=True)
    changed = 0
    for path, text in files().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed += 1
    return changed


if __name__ == "__main__":
    print(f"{write()} schema file(s) written to {DOCS}")
