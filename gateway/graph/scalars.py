"""DateTime as strawberry's, except that a refused value raises ValueError, not a GraphQLError:
graphql-core then reports it against the argument's node, so the answer can name the argument."""

from __future__ import annotations

from datetime import datetime

from strawberry.types.scalar import ScalarDefinition


def _parse(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 date-time string, e.g. 2026-11-02T06:00:00Z")
    return datetime.fromisoformat(value)  # Python 3.11+: the ISO 8601 forms, 'Z' included


DATETIME = ScalarDefinition(name="DateTime", description="Date with time (isoformat)", specified_by_url=None,
                            serialize=datetime.isoformat, parse_value=_parse, parse_literal=None,
                            origin=datetime)
