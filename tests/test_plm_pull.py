"""Pulling routings from a fake PLM over HTTP: paging, ECOs, refusals per revision, resync writes
nothing, a bad token stops the sync; and `tracebridge plm sync` as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from integrations.plm.client import PlmClient, sync
from integrations.plm.settings import PlmSettings
from tests.fake_systems import TOKEN, FakePlm, serve
from tests.plm_wms_support import define_parts, routing_doc, row_counts
from traceability import bom
from traceability.database import Store, make_engine
from traceability.schema import upgrade

BIN = Path(sys.executable).parent / "tracebridge"


def _fake(p: str) -> FakePlm:
    fake = FakePlm(page_size=2)
    fake.routings[(f"{p}-BRD", "A")] = routing_doc(p)
    fake.routings[(f"{p}-BRD", "B")] = routing_doc(p, extra_ref="R2")
    bad = routing_doc(p)
    bad["OperationsSegment"][1]["MaterialSpecification"][0]["MaterialDefinitionID"] = f"{p}-GHOST"
    fake.routings[(f"{p}-BRD", "C")] = bad
    fake.routings[(f"{p}-BRD", "D")] = {"OperationsSegment": [{"ID": "X"}]}  # no Sequence
    fake.obsolete[(f"{p}-BRD", "A")] = {"ChangeNoticeID": f"ECO-{p}", "EffectiveDate": "2026-06-01T00:00:00Z"}
    return fake


def test_sync_pages_publishes_obsoletes_and_refuses_per_revision(store, uid):
    define_parts(store, uid)
    fake = _fake(uid)
    with serve(fake) as url:
        client = PlmClient(PlmSettings(url=url, token=TOKEN))
        report = sync(store, client)
        assert report.published == [f"{uid}-BRD/A", f"{uid}-BRD/B"]
        assert report.obsoleted == [f"{uid}-BRD/A"]
        assert len(report.refused) == 2
        assert "MaterialSpecification[0].MaterialDefinitionID" in report.refused[0]
        assert "unknown part" in report.refused[0]
        assert report.refused[1].startswith(f"{uid}-BRD/D: OperationsSegment.0.Sequence: Field required")
        assert [p for p in fake.requests if p.startswith("/routings?") or p == "/routings"] \
            == ["/routings", "/routings?page=2"]
        before = row_counts(store)
        again = sync(store, client)
        assert again.unchanged == [f"{uid}-BRD/A", f"{uid}-BRD/B"] and again.published == []
        assert again.obsoleted == []
        assert row_counts(store) == before, "a resync wrote something"
        client.close()
    with store.read() as session:
        history = {r.revision: r for r in bom.revisions(session, f"{uid}-BRD")}
    assert set(history) == {"A", "B"}
    assert (history["A"].status, history["A"].change_notice) == ("obsolete", f"ECO-{uid}")
    assert history["B"].status == "released"


def test_a_busy_plm_is_retried(store, uid):
    define_parts(store, uid)
    fake = _fake(uid)
    fake.fail_next = 2
    with serve(fake) as url:
        client = PlmClient(PlmSettings(url=url, token=TOKEN), max_wait=0.01)
        report = sync(store, client)
        client.close()
    assert len(report.published) == 2 and fake.requests[:3] == ["/routings"] * 3


def test_a_wrong_token_stops_the_sync(store, uid):
    with serve(_fake(uid)) as url:
        client = PlmClient(PlmSettings(url=url, token="wrong"))
        with pytest.raises(httpx.HTTPStatusError) as info:
            sync(store, client)
        client.close()
    assert info.value.response.status_code == 401


def test_cli_sync(tmp_path, uid):
    url = f"sqlite:///{tmp_path / 'plm.db'}"
    store = Store(make_engine(url))
    upgrade(store.engine)
    define_parts(store, uid)
    store.dispose()
    with serve(_fake(uid)) as plm_url:
        env = {**os.environ, "TRACEBRIDGE_DATABASE_URL": url, "TRACEBRIDGE_PLM_URL": plm_url,
               "TRACEBRIDGE_PLM_TOKEN": TOKEN}
        out = subprocess.run([str(BIN), "plm", "sync"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr  # two revisions refused
    assert "2 published, 0 unchanged, 1 obsoleted, 2 refused" in out.stdout
    assert f"refused {uid}-BRD/C" in out.stderr
