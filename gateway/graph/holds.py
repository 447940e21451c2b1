"""Hold: a stop on a unit, lot, work order or container, open until released."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.graph.context import Info
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


async def holds_on(info: Info, kind: str, key: str, include_released: bool) -> list[Hold]:
    found = await info.context.loaders.holds.load((kind, key))
    return [Hold.of(h) for h in found if include_released or h.released_at is None]


INCLUDE_RELEASED = strawberry.argument(description="also list released holds")
