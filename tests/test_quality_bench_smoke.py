"""Smoke run of the interlock benchmark's routed line, so it does not rot (no timing assertions)."""

from __future__ import annotations

import random

from bench.interlock import STEPS, routed_line
from quality.interlock import UnitCheck, check_units


def test_routed_line_answers_the_check(store, uid):
    units = routed_line(store, uid, 12, random.Random(1))
    with store.read() as session:
        results = check_units(session, [UnitCheck(s, f"{uid}-{STEPS[d]}-1", STEPS[d]) for s, d in units])
    assert len(results) == 12
    # every unit is at its next step; the only refusals are holds (the first box of the line is held)
    assert {x.code for r in results for x in r.reasons} == {"on_hold"}
    assert all(r.next_operation == STEPS[d] for r, (_, d) in zip(results, units, strict=True))
