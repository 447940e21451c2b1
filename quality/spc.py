"""Statistical process control, the arithmetic: control limits, Cpk and the Nelson rules.

Pure functions over numbers, no store. Limits come from a baseline (never from the spec limits):
- I-MR (individuals): sigma = MR-bar / d2 with d2 = 1.128 (moving ranges of 2); X limits
  x-bar +/- 3 sigma; MR chart UCL = D4 * MR-bar with D4 = 3.267, LCL = 0.
- X-bar-R (subgroups of n = 2..10): X limits X-double-bar +/- A2 * R-bar; R chart D3 * R-bar ..
  D4 * R-bar; sigma = R-bar / d2(n). Constants from the standard tables (ASTM / AIAG SPC manual).
The Nelson rules (rules 1-4 are also Western Electric's run tests) are checked on the plotted
statistic with zone width s = (UCL - CL) / 3; each rule is a pattern over a fixed window of points
ending at a point, so a window of context before new points decides them exactly.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean

# n: (A2, D3, D4, d2)
CONSTANTS: dict[int, tuple[float, float, float, float]] = {
    2: (1.880, 0.0, 3.267, 1.128),
    3: (1.023, 0.0, 2.574, 1.693),
    4: (0.729, 0.0, 2.282, 2.059),
    5: (0.577, 0.0, 2.114, 2.326),
    6: (0.483, 0.0, 2.004, 2.534),
    7: (0.419, 0.076, 1.924, 2.704),
    8: (0.373, 0.136, 1.864, 2.847),
    9: (0.337, 0.184, 1.816, 2.970),
    10: (0.308, 0.223, 1.777, 3.078),
}
D2_IMR, D4_IMR = CONSTANTS[2][3], CONSTANTS[2][2]  # moving ranges span 2 points
MIN_BASELINE = 10  # points (I-MR) or subgroups (X-bar-R) a baseline needs
RULES = {
    1: "one point beyond 3 sigma",
    2: "nine points in a row on one side of the centre line",
    3: "six points in a row steadily increasing or decreasing",
    4: "fourteen points in a row alternating up and down",
    5: "two of three points beyond 2 sigma on one side",
    6: "four of five points beyond 1 sigma on one side",
    7: "fifteen points in a row within 1 sigma",
    8: "eight points in a row beyond 1 sigma, on either side",
}
WINDOW = {1: 1, 2: 9, 3: 6, 4: 14, 5: 3, 6: 5, 7: 15, 8: 8}
CONTEXT = max(WINDOW.values())  # points before the new ones needed to decide every rule


@dataclass(frozen=True)
class Limits:
    center: float
    ucl: float
    lcl: float
    sigma: float  # process sigma (within subgroups), for Cpk
    range_center: float
    range_ucl: float
    range_lcl: float


def imr_limits(values: Sequence[float]) -> Limits:
    if len(values) < 2:
        raise ValueError("an I-MR baseline needs at least 2 values")
    mr_bar = fmean(abs(b - a) for a, b in itertools.pairwise(values))
    center, sigma = fmean(values), mr_bar / D2_IMR
    return Limits(center=center, ucl=center + 3 * sigma, lcl=center - 3 * sigma, sigma=sigma,
                  range_center=mr_bar, range_ucl=D4_IMR * mr_bar, range_lcl=0.0)


def xbar_r_limits(subgroups: Sequence[Sequence[float]]) -> Limits:
    if not subgroups:
        raise ValueError("an X-bar-R baseline needs subgroups")
    n = len(subgroups[0])
    if n not in CONSTANTS or any(len(g) != n for g in subgroups):
        raise ValueError("subgroups must all have the same size, 2 to 10")
    a2, d3, d4, d2 = CONSTANTS[n]
    center = fmean(fmean(g) for g in subgroups)
    r_bar = fmean(max(g) - min(g) for g in subgroups)
    return Limits(center=center, ucl=center + a2 * r_bar, lcl=center - a2 * r_bar, sigma=r_bar / d2,
                  range_center=r_bar, range_ucl=d4 * r_bar, range_lcl=d3 * r_bar)


def cpk(mean: float, sigma: float, lsl: float | None, usl: float | None) -> float | None:
    """Capability against the spec (one-sided when only one limit exists); None without spec or spread."""
    if sigma <= 0 or (lsl is None and usl is None):
        return None
    sides = [(usl - mean) if usl is not None else None, (mean - lsl) if lsl is not None else None]
    return min(s for s in sides if s is not None) / (3 * sigma)


def ranges(points: Sequence[Sequence[float]]) -> list[float | None]:
    """The range of each plotted point: the moving range for individuals (none for the first)."""
    if all(len(g) == 1 for g in points):
        return [None, *(abs(b[0] - a[0]) for a, b in itertools.pairwise(points))]
    return [max(g) - min(g) for g in points]


@dataclass(frozen=True)
class Violation:
    rule: int
    last: int  # index of the point that completes the pattern
    first: int  # index of the first point of the pattern

    @property
    def message(self) -> str:
        return f"Nelson rule {self.rule}: {RULES[self.rule]}"


def violations(values: Sequence[float], limits: Limits, rules: Sequence[int], *,
               start: int = 0) -> list[Violation]:
    """Rule violations completed at points `start`.. (points before are context). Rule 1 flags every
    point beyond the limits; the other rules flag the point where a pattern begins to hold, not each
    further point of the same run."""
    s = (limits.ucl - limits.center) / 3
    out = []
    for rule in sorted(set(rules)):
        holds = _RULES[rule]
        w = WINDOW[rule]
        for i in range(max(start, w - 1), len(values)):
            window = values[i - w + 1:i + 1]
            if not holds(window, limits, s):
                continue
            if rule != 1 and i >= w and holds(values[i - w:i], limits, s):
                continue  # the same run, already flagged
            out.append(Violation(rule=rule, last=i, first=i - w + 1))
    return sorted(out, key=lambda v: (v.last, v.rule))


def _beyond(w, lim: Limits, s: float) -> bool:  # type: ignore[no-untyped-def]
    return w[0] > lim.ucl or w[0] < lim.lcl


def _one_side(w, lim: Limits, s: float) -> bool:  # type: ignore[no-untyped-def]
    return all(x > lim.center for x in w) or all(x < lim.center for x in w)


def _trend(w, lim: Limits, s: float) -> bool:  # type: ignore[no-untyped-def]
    steps = [b - a for a, b in itertools.pairwise(w)]
    return all(d > 0 for d in steps) or all(d < 0 for d in steps)


def _alternating(w, lim: Limits, s: float) -> bool:  # type: ignore[no-untyped-def]
    steps = [b - a for a, b in itertools.pairwise(w)]
    return all(a * b < 0 for a, b in itertools.pairwise(steps))


def _k_beyond(k: int, zones: int):  # type: ignore[no-untyped-def]
    def rule(w, lim: Limits, s: float) -> bool:  # type: ignore[no-untyped-def]
        up = sum(x > lim.center + zones * s for x in w)
        down = sum(x < lim.center - zones * s for x in w)
        return up >= k or down >= k
    return rule


def _hugging(w, lim: Limits, s: float) -> bool:  # type: ignore[no-untyped-def]
    return all(abs(x - lim.center) < s for x in w)


def _avoiding(w, lim: Limits, s: float) -> bool:  # type: ignore[no-untyped-def]
    return all(abs(x - lim.center) > s for x in w)


_RULES = {1: _beyond, 2: _one_side, 3: _trend, 4: _alternating, 5: _k_beyond(2, 2), 6: _k_beyond(4, 1),
          7: _hugging, 8: _avoiding}
