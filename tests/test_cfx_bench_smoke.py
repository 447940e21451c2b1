"""A small run of the CFX ingestion benchmark's two paths, so the script does not rot (no timings)."""

from __future__ import annotations

from sqlalchemy import func, select

from bench.cfx_ingest import prepare, raw_path, real_path
from tests.amqp_support import URL, require_broker, settings_for
from traceability.models import ComponentInstallation


def test_both_paths_store_the_same_rows(store, uid):
    require_broker()
    prepare(store, uid, 6)
    settings = settings_for(uid, batch_size=4, prefetch=8)
    real_path(store, URL, uid, 6, 30, settings, timeout=60)
    _, copied = raw_path(store, uid, 6, 30, 4)
    assert copied == 6 * 30
    with store.read() as session:
        stored = session.scalar(select(func.count()).select_from(ComponentInstallation)
                                .where(ComponentInstallation.station == f"{uid}.SMT"))
    assert stored == 2 * 6 * 30
