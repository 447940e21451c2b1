"""A smoke run of bench/graphql_trace.py (a tiny plant, a few samples), so it does not rot."""

from __future__ import annotations

from bench.graphql_trace import bench


def test_graphql_trace_bench_runs(sqlite_url, capsys):
    bench(sqlite_url, units=8, placements=3, samples=3, page=10)
    out = capsys.readouterr().out
    assert "traceBackward (GraphQL over HTTP)" in out and "traceForward first=10 (HTTP)" in out
