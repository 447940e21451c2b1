"""Change-only and deadband filtering: a reading is stored only if it moved enough since the last stored one.

The filter remembers the last value *stored*, not the last value read: `accept` proposes what to
store, and `stored` is called only after the store committed, so a failed write is offered again on
the next cycle instead of being forgotten. Readings that are not numbers (NaN, infinity — a float32
register can hold them) are never stored and are counted as problems by the poller.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from devices.modbus.config import Register


class ChangeFilter:
    """Per-device memory of the last stored value of each filtered parameter."""

    def __init__(self, registers: Iterable[Register]) -> None:
        self._rules = {r.parameter: r for r in registers}
        self._last: dict[str, float] = {}

    def accept(self, values: Mapping[str, float]) -> dict[str, float]:
        """The subset of `values` worth storing: finite, and changed beyond the deadband if filtered."""
        out: dict[str, float] = {}
        for name, value in values.items():
            if not math.isfinite(value):
                continue
            rule = self._rules.get(name)
            last = self._last.get(name)
            if rule is not None and rule.filtered and last is not None:
                if rule.deadband > 0 and abs(value - last) <= rule.deadband:
                    continue
                if value == last:
                    continue
            out[name] = value
        return out

    def stored(self, values: Mapping[str, float]) -> None:
        """Remember what the store committed."""
        self._last.update(values)
