"""MaterialLot: a lot or sublot (reel, tray), its supplier data, sublots, where it was used, holds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from gateway.graph.context import Info
from gateway.graph.holds import INCLUDE_RELEASED, Hold, holds_on
from gateway.graph.pagination import DEFAULT_PAGE, UnitConnection, after_id, page_size, unit_connection
from traceability import genealogy
from traceability.records.materials import LotRecord


@strawberry.type(description="An ISA-95 material lot; a reel or tray is a sublot split from its lot.")
class MaterialLot:
    rec: strawberry.Private[LotRecord]
    id: str = strawberry.field(description="the lot code")
    part_number: str
    part_description: str
    supplier: str | None
    supplier_lot: str | None
    date_code: str | None
    quantity: float
    status: str = strawberry.field(description="released | quarantined | consumed")
    location: str | None
    received_at: datetime

    @strawberry.field(description="The lot this one was split from.")
    async def parent_lot(self, info: Info) -> MaterialLot | None:
        if self.rec.parent_lot is None:
            return None
        found = await info.context.loaders.lot.load(self.rec.parent_lot)
        return MaterialLot.of(found) if found else None

    @strawberry.field(description="Lots split from this one.")
    async def sublots(self, info: Info) -> list[MaterialLot]:
        return [MaterialLot.of(r) for r in await info.context.loaders.sublots.load(self.rec.id)]

    @strawberry.field(description="Every unit containing this lot (or its sublots) at any level, a page "
                                  "at a time. One statement per lot: costly inside lists.")
    async def where_used(self, info: Info, first: int | None = DEFAULT_PAGE, after: str | None = None,
                         include_removed: bool = False) -> UnitConnection:
        size, start = page_size(info, first), after_id(after)
        page, total, has_next = await info.context.read(
            genealogy.forward_page, self.id, first=size, after_id=start, include_removed=include_removed)
        return await unit_connection(info, [u.id for u in page], total=total, has_next=has_next,
                                     after=start)

    @strawberry.field
    async def holds(self, info: Info,
                    include_released: Annotated[bool, INCLUDE_RELEASED] = False) -> list[Hold]:
        return await holds_on(info, "lot", self.id, include_released)

    @classmethod
    def of(cls, r: LotRecord) -> MaterialLot:
        return cls(rec=r, id=r.lot_code, part_number=r.part_number, part_description=r.part_description,
                   supplier=r.supplier, supplier_lot=r.supplier_lot, date_code=r.date_code,
                   quantity=r.quantity, status=r.status, location=r.location, received_at=r.received_at)


async def lots_by_code(info: Info, codes: list[str]) -> list[MaterialLot]:
    return [MaterialLot.of(r) for r in await info.context.loaders.lot.load_many(codes) if r]
