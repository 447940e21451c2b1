"""A smoke run of bench/run_all.py and bench/trace_vs_sql.py at a tiny scale, so they do not rot
(no timing assertions: the figures are printed, not checked)."""

from __future__ import annotations

from bench import run_all
from tests.amqp_support import URL, require_broker


def test_run_all_prints_every_figure_with_its_raw_counterpart(sqlite_url):
    require_broker()
    rows = run_all.run(sqlite_url, units=16, placements=4, messages=5, components=4, samples=3,
                       processes=[], amqp_url=URL)
    names = [r[0] for r in rows]
    assert names[0].startswith("generate") and "CFX ingest (1 consumer thread)" in names
    assert {"trace backward p99 (GraphQL HTTP)", "trace forward p99 (GraphQL HTTP)"} <= set(names)
    assert all(raw and ratio for name, _, raw, ratio, _ in rows if not name.startswith("generate"))
