"""IPC-1782 completeness: which traceability level a unit's recorded data reaches, and what is missing.

The unit's work order pins a routing revision; the revision says what should have been recorded
(per-operation BOM with reference designators, the operations in sequence, required parameters).
Each gap found is a `Missing` item naming the level it blocks; a unit's level is the highest level
no gap blocks, on two axes: manufacturing (M, materials) and process (P, operations and data).
A unit with sub-assemblies reaches only what its weakest sub-assembly reaches: their gaps are
listed too, under their own serials. The rules are summarised in docs/ipc-1782.md.

Reads are set-based (`completeness_reads`): a unit, a work order or a time range costs the same
few statements per level of sub-assembly, never one per unit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from traceability import completeness_reads as reads
from traceability.errors import Invalid, NotFound
from traceability.models import Unit, WorkOrder

T = TypeVar("T")
MAX_DEPTH = 8  # sub-assembly levels followed; bad data with a cycle stops here


@dataclass(frozen=True)
class Missing:
    """One gap. `reason` leaves the serial out so that gaps group across units."""

    serial: str
    blocks: str  # the level this gap keeps the unit from: M1..M4 or P1..P4
    kind: str
    reason: str
    operation: str | None = None
    reference_designator: str | None = None
    part_number: str | None = None
    parameter: str | None = None


@dataclass
class TraceLevel:
    serial: str
    work_order: str | None
    routing: str | None
    missing: list[Missing] = field(default_factory=list)

    def _level(self, axis: str) -> int:
        return min([4, *(int(m.blocks[1]) - 1 for m in self.missing if m.blocks[0] == axis)])

    @property
    def manufacturing(self) -> str:
        return f"M{self._level('M')}"

    @property
    def process(self) -> str:
        return f"P{self._level('P')}"


@dataclass(frozen=True)
class MissingCount:
    blocks: str
    kind: str
    reason: str
    units: int  # how many of the assessed units it affects
    operation: str | None
    reference_designator: str | None
    part_number: str | None
    parameter: str | None


@dataclass
class TraceLevelSummary:
    scope: str
    units: int
    manufacturing: dict[str, int]
    process: dict[str, int]
    top_missing: list[MissingCount]


# --- entry points ------------------------------------------------------------------------------


def unit_trace_level(session: Session, serial: str) -> TraceLevel:
    """The level of one unit (with its sub-assemblies). A panel answers for its boards."""
    unit_id = session.scalar(select(Unit.id).where(Unit.serial == serial))
    if unit_id is None:
        raise NotFound(f"unknown unit {serial!r}", field="serial")
    return trace_levels_of(session, [unit_id])[unit_id]


def trace_levels_of(session: Session, unit_ids: list[int]) -> dict[int, TraceLevel]:
    """Levels of many units at once (the GraphQL loader's read); panels answer for their boards."""
    rows = session.execute(
        select(Unit.id, Unit.serial, Unit.kind, WorkOrder.number)
        .outerjoin(WorkOrder, WorkOrder.id == Unit.work_order_id).where(Unit.id.in_(unit_ids))).all()
    panels = {r.id: r for r in rows if r.kind == "panel"}
    out = assess(session, select(Unit.id).where(Unit.id.in_([r.id for r in rows if r.kind != "panel"])))
    if panels:
        boards = assess(session, select(Unit.id).where(Unit.panel_unit_id.in_(panels)))
        panel_of = dict(session.execute(select(Unit.id, Unit.panel_unit_id).where(
            Unit.panel_unit_id.in_(panels))).all())
        by_panel: dict[int, list[TraceLevel]] = {}
        for bid, t in boards.items():
            by_panel.setdefault(panel_of[bid], []).append(t)
        for pid, p in panels.items():
            mine = by_panel.get(pid, [])
            gaps = sorted((m for t in mine for m in t.missing), key=lambda m: m.blocks)
            out[pid] = TraceLevel(serial=p.serial, work_order=p.number,
                                  routing=next((t.routing for t in mine), None), missing=gaps)
    return out


def work_order_trace_levels(session: Session, number: str, *, top: int = 10) -> TraceLevelSummary:
    wo = session.scalar(select(WorkOrder.id).where(WorkOrder.number == number))
    if wo is None:
        raise NotFound(f"unknown work order {number!r}", field="number")
    return work_order_summaries(session, [wo], top=top)[wo]


def work_order_summaries(session: Session, work_order_ids: list[int], *, top: int = 10
                         ) -> dict[int, TraceLevelSummary]:
    """Per work order: units per level and the commonest gaps (panels, being carriers, aside).
    One assessment for all the orders asked for."""
    numbers = dict(session.execute(select(WorkOrder.id, WorkOrder.number).where(
        WorkOrder.id.in_(work_order_ids))).all())
    levels = assess(session, select(Unit.id).where(Unit.work_order_id.in_(numbers), Unit.kind != "panel"))
    return {wid: summarize(f"work order {number}",
                           {u: t for u, t in levels.items() if t.work_order == number}, top=top)
            for wid, number in numbers.items()}


def range_trace_levels(session: Session, start: datetime, end: datetime, *, top: int = 10
                       ) -> TraceLevelSummary:
    """Units registered in [start, end), panels aside."""
    if end <= start:
        raise Invalid("end", "must be after start")
    ids = select(Unit.id).where(and_(Unit.created_at >= start, Unit.created_at < end),
                                Unit.kind != "panel")
    return summarize(f"units registered {start.isoformat()} to {end.isoformat()}",
                     assess(session, ids), top=top)


def summarize(scope: str, levels: dict[int, TraceLevel], *, top: int = 10) -> TraceLevelSummary:
    m = Counter(t.manufacturing for t in levels.values())
    p = Counter(t.process for t in levels.values())
    gaps: Counter[tuple] = Counter()
    for t in levels.values():
        gaps.update({(g.blocks, g.kind, g.reason, g.operation, g.reference_designator, g.part_number,
                      g.parameter) for g in t.missing})
    return TraceLevelSummary(
        scope=scope, units=len(levels),
        manufacturing={f"M{i}": m.get(f"M{i}", 0) for i in range(5)},
        process={f"P{i}": p.get(f"P{i}", 0) for i in range(5)},
        top_missing=[MissingCount(blocks=k[0], kind=k[1], reason=k[2], operation=k[3],
                                  reference_designator=k[4], part_number=k[5], parameter=k[6], units=n)
                     for k, n in sorted(gaps.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][2]))[:top]],
    )


