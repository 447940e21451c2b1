"""The audit log: every executed command leaves who/what/when/where; the chain shows tampering."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update

from tests.databases import fresh_postgres, fresh_sqlite, pg_available
from tests.security_support import app_with_a_write_hook, bearer, make_key
from traceability import audit, schema
from traceability import commands as c
from traceability.database import Store, make_engine
from traceability.errors import Conflict
from traceability.models import AuditEntry
from traceability.types import utcnow

BIN = Path(sys.executable).parent / "tracebridge"


@contextmanager
def empty_store(kind: str, tmp_path: Path) -> Iterator[Store]:
    """A database of its own: tampering must not touch the chain other tests share."""
    if kind == "postgresql" and not pg_available():
        pytest.skip("PostgreSQL not reachable")
    maker = fresh_postgres() if kind == "postgresql" else fresh_sqlite(tmp_path)
    with maker as url:
        store = Store(make_engine(url))
        schema.upgrade(store.engine)
        try:
            yield store
        finally:
            store.dispose()


def report(source: str, n: int = 1) -> c.ReportDeviceStatus:
    return c.ReportDeviceStatus(source=source, kind="cfx", messages=n)


def test_a_command_that_runs_is_audited_once_with_its_actor(store, uid):
    src = f"{uid}/AOI-1"
    with store.write() as session:
        c.execute(session, report(src), source="cfx", message_id=f"{uid}-1", actor="key:line1:abc")
    with store.write() as session:  # a resend changes nothing, so it is not audited again
        c.execute(session, report(src), source="cfx", message_id=f"{uid}-1", actor="key:line1:abc")
    with pytest.raises(Conflict), store.write() as session:  # refused: rolled back with the change
        c.execute(session, report(src, 2), source="cfx", message_id=f"{uid}-1", actor="key:line1:abc")
    with store.write() as session:
        c.execute(session, report(src, 5))  # no message id, default actor
    with store.read() as session:
        rows = audit.entries(session, target=src)
    assert [(r.actor, r.command, r.source, r.message_id) for r in reversed(rows)] == [
        ("key:line1:abc", "ReportDeviceStatus", "cfx", f"{uid}-1"),
        ("system", "ReportDeviceStatus", "local", None)]
    assert len(rows[0].payload_hash) == 64 and rows[0].seq is None  # sealed later, by the sealer


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_verify_names_the_changed_and_the_deleted_entry(kind, tmp_path):
    with empty_store(kind, tmp_path) as store:
        for i in range(6):
            with store.write() as session:
                c.execute(session, report(f"SRC-{i}"), actor=f"key:k{i}:x")
        assert audit.seal_all(store) == 6
        with store.read() as session:
            good = audit.verify(session)
        assert good.ok and good.entries == 6 and good.head_seq == 6 and good.unsealed == 0
        with store.write() as session:
            session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="key:someone-else:x"))
            session.execute(delete(AuditEntry).where(AuditEntry.seq == 5))
        with store.read() as session:
            bad = audit.verify(session)
        assert not bad.ok
        assert bad.problems == ["seq 3: contents changed (hash mismatch)",
                                "seq 5: missing (deleted) before seq 6"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_forged_rehash_breaks_the_next_link(kind, tmp_path):
    with empty_store(kind, tmp_path) as store:
        for i in range(3):
            with store.write() as session:
                c.execute(session, report(f"SRC-{i}"))
        audit.seal_all(store)
        with store.write() as session:  # change an entry and recompute its own hash
            e = session.scalars(select(AuditEntry).where(AuditEntry.seq == 2)).one()
            e.target = "SRC-forged"
            e.entry_hash = audit.entry_hash(e.prev_hash, e)
        with store.read() as session:
            assert audit.verify(session).problems == ["seq 3: prev_hash does not match seq 2"]


def test_concurrent_writers_and_sealers_give_one_gapless_chain(tmp_path):
    """Writers never wait for the chain; sealers in parallel take turns (advisory lock)."""
    with empty_store("postgresql", tmp_path) as store:
        writers, per_writer = 4, 25
        done = threading.Event()
        errors: list[BaseException] = []

        def write(w: int) -> None:
            try:
                for i in range(per_writer):
                    with store.write() as session:
                        c.execute(session, report(f"W{w}-{i}"), actor=f"key:w{w}:x")
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        def seal() -> None:
            for _ in range(10_000):  # bounded: stops once writers are done and all is sealed
                audit.seal_all(store, batch=7)
                if done.is_set():
                    break

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        sealers = [threading.Thread(target=seal) for _ in range(2)]
        for t in threads + sealers:
            t.start()
        for t in threads:
            t.join(timeout=120)
        done.set()
        for t in sealers:
            t.join(timeout=120)
        audit.seal_all(store)
        assert errors == []
        with store.read() as session:
            result = audit.verify(session)
            seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        assert result.ok, result.problems
        assert seqs == list(range(1, writers * per_writer + 1))


def test_the_caller_of_a_hook_is_the_actor_in_the_audit_log_and_the_api_filters(database_url, uid):
    line_key, line_id = make_key(database_url, ["devices:write"], name=f"line-{uid}")
    auditor, _ = make_key(database_url, ["audit:read"], name="auditor")
    before = utcnow() - timedelta(seconds=1)
    with TestClient(app_with_a_write_hook(database_url)) as client:
        for i in range(3):
            answer = client.post("/api/v1/cfx/test-status", json={"source": f"{uid}/SPI"},
                                 headers={**bearer(line_key), "Idempotency-Key": f"{uid}-{i}"})
            assert answer.status_code == 200, answer.text
        assert client.get("/api/v1/audit", headers=bearer(line_key)).status_code == 403
        page = client.get("/api/v1/audit", params={"target": f"{uid}/SPI", "limit": 2},
                          headers=bearer(auditor)).json()
        assert [e["message_id"] for e in page["entries"]] == [f"{uid}-2", f"{uid}-1"]
        assert {e["actor"] for e in page["entries"]} == {f"key:line-{uid}:{line_id}"}
        older = client.get("/api/v1/audit", params={"target": f"{uid}/SPI", "before": page["next_before"]},
                           headers=bearer(auditor)).json()
        assert [e["message_id"] for e in older["entries"]] == [f"{uid}-0"] and older["next_before"] is None
        by_actor = client.get("/api/v1/audit", headers=bearer(auditor), params={
            "actor": f"key:line-{uid}:", "since": before.isoformat()}).json()["entries"]
        assert len(by_actor) == 3 and all(e["source"] == "cfx-http" for e in by_actor)
        future = (utcnow() + timedelta(hours=1)).isoformat()
        assert client.get("/api/v1/audit", params={"actor": f"key:line-{uid}:", "since": future},
                          headers=bearer(auditor)).json()["entries"] == []
        bad = client.get("/api/v1/audit", params={"since": "yesterday"}, headers=bearer(auditor))
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "since"
        # The app's own sealer chains what was written (bounded wait for its next run).
        for _ in range(100):
            entries = client.get("/api/v1/audit", params={"target": f"{uid}/SPI"},
                                 headers=bearer(auditor)).json()["entries"]
            if all(e["seq"] is not None for e in entries):
                break
            threading.Event().wait(0.1)
        assert all(e["seq"] is not None and len(e["entry_hash"]) == 64 for e in entries)


def _cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRACEBRIDGE_DATABASE_URL": url}
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120)


def test_audit_verify_cli_passes_then_fails_naming_the_seq(tmp_path):
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    store = Store(make_engine(url))
    schema.upgrade(store.engine)
    for i in range(4):
        with store.write() as session:
            c.execute(session, report(f"SRC-{i}"), actor="key:cli-test:x")
    ok = _cli("audit", "verify", url=url)
    assert ok.returncode == 0 and "audit chain ok: 4 entries" in ok.stdout, ok.stdout + ok.stderr
    head = ok.stdout.split("head ")[1].split(",")[0]
    assert _cli("audit", "verify", "--expect-head", head, url=url).returncode == 0
    with store.write() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 4))  # cut the tail
    cut = _cli("audit", "verify", "--expect-head", head, url=url)
    assert cut.returncode == 1 and "seq 4: anchored head missing" in cut.stdout
    with store.write() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(source="forged"))
    bad = _cli("audit", "verify", url=url)
    assert bad.returncode == 1 and "TAMPERED seq 2: contents changed" in bad.stdout
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 3
    store.dispose()


def test_machine_data_over_http_is_audited_under_the_calling_key(database_url, store, uid):
    """The batched CFX ingest calls execute itself (not dispatch): the actor still arrives."""
    from tests.cfx_support import Line, master_data
    from tests.security_support import secure_app

    line = Line(uid)
    master_data(store, uid)
    key, key_id = make_key(database_url, ["devices:write"], name=f"smt-{uid}")
    with TestClient(secure_app(database_url)) as client:
        answer = client.post("/api/v1/cfx", json=line.messages(), headers=bearer(key))
    assert answer.status_code == 200, answer.text
    with store.read() as session:
        rows = audit.entries(session, actor=f"key:smt-{uid}:{key_id}", limit=1000)
    assert len(rows) >= len(line.messages()) // 2 and {r.command for r in rows} >= {"RecordOperation"}
