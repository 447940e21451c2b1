"""One bind parameter for a whole set of keys, on both engines.

A list of keys travels as one array (PostgreSQL `= ANY(:keys)`) or one JSON text (SQLite
`IN (SELECT value FROM json_each(:keys))`): the statement text is the same for 10 keys or
10,000, so it is built and planned once, and it never meets the engines' bind-parameter caps.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Integer, String, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY


def member_of(column, name: str, dialect: str, *, text: bool = False) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    """`column` is one of the keys bound to `name` (pass them through `keys()`)."""
    if dialect == "postgresql":
        return column == func.any(bindparam(name, type_=ARRAY(String if text else Integer)))
    values = func.json_each(bindparam(name, type_=String)).table_valued("value")
    return column.in_(select(values.c.value))


def keys(dialect: str, values: Iterable[object]) -> object:
    """The parameter value for `member_of`: a list for PostgreSQL, a JSON array for SQLite."""
    unique = list(dict.fromkeys(values))
    return unique if dialect == "postgresql" else json.dumps(unique)
