"""The request's DataLoaders: each turns the keys one execution step asks for into one statement."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import partial
from typing import Any

from strawberry.dataloader import DataLoader

from quality import holds as quality_holds
from traceability import completeness, genealogy
from traceability.records import as_built, history, holds, materials, packing, units, work_orders

Reader = Callable[..., Awaitable[Any]]


def _loader(read: Reader, fn: Callable[..., dict], *, many: bool = False) -> DataLoader:
    """A loader over a set-based reader `fn(session, keys) -> {key: value}`; absent keys -> None or []."""

    async def load(keys: Sequence[Hashable]) -> list[Any]:
        found = await read(fn, list(keys))
        return [found.get(k, [] if many else None) for k in keys]

    return DataLoader(load_fn=load)


def _forward(session, keys: list[tuple[str, bool]]) -> dict:  # type: ignore[no-untyped-def]
    """The recall scope of each lot asked for (a request names one or two)."""
    return {k: genealogy.forward(session, k[0], include_removed=k[1]) for k in keys}


class Loaders:
    def __init__(self, read: Reader) -> None:
        self.unit = _loader(read, units.units_by_id)
        self.unit_by_serial = _loader(read, units.units_by_serial)
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
        self.forward_scope = _loader(read, _forward)
        self.trace_level = _loader(read, completeness.trace_levels_of)
        self.trace_summary = _loader(read, partial(completeness.work_order_summaries, top=100))
