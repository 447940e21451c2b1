"""Smoke runs of the benchmarks' data generator, so they do not rot (no timing assertions)."""

from __future__ import annotations

from bench.generate import generate
from traceability import genealogy


def test_generator_builds_a_traceable_plant(store, uid):
    out = generate(store, 24, prefix=uid, placements=6, panels_per_tx=3)
    assert out.products == 24 and out.units >= 24 * 2 and out.installations > 24 * 6
    with store.read() as session:
        trace = genealogy.backward(session, out.serials[0])
        assert trace.units and trace.materials
        forward = genealogy.forward(session, out.lots[0])
        assert forward.units and forward.shipments
