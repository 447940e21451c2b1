"""Container: a box, pallet or shipment, with the container it sits in now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from gateway.graph.context import Info
from gateway.graph.holds import INCLUDE_RELEASED, Hold, holds_on
from traceability.genealogy import TraceContainer
from traceability.records.packing import ContainerRecord


@strawberry.type(description="A box, pallet or shipment.")
class Container:
    code: str
    kind: str = strawberry.field(description="box | pallet | shipment")
    status: str = strawberry.field(description="open | closed | shipped")
    customer: str | None
    shipped_at: datetime | None
    parent_code: strawberry.Private[str | None]

    @strawberry.field(description="Where a shipment goes.")
    async def destination(self, info: Info) -> str | None:
        found = await info.context.loaders.container.load(self.code)
        return found.destination if found else None

    @strawberry.field(description="The container this one is packed in now (box -> pallet -> shipment).")
    async def parent(self, info: Info) -> Container | None:
        if self.parent_code is None:
            return None
        found = await info.context.loaders.container.load(self.parent_code)
        return Container.of(found) if found else None

    @strawberry.field
    async def holds(self, info: Info,
                    include_released: Annotated[bool, INCLUDE_RELEASED] = False) -> list[Hold]:
        return await holds_on(info, "container", self.code, include_released)

    @classmethod
    def of(cls, r: ContainerRecord | TraceContainer) -> Container:
        return cls(code=r.code, kind=r.kind, status=r.status, customer=r.customer,
                   shipped_at=r.shipped_at, parent_code=r.parent_code)
