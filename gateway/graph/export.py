"""The schema as SDL: what `tracebridge graphql schema` writes to graphql/schema.graphql."""

from __future__ import annotations

from pathlib import Path

from gateway.events.graph import Subscription
from gateway.graph.schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"


def sdl() -> str:
    return build_schema(subscription=Subscription).as_str() + "\n"


def write(path: Path = SCHEMA_FILE) -> bool:
    """Write the SDL to `path`; True when the file changed."""
    text = sdl()
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True
