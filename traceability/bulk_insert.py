"""Multi-row inserts of plain rows for the batch writers (installations, units), without the ORM.

On PostgreSQL a large batch goes through COPY (psycopg 3's `cursor.copy`) on the session's own
connection, so it stays inside the caller's transaction; a small one, and every batch on SQLite,
is one `executemany`. Values go through the columns' own bind processors (UTC timestamps, SQLite
date strings) exactly as a Core insert would convert them, so the stored values do not depend on
the path; Python-side column defaults are filled in the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from traceability.models.history import sqlite_recording_number

# Below this many rows a COPY's own round trips cost more than the executemany they replace.
COPY_FROM = 500


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in the session's transaction."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    if dialect.name == "postgresql" and len(rows) < COPY_FROM:
        session.execute(insert(table), rows)  # Core executemany (psycopg pipelines it)
        return
    given = list(rows[0])
    # The recording number (models/history.py): on SQLite the transaction's, sent with the rows as
    # the column's own default would; on PostgreSQL the trigger writes it.
    numbered = "recorded_seq" in table.c and "recorded_seq" not in rows[0]
    computed = [c.key for c in table.columns if c.key not in rows[0] and c.key != "recorded_seq"
                and c.default is not None and not c.default.is_scalar]
    if computed:  # e.g. a timestamp's utcnow(): computed once by the caller for the batch
        raise ValueError(f"insert_rows into {table.name}: give {', '.join(computed)} (computed defaults)")
    defaults = {c.key: c.default.arg for c in table.columns
                if c.key not in rows[0] and c.default is not None and c.default.is_scalar}
    if numbered and dialect.name == "sqlite":
        defaults["recorded_seq"] = sqlite_recording_number(conn)
    # The dialect's own type (e.g. SQLite's DATETIME, which writes the date string), as Core uses it.
    processors = {n: p for n in [*given, *defaults]
                  if (p := table.c[n].type.dialect_impl(dialect).bind_processor(dialect))}
    fixed = tuple(processors[n](v) if n in processors and v is not None else v for n, v in defaults.items())
    names = given + list(defaults)
    # Only the columns with a processor (timestamps) are touched per row; the rest pass as is.
    pick = itemgetter(*given) if len(given) > 1 else (lambda r: (r[given[0]],))
    convert = [(i, _converter(processors[n])) for i, n in enumerate(given) if n in processors]

    def value(r: dict[str, Any]) -> tuple:
        v = pick(r)
        if convert:
            v = list(v)
            for i, f in convert:
                v[i] = f(v[i])
        return (*v, *fixed)

    values = map(value, rows)
    if dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        with driver.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for v in values:
                copy.write_row(v)
        return
    marks = ", ".join("?" for _ in names)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", list(values))


def _converter(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The column's bind processor, remembered per value: a batch repeats few timestamps."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return seen[value]
        except KeyError:
            out = seen[value] = process(value)
            return out
        except TypeError:  # unhashable
            return process(value)

    return convert