# --- assessment -------------------------------------------------------------------------------


def assess(session: Session, selection: Select) -> dict[int, TraceLevel]:
    """Every selected unit's level, its sub-assemblies' gaps folded in (one pass per level)."""
    own: dict[int, TraceLevel] = {}
    kids: dict[int, set[int]] = {}
    needs: dict[int, reads.RoutingNeeds] = {}
    top = reads.unit_ids(session, selection)
    ids = top
    for _ in range(MAX_DEPTH):
        units = reads.units(session, [i for i in ids if i not in own])
        if not units:
            break
        needs |= reads.routing_needs(session, {u.routing_id for u in units if u.routing_id} - set(needs))
        placed = reads.placements(session, [u.id for u in units])
        records, params = reads.operations(session, units)
        placed_by, records_by = _by_owner(placed), _by_owner(records)
        for u in units:
            own[u.id] = TraceLevel(serial=u.serial, work_order=u.work_order, routing=u.routing,
                                   missing=_gaps(u, needs.get(u.routing_id or -1), placed_by.get(u.id, []),
                                                 records_by.get(u.id, []), params))
        for p in placed:
            if p.child_unit_id is not None:
                kids.setdefault(p.owner, set()).add(p.child_unit_id)
        ids = sorted({p.child_unit_id for p in placed if p.child_unit_id is not None})
    # The gaps that set the level first: M before P, the lowest blocked level first.
    return {uid: TraceLevel(serial=own[uid].serial, work_order=own[uid].work_order,
                            routing=own[uid].routing,
                            missing=sorted(_with_children(uid, own, kids), key=lambda m: m.blocks))
            for uid in top if uid in own}


def _by_owner(rows: list[T]) -> dict[int, list[T]]:
    out: dict[int, list[T]] = {}
    for r in rows:
        out.setdefault(r.owner, []).append(r)  # type: ignore[attr-defined]
    return out


def _with_children(uid: int, own: dict[int, TraceLevel], kids: dict[int, set[int]]) -> list[Missing]:
    out, seen, stack = [], set(), [uid]
    while stack:
        u = stack.pop()
        if u in seen or u not in own:
            continue
        seen.add(u)
        out += own[u].missing
        stack += sorted(kids.get(u, ()), reverse=True)
    return out


def _gaps(u: reads.UnitRow, needs: reads.RoutingNeeds | None, placed: list[reads.Placement],
          records: list[reads.OperationRecord], params: dict[int, set[str]]) -> list[Missing]:
    if u.work_order is None:
        return [Missing(u.serial, "M1", "work_order", "not linked to a work order"),
                Missing(u.serial, "P1", "work_order", "not linked to a work order")]
    if needs is None:
        reason = f"work order {u.work_order} pins no routing revision to check the record against"
        gaps = [Missing(u.serial, "M2", "routing", reason), Missing(u.serial, "P2", "routing", reason)]
        if not records:
            gaps.append(Missing(u.serial, "P1", "operation", "no operation recorded"))
        return gaps
    return _material_gaps(u.serial, needs, placed) + _process_gaps(u.serial, needs, records, params)


