"""The request's DataLoaders: each turns the keys one execution step asks for into one statement."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from functools import partial
from typing import Any

from strawberry.dataloader import DataLoader

from quality import holds as quality_holds
from traceability import completeness
from traceability.records import as_built, history, holds, materials, packing, units, work_orders
from traceability.records.units import UnitRecord

Reader = Callable[..., Awaitable[Any]]


def _loader(read: Reader, fn: Callable[..., dict], *, many: bool = False,
            known: Mapping[Any, Any] | None = None) -> DataLoader:
    """A loader over a set-based reader `fn(session, keys) -> {key: value}`; absent keys -> None or [].
    Keys in `known` (records the request already read) are answered without a statement."""

    async def load(keys: Sequence[Hashable]) -> list[Any]:
        found = {k: known[k] for k in keys if k in known} if known else {}
        missing = [k for k in keys if k not in found]
        if missing:
            found.update(await read(fn, missing))
        return [found.get(k, [] if many else None) for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, read: Reader) -> None:
        # Units a resolver read in bulk (a page, the top level, an as-built), by id and by serial:
        # plain dicts, because priming a loader makes a future per key (700 for a recall scope).
        self.units_read: dict[int, UnitRecord] = {}
        self.units_read_by_serial: dict[str, UnitRecord] = {}
        self.unit = _loader(read, units.units_by_id, known=self.units_read)
        self.unit_by_serial = _loader(read, units.units_by_serial, known=self.units_read_by_serial)
        self.parent = _loader(read, units.parents_of)
        self.operations = _loader(read, history.operations_of, many=True)
        self.parameters = _loader(read, history.parameters_of, many=True)
        self.test_results = _loader(read, history.test_results_of, many=True)
        self.installed = _loader(read, as_built.installations_of, many=True)
        self.installed_ever = _loader(read, partial(as_built.installations_of, include_removed=True),
                                      many=True)
        self.container_chain = _loader(read, packing.container_chains, many=True)
        self.container = _loader(read, packing.containers_by_code)
        self.holds = _loader(read, holds.holds_on, many=True)
        self.stopping_holds = _loader(read, quality_holds.unit_holds, many=True)
        self.lot = _loader(read, materials.lots_by_code)
        self.sublots = _loader(read, materials.sublots_of, many=True)
        self.work_order = _loader(read, work_orders.work_orders_by_id)
        self.work_order_by_number = _loader(read, work_orders.work_orders_by_number)
        self.progress = _loader(read, work_orders.progress_of, many=True)
        self.trace_level = _loader(read, completeness.trace_levels_of)
        self.trace_summary = _loader(read, partial(completeness.work_order_summaries, top=100))

    def remember_units(self, found: Mapping[int, UnitRecord]) -> None:
        self.units_read.update(found)
        self.units_read_by_serial.update((u.serial, u) for u in found.values())
