"""The history's recording order (what the EPCIS stream follows): every fact gets a number, the
rows of one write share it, a later write gets a larger one, and a row inserted by a path that
does not send one (a SQL console) is still numbered by the trigger."""

from __future__ import annotations

from sqlalchemy import select, text

from traceability import commands as c
from traceability.bulk_insert import COPY_FROM
from traceability.models import Unit


def _register(store, serials: list[str], part: str) -> None:
    with store.write() as session:
        c.execute(session, c.RegisterUnits(units=[c.NewUnit(serial=s, part_number=part) for s in serials]))


def _numbers(store, serials: list[str]) -> list[int | None]:
    with store.read() as session:
        return list(session.scalars(select(Unit.recorded_seq).where(Unit.serial.in_(serials))
                                    .order_by(Unit.serial)))


def test_one_write_one_number_and_a_later_write_a_larger_one(store, uid):
    with store.write() as session:
        c.execute(session, c.DefinePart(part_number=f"{uid}-P", serialized=True))
    first = [f"{uid}-A{i:04d}" for i in range(COPY_FROM + 10)]  # the bulk path (COPY on PostgreSQL)
    second = [f"{uid}-B{i:02d}" for i in range(3)]  # a small batch: Core insert
    _register(store, first, f"{uid}-P")
    _register(store, second, f"{uid}-P")
    a, b = set(_numbers(store, first)), set(_numbers(store, second))
    assert len(a) == 1 and len(b) == 1 and None not in a | b
    assert max(b) > max(a)


def test_a_row_inserted_without_a_number_is_numbered_by_the_trigger(store, uid):
    with store.write() as session:
        c.execute(session, c.DefinePart(part_number=f"{uid}-P", serialized=True))
    _register(store, [f"{uid}-A"], f"{uid}-P")
    with store.write() as session:  # as a console would: no recorded_seq in the statement
        session.execute(text("INSERT INTO unit (serial, part_id, kind, status, created_at) "
                             "SELECT :s, part_id, kind, status, created_at FROM unit WHERE serial = :a"),
                        {"s": f"{uid}-RAW", "a": f"{uid}-A"})
    [earlier], [raw] = _numbers(store, [f"{uid}-A"]), _numbers(store, [f"{uid}-RAW"])
    assert raw is not None and raw > earlier


def test_a_savepoint_rolled_back_does_not_leave_a_number_behind(store, uid):
    """SQLite: the bump made inside a rolled-back savepoint is undone; the rows after it must
    carry a number the clock reaches once the write commits, or a reader would never see them."""
    with store.write() as session:
        c.execute(session, c.DefinePart(part_number=f"{uid}-P", serialized=True))
    with store.write() as session:
        savepoint = session.begin_nested()
        c.execute(session, c.RegisterUnits(units=[c.NewUnit(serial=f"{uid}-GONE", part_number=f"{uid}-P")]))
        savepoint.rollback()
        c.execute(session, c.RegisterUnits(units=[c.NewUnit(serial=f"{uid}-KEPT", part_number=f"{uid}-P")]))
    [kept] = _numbers(store, [f"{uid}-KEPT"])
    assert kept is not None and _numbers(store, [f"{uid}-GONE"]) == []
    if store.dialect == "sqlite":
        with store.read() as session:
            assert session.scalar(text("SELECT last FROM history_clock WHERE id = 1")) >= kept
