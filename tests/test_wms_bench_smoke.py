"""A smoke run of bench/wms_consumption.py on both stores, so it does not rot (no timing assertions)."""

from __future__ import annotations

from bench.wms_consumption import run


def test_the_consumption_bench_runs(database_url, capsys):
    run(database_url, boards=3, placements=2, reels=2, receipts=2)
    out = capsys.readouterr().out
    assert "6 installations" in out and "consumption query" in out and "2 WMS lot receipts" in out
