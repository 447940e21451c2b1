"""GET /metrics: this process's metrics plus the outbox, read from the database at scrape time.

The outbox figures (rows waiting per destination and status, age of the oldest) are the same for
every process, so they come from one query per scrape instead of counters each process would keep.
"""

from __future__ import annotations

import os

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from gateway.deps import StoreDep
from traceability.database import Store
from traceability.models import OutboxEvent
from traceability.types import utcnow

router = APIRouter(tags=["operations"])
WAITING = ("pending", "sending", "failed")


def outbox_families(store: Store) -> list[GaugeMetricFamily]:
    backlog = GaugeMetricFamily("tracebridge_outbox_backlog",
                                "Outbox rows not yet delivered, by destination and status",
                                labels=["destination", "status"])
    oldest = GaugeMetricFamily("tracebridge_outbox_oldest_age_seconds",
                               "Age of the oldest undelivered outbox row, by destination",
                               labels=["destination"])
    up = GaugeMetricFamily("tracebridge_store_up", "1 if the store answered this scrape")
    o = OutboxEvent.__table__.c
    try:
        with store.read() as session:
            rows = session.execute(select(o.destination, o.status, func.count(), func.min(o.created_at))
                                   .where(o.status.in_(WAITING)).group_by(o.destination, o.status)).all()
    except SQLAlchemyError:
        up.add_metric([], 0)
        return [up]
    now, first = utcnow(), {}
    for destination, status, count, created in rows:
        backlog.add_metric([destination, status], count)
        if created is not None:
            if created.tzinfo is None:  # SQLite hands back naive UTC
                created = created.replace(tzinfo=now.tzinfo)
            first[destination] = min(first.get(destination, created), created)
    for destination, created in first.items():
        oldest.add_metric([destination], max(0.0, (now - created).total_seconds()))
    up.add_metric([], 1)
    return [backlog, oldest, up]


class _Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self):  # type: ignore[no-untyped-def]
        return outbox_families(self.store)


def _process_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # every worker's samples, summed per the metric's mode
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@router.get("/metrics", summary="Prometheus metrics (text exposition format)")
def metrics(store: StoreDep) -> Response:
    db = CollectorRegistry(auto_describe=False)
    db.register(_Outbox(store))
    return Response(_process_metrics() + generate_latest(db), media_type=CONTENT_TYPE_LATEST)
