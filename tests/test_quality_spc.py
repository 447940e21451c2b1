"""SPC arithmetic: limits against hand-computed values, Cpk, and every Nelson rule on a built series."""

from __future__ import annotations

import pytest

from quality import spc

# Drawn once from N(0, 1) and frozen: no rule 1-8 fires on it against limits 0 +/- 3.
IN_CONTROL = [0.9, -1.4, -0.7, 0.4, -1.0, -0.1, 0.2, -0.8, -1.3, 0.2, 1.0, -0.6, -0.3, 1.6, -0.6, -0.5,
              2.4, -1.5, 0.8, -2.0, -0.6, 1.5, 1.2, -0.9, -0.5, 0.1, -1.3, 0.6, 2.2, -1.4, -2.0, 0.3,
              -0.1, 1.8, -0.2, -0.1, -0.2, -1.0, 0.7, -1.3]
UNIT = spc.Limits(center=0, ucl=3, lcl=-3, sigma=1, range_center=1.128, range_ucl=3.685, range_lcl=0)

PATTERNS = {
    1: [3.4],
    2: [0.4, 0.9, 0.2, 1.1, 0.5, 0.3, 0.8, 0.6, 0.7],
    3: [-2.1, -1.5, -0.9, -0.2, 0.4, 1.0],
    4: [-1.0, -0.2, -0.7, 0.3, -0.5, 0.6, -0.6, 0.5, -0.4, 0.6, -0.5, 0.4, -0.6, 0.5],
    5: [2.5, 0.1, 2.4],
    6: [1.5, 1.2, 0.2, 1.4, 1.6],
    7: [0.2, -0.3, 0.4, 0.1, -0.5, 0.3, 0.6, -0.2, 0.1, -0.1, 0.5, -0.4, 0.2, 0.3, -0.6],
    8: [0.2, 1.5, -1.5, 1.6, -1.4, -1.7, 1.3, 1.8, -1.2],  # 0.2 ends the prefix's run
}


def test_imr_limits_match_the_hand_computed_values():
    values = [10, 12, 11, 13, 12, 14, 13, 12, 11, 12]
    # mean 120/10 = 12; moving ranges 2 1 2 1 2 1 1 1 1 -> MR-bar 12/9 = 4/3
    lim = spc.imr_limits(values)
    mr_bar = 4 / 3
    sigma = mr_bar / 1.128  # d2 for n = 2
    assert lim.center == pytest.approx(12.0)
    assert lim.range_center == pytest.approx(mr_bar)
    assert lim.sigma == pytest.approx(1.1820330969)
    assert lim.ucl == pytest.approx(12 + 3 * sigma) and lim.ucl == pytest.approx(15.5460992908)
    assert lim.lcl == pytest.approx(8.4539007092)
    assert lim.range_ucl == pytest.approx(3.267 * mr_bar) and lim.range_ucl == pytest.approx(4.356)
    assert lim.range_lcl == 0


def test_xbar_r_limits_use_the_subgroup_constants():
    groups = [[10, 12, 11], [11, 13, 12], [9, 11, 10], [12, 12, 12]]
    # means 11, 12, 10, 12 -> 11.25; ranges 2, 2, 2, 0 -> R-bar 1.5; n = 3: A2 1.023, D4 2.574, d2 1.693
    lim = spc.xbar_r_limits(groups)
    assert lim.center == pytest.approx(11.25)
    assert lim.ucl == pytest.approx(11.25 + 1.023 * 1.5) and lim.lcl == pytest.approx(11.25 - 1.023 * 1.5)
    assert lim.range_ucl == pytest.approx(2.574 * 1.5) and lim.range_lcl == 0
    assert lim.sigma == pytest.approx(1.5 / 1.693)
    assert spc.xbar_r_limits([[1] * 7, [2] * 7]).range_lcl == 0  # R-bar 0: D3 * 0
    with pytest.raises(ValueError):
        spc.xbar_r_limits([[1, 2], [1, 2, 3]])


def test_cpk_takes_the_nearer_spec_limit():
    assert spc.cpk(12, 1, 8, 17) == pytest.approx(4 / 3)
    assert spc.cpk(12, 1, None, 15) == pytest.approx(1.0)
    assert spc.cpk(12, 1, None, None) is None and spc.cpk(12, 0, 8, 17) is None


def test_no_rule_fires_on_an_in_control_series():
    assert spc.violations(IN_CONTROL, UNIT, list(spc.RULES)) == []


@pytest.mark.parametrize("rule", sorted(PATTERNS))
def test_each_rule_fires_on_a_series_built_to_trigger_it(rule):
    series = IN_CONTROL[:20] + PATTERNS[rule]
    found = spc.violations(series, UNIT, [rule])
    assert found, f"rule {rule} did not fire"
    first = found[0]
    assert first.rule == rule and first.last == len(series) - 1
    assert first.first == len(series) - spc.WINDOW[rule]
    assert spc.violations(IN_CONTROL[:20], UNIT, [rule]) == []


def test_a_run_is_flagged_once_and_context_points_are_not_reported():
    run = [0.5] * 12  # rule 2 holds from the 9th point on: one alarm, at the 9th
    assert [(v.rule, v.last) for v in spc.violations(run, UNIT, [2])] == [(2, 8)]
    assert spc.violations(run, UNIT, [2], start=9) == []  # its start was already seen
    assert [v.last for v in spc.violations([0, 3.5, 0, -3.2], UNIT, [1])] == [1, 3]


def test_moving_ranges_and_subgroup_ranges():
    assert spc.ranges([[1], [3], [2]]) == [None, 2, 1]
    assert spc.ranges([[1, 4], [2, 2]]) == [3, 0]
