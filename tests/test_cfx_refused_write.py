"""A set-based CFX write the store refuses (a constraint, a trigger) dead-letters the message it
refuses and applies the rest of the batch, over AMQP and over HTTP, on both engines. On SQLite the
set-based write runs without a savepoint (under the write lock no other writer can race it), so
there the whole batch is run again one message at a time; on PostgreSQL its savepoint falls back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from gateway.app import create_app
from gateway.settings import Settings
from tests.amqp_support import URL, Publisher, consumers, require_broker, settings_for, wait_for
from tests.cfx_support import envelope, t
from traceability import commands as c
from traceability.database import Store
from traceability.models import ComponentInstallation, DeviceMessage, Unit


def _plant(store: Store, uid: str, units: int) -> None:
    with store.write() as session:
        c.execute(session, c.DefinePart(part_number=f"{uid}-BRD", serialized=True))
        c.execute(session, c.DefinePart(part_number=f"{uid}-CAP"))
        c.execute(session, c.ReceiveLot(lot=f"{uid}-R1", part_number=f"{uid}-CAP", quantity=1000))
        c.execute(session, c.RegisterUnits(units=[c.NewUnit(serial=f"{uid}-U{i}", part_number=f"{uid}-BRD")
                                                  for i in range(units)]))


def _installed(uid: str, station: str, unit: int) -> dict:
    return envelope("CFX.Production.Assembly.MaterialsInstalled", station, t(1), {"InstalledMaterials": [{
        "UnitIdentifier": f"{uid}-U{unit}", "Material": {"UniqueIdentifier": f"{uid}-R1"},
        "InstalledComponents": [{"ReferenceDesignator": f"C{k}", "InstallationTime": t(1).isoformat()}
                                for k in range(3)]}]})


@contextmanager
def _refusing(store: Store, station: str) -> Iterator[None]:
    """The store refuses every installation row from `station` (as a constraint would)."""
    name = "refuse_" + station.replace(".", "_").replace("-", "_").lower()
    if store.dialect == "sqlite":
        create = [f"CREATE TRIGGER {name} BEFORE INSERT ON component_installation "
                  f"WHEN NEW.station = '{station}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"]
        drop = [f"DROP TRIGGER IF EXISTS {name}"]
    else:
        create = [f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                  f"IF NEW.station = '{station}' THEN RAISE EXCEPTION 'refused by the test' "
                  "USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$",
                  f"CREATE TRIGGER {name} BEFORE INSERT ON component_installation "
                  f"FOR EACH ROW EXECUTE FUNCTION {name}()"]
        drop = [f"DROP TRIGGER IF EXISTS {name} ON component_installation",
                f"DROP FUNCTION IF EXISTS {name}()"]
    with store.engine.begin() as conn:
        for statement in create:
            conn.execute(text(statement))
    try:
        yield
    finally:
        with store.engine.begin() as conn:
            for statement in drop:
                conn.execute(text(statement))


def _stored(store: Store, uid: str) -> tuple[set[str], list[tuple[str, str | None]]]:
    """(serials with installations, (source, reason) of the dead letters)"""
    with store.read() as session:
        serials = set(session.scalars(
            select(Unit.serial).join(ComponentInstallation, ComponentInstallation.parent_unit_id == Unit.id)
            .where(Unit.serial.like(f"{uid}-%")).group_by(Unit.serial).having(func.count() == 3)))
        dead = [(m.source, m.reason) for m in session.scalars(select(DeviceMessage).where(
            DeviceMessage.source.like(f"{uid}%"), DeviceMessage.status == "dead"))]
    return serials, dead


def test_the_consumer_parks_the_message_the_store_refuses_and_applies_the_rest(store, uid):
    require_broker()
    _plant(store, uid, 4)
    good, bad = f"{uid}.SMT1", f"{uid}.SMT2"
    settings = settings_for(uid, batch_size=10, prefetch=20)
    publisher = Publisher(settings)
    try:
        with _refusing(store, bad):
            for m in [_installed(uid, good, 0), _installed(uid, bad, 1), _installed(uid, good, 2),
                      _installed(uid, good, 3)]:
                publisher.publish(m)
            with consumers(store, URL, settings) as [consumer]:
                assert wait_for(lambda: consumer.stats.messages >= 4), consumer.stats
                assert consumer.stats.nacked == 0
        serials, dead = _stored(store, uid)
        assert serials == {f"{uid}-U0", f"{uid}-U2", f"{uid}-U3"}
        assert [source for source, _ in dead] == [bad]
        assert "rejected by the store" in (dead[0][1] or "")
    finally:
        publisher.close()


def test_over_http_the_refused_message_is_a_422_and_the_rest_is_applied(store, database_url, uid):
    _plant(store, uid, 3)
    good, bad = f"{uid}.SMT1", f"{uid}.SMT2"
    batch = [_installed(uid, good, 0), _installed(uid, bad, 1), _installed(uid, good, 2)]
    with _refusing(store, bad), TestClient(create_app(Settings(database_url=database_url))) as client:
        answer = client.post("/api/v1/cfx", json=batch)
    assert answer.status_code == 422
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "dead", "applied"]
    serials, dead = _stored(store, uid)
    assert serials == {f"{uid}-U0", f"{uid}-U2"} and [source for source, _ in dead] == [bad]