def _material_gaps(serial: str, needs: reads.RoutingNeeds, placed: list[reads.Placement]) -> list[Missing]:
    by_ref: dict[str | None, list[reads.Placement]] = {}
    by_part: dict[int, list[reads.Placement]] = {}
    for p in placed:
        by_ref.setdefault(p.reference_designator, []).append(p)
        by_part.setdefault(p.part_id, []).append(p)
    gaps = []
    for line in needs.bom:
        part = line.part_number

        def gap(blocks: str, kind: str, reason: str, ref: str | None = None,
                line: reads.BomLine = line) -> Missing:
            return Missing(serial, blocks, kind, reason, operation=line.operation,
                           reference_designator=ref, part_number=line.part_number)

        if not line.designators:
            at = by_part.get(line.part_id)
            if not at:
                gaps.append(gap("M2", "material", f"{part} at {line.operation}: no material recorded"))
            else:
                gaps += _placement_gaps(at, line, gap, None)
            continue
        line_seen = line.part_id in by_part or any(ref in by_ref for ref in line.designators)
        for ref in line.designators:
            at = by_ref.get(ref)
            if not at:
                gaps.append(gap("M3" if line_seen else "M2", "designator",
                                f"{ref} ({part} at {line.operation}): nothing recorded as installed", ref))
            else:
                gaps += _placement_gaps(at, line, gap, ref)
    return gaps


def _placement_gaps(at: list[reads.Placement], line: reads.BomLine, gap, ref: str | None  # type: ignore[no-untyped-def]
                    ) -> list[Missing]:
    what = f"{ref} ({line.part_number})" if ref else line.part_number
    if len(at) == 1:  # the common case, checked field by field
        p = at[0]
        other_part, candidate = p.part_id != line.part_id, p.attribution == "candidate"
        no_lot = p.lot is None and p.child_unit_id is None
        by_lot, no_station, sources = p.child_unit_id is None, p.station is None, 1
    else:
        other_part = any(p.part_id != line.part_id for p in at)
        no_lot = any(p.lot is None and p.child_unit_id is None for p in at)
        candidate = any(p.attribution == "candidate" for p in at)
        by_lot = any(p.child_unit_id is None for p in at)
        no_station = any(p.station is None for p in at)
        sources = len({p.lot or f"unit:{p.child_unit_id}" for p in at})
    if other_part:
        return [gap("M3", "part", f"{what}: a different part is recorded than the routing's", ref)]
    if no_lot:
        return [gap("M3", "lot", f"{what}: installed without a known lot", ref)]
    if ref and (sources > 1 or candidate):
        names = ", ".join(sorted({p.lot or f"unit:{p.child_unit_id}" for p in at}))
        return [gap("M3", "ambiguous_lot", f"{what}: lot not resolved ({names})", ref)]
    gaps = []
    if line.serialized and by_lot:
        gaps.append(gap("M4", "serial", f"{what}: a serialized part recorded by lot, not by serial", ref))
    if no_station:
        gaps.append(gap("M4", "station", f"{what}: installed with no station recorded", ref))
    return gaps


def _process_gaps(serial: str, needs: reads.RoutingNeeds, records: list[reads.OperationRecord],
                  params: dict[int, set[str]]) -> list[Missing]:
    gaps = []
    if not records:
        gaps.append(Missing(serial, "P1", "operation", "no operation recorded"))
    for code in needs.operations:
        recs = [r for r in records if r.operation == code]
        if not recs:
            gaps.append(Missing(serial, "P2", "operation", f"{code}: not recorded", operation=code))
            continue
        if not any(r.completed_at for r in recs):
            gaps.append(Missing(serial, "P2", "incomplete",
                                f"{code}: started at {recs[-1].station}, never completed", operation=code))
            continue
        for r in recs:
            if r.operator is None:
                gaps.append(Missing(serial, "P3", "operator", f"{code} at {r.station}: no operator recorded",
                                    operation=code))
                break
        if any(r.completed_at is None for r in recs):
            gaps.append(Missing(serial, "P3", "times", f"{code}: a record has no completion time",
                                operation=code))
        seen = set().union(*(params.get(r.id, set()) for r in recs))
        for name in needs.parameters.get(code, ()):
            if name not in seen:
                gaps.append(Missing(serial, "P4", "parameter",
                                    f"{code}: required parameter {name} not recorded",
                                    operation=code, parameter=name))
    return gaps
