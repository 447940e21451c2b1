"""Multi-row inserts of plain rows for the batch writers (installations, units), without the ORM.

On PostgreSQL a large batch goes through COPY (psycopg 3's `cursor.copy`) on the session's own
connection, so it stays inside the caller's transaction; a small one, and every batch on SQLite,
is one `executemany`. Values go through the columns' own bind processors (UTC timestamps, SQLite
date strings) exactly as a Core insert would convert them, so the stored values do not depend on
the path; Python-side column defaults are filled in the same way.

Rows come as dicts (`insert_rows`) or, on a hot path, as tuples in the order of a list of column
names (`insert_tuples`): then nothing is built per row but the tuple the driver is handed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
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
    dialect = session.connection().dialect
    if dialect.name == "postgresql" and len(rows) < COPY_FROM:
        session.execute(insert(table), rows)  # Core executemany (psycopg pipelines it)
        return
    given = list(rows[0])
    pick = itemgetter(*given) if len(given) > 1 else (lambda r: (r[given[0]],))
    insert_tuples(session, table, given, [pick(r) for r in rows])


def insert_tuples(session: Session, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert `rows`, tuples of values for `columns` in that order, in the session's transaction."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    if dialect.name == "postgresql" and len(rows) < COPY_FROM:
        session.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])
        return
    given = list(columns)
    # The recording number (models/history.py): on SQLite the transaction's, sent with the rows as
    # the column's own default would; on PostgreSQL the trigger writes it.
    numbered = "recorded_seq" in table.c and "recorded_seq" not in given
    computed = [c.key for c in table.columns if c.key not in given and c.key != "recorded_seq"
                and c.default is not None and not c.default.is_scalar]
    if computed:  # e.g. a timestamp's utcnow(): computed once by the caller for the batch
        raise ValueError(f"insert_rows into {table.name}: give {', '.join(computed)} (computed defaults)")
    defaults = {c.key: c.default.arg for c in table.columns
                if c.key not in given and c.default is not None and c.default.is_scalar}
    if numbered and dialect.name == "sqlite":
        defaults["recorded_seq"] = sqlite_recording_number(conn)
    # The dialect's own type (e.g. SQLite's DATETIME, which writes the date string), as Core uses it.
    processors = {n: p for n in [*given, *defaults]
                  if (p := table.c[n].type.dialect_impl(dialect).bind_processor(dialect))}
    fixed = [processors[n](v) if n in processors and v is not None else v for n, v in defaults.items()]
    names = given + list(defaults)
    if processors.keys() & set(given):
        # Column by column: only the columns with a processor (timestamps, SQLite floats) are
        # converted, each distinct value once; the rest pass as they are, and the transposing is
        # done by zip in C rather than per row in Python.
        cols: list[Iterable[Any]] = list(zip(*rows, strict=True))
        for i, n in enumerate(given):
            if n in processors:
                cols[i] = _converted(processors[n], cols[i])  # type: ignore[arg-type]
        values: Iterable[tuple] = zip(*cols, *(repeat(v, len(rows)) for v in fixed), strict=True)
    elif fixed:
        values = (r + tuple(fixed) for r in rows)
    else:
        values = rows
    if dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        with driver.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for v in values:
                copy.write_row(v)
        return
    marks = ", ".join("?" for _ in names)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",
                         values if isinstance(values, list) else list(values))


def _converted(process: Callable[[Any], Any], column: Sequence[Any]) -> list[Any]:
    """The column's values through its bind processor, each distinct value converted once (a batch
    repeats few timestamps); unhashable values (a JSON column's dicts) one by one."""
    seen = _Converted(process)
    try:
        return list(map(seen.__getitem__, column))
    except TypeError:  # unhashable
        return [None if v is None else process(v) for v in column]


class _Converted(dict):
    """value -> its converted value, computed on first look-up (None stays None, as in Core)."""

    def __init__(self, process: Callable[[Any], Any]) -> None:
        super().__init__({None: None})
        self.process = process

    def __missing__(self, value: Any) -> Any:
        out = self[value] = self.process(value)
        return out
