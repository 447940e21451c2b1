"""Hold: a stop on a unit, lot, work order or container, open until released."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.graph.context import Info
from quality.holds import HoldView
from traceability.records.holds import HoldRecord


@strawberry.type(description="A hold (containment) on a unit, lot, work order or container.")
class Hold:
    id: int
    target_kind: str = strawberry.field(description="unit | lot | work_order | container")
    target: str = strawberry.field(description="serial, lot code, order number or container code")
    reason: str
    held_by: str
    held_at: datetime
    released_by: str | None
    released_at: datetime | None
    case_id: str | None

    @strawberry.field(description="True until the hold is released.")
    def open(self) -> bool:
        return self.released_at is None

    @classmethod
    def of(cls, r: HoldRecord) -> Hold:
        return cls(id=r.id, target_kind=r.target_kind, target=r.target_key, reason=r.reason,
                   held_by=r.held_by, held_at=r.held_at, released_by=r.released_by,
                   released_at=r.released_at, case_id=r.case_id)


@strawberry.type(description="An open hold that stops a unit now, placed on the unit or on what carries it.")
class UnitStop:
    hold_id: int
    target_kind: str = strawberry.field(description="unit | work_order | container")
    target: str
    via: str = strawberry.field(
        description="unit | panel | work_order | container: what of the unit carries it")
    reason: str
    held_by: str
    held_at: datetime
    case_id: str | None

    @classmethod
    def of(cls, v: HoldView) -> UnitStop:
        return cls(hold_id=v.id, target_kind=v.target_kind, target=v.target, via=v.via, reason=v.reason,
                   held_by=v.held_by, held_at=v.held_at, case_id=v.case_id)


async def holds_on(info: Info, kind: str, key: str, include_released: bool) -> list[Hold]:
    found = await info.context.loaders.holds.load((kind, key))
    return [Hold.of(h) for h in found if include_released or h.released_at is None]


INCLUDE_RELEASED = strawberry.argument(description="also list released holds")
