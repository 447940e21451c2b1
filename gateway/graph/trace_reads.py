"""What a trace resolver reads in one thread hop: the genealogy walk and the unit records it names.

A hop to the worker thread costs more than the small statements after a walk, so each trace
request makes one: the walk, then the units (and containers) its answer shows, on the same session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.graph.context import timed_trace
from traceability import genealogy
from traceability.genealogy import ForwardReach, TraceContainer, TraceMaterial, TraceUnit
from traceability.records.units import UnitRecord, units_by_id, units_by_serial


@dataclass(frozen=True)
class AsBuilt:
    units: list[TraceUnit]  # every sub-unit, at every level
    materials: list[TraceMaterial]
    records: dict[str, UnitRecord]  # by serial: the root (absent when unknown) and every sub-unit


def as_built(session: Session, serial: str, *, at: datetime | None, include_removed: bool) -> AsBuilt:
    """The walk, then the root's and sub-units' records in one statement (the root is found with
    them, not looked up before the walk: a round trip fewer)."""
    units, materials = timed_trace(genealogy.backward_walk, session, serial, at=at,
                                   include_removed=include_removed)
    records = units_by_serial(session, [serial, *(u.serial for u in units)])
    return AsBuilt(units=units, materials=materials, records=records)


@dataclass(frozen=True)
class RecallScope:
    reach: ForwardReach
    page: list[int]
    has_next: bool
    units: dict[int, UnitRecord]  # the page's and (when asked) the top level's
    containers: list[TraceContainer] | None  # None: not asked for


def recall_scope(session: Session, lot: str, *, first: int, after_id: int, include_removed: bool,
                 with_page: bool, with_top_level: bool, with_containers: bool) -> RecallScope:
    """One walk for the page, the total, the top level and the containers (from its unit ids)."""
    with genealogy.graph_walk(session):  # the planner switches once for the three statements
        reach = timed_trace(genealogy.forward_reach, session, lot, include_removed=include_removed)
        page, has_next = reach.page(first, after_id)
        wanted = [*(page if with_page else ()), *(reach.top_level_ids if with_top_level else ())]
        return RecallScope(
            reach=reach, page=page, has_next=has_next,
            units=units_by_id(session, wanted) if wanted else {},
            containers=genealogy.containers_of(session, reach.unit_ids) if with_containers else None)
