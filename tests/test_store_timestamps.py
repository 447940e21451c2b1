"""UTCDateTime: aware datetimes in, aware UTC datetimes out, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

from traceability.database import Store
from traceability.types import UTCDateTime

CET = timezone(timedelta(hours=1))


def test_timestamps_come_back_as_aware_utc(store: Store, uid: str) -> None:
    table = Table(f"ts_{uid.lower()}", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", UTCDateTime))
    written = [datetime(2026, 12, 1, 6, 12, 45, 9681, tzinfo=UTC), datetime(2026, 1, 5, 7, 0, tzinfo=CET),
               None]
    table.create(store.engine)
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(table), [{"id": i, "at": at} for i, at in enumerate(written)])
            if store.dialect == "sqlite":  # text another writer might leave: the general path reads it
                conn.execute(text(f"INSERT INTO {table.name} VALUES (9, '2026-01-05 07:00:00+01:00')"))
        with store.engine.connect() as conn:
            read = dict(conn.execute(select(table.c.id, table.c.at)).all())
    finally:
        table.drop(store.engine)
    assert [read[i] for i in range(3)] == [written[0], written[1], None]
    assert all(read[i].tzinfo is UTC for i in range(2))
    assert read[1] == datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    if store.dialect == "sqlite":
        assert read[9] == datetime(2026, 1, 5, 6, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused(store: Store, uid: str) -> None:
    table = Table(f"tn_{uid.lower()}", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", UTCDateTime))
    table.create(store.engine)
    try:
        with pytest.raises(Exception, match="naive datetime"), store.engine.begin() as conn:
            conn.execute(insert(table), [{"id": 1, "at": datetime(2026, 1, 1)}])
    finally:
        table.drop(store.engine)
