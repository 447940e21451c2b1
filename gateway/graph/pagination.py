"""Relay connections of units: opaque cursors over unit ids (keyset pages, stable under inserts)."""

from __future__ import annotations

import base64
import binascii

import strawberry

from gateway.graph.context import Info
from gateway.graph.units import Unit, units_by_id
from traceability.errors import Invalid

_PREFIX = "unit:"
DEFAULT_PAGE = 100


def cursor(unit_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{unit_id}".encode()).decode()


def after_id(after: str | None) -> int:
    """The unit id a cursor points at (0 before the first); a foreign cursor names `after`."""
    if after is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(after.encode()).decode()
        if text.startswith(_PREFIX) and (value := int(text.removeprefix(_PREFIX))) >= 0:
            return value
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise Invalid("after", "not a cursor this API returned (use pageInfo.endCursor)")


def page_size(info: Info, first: int | None) -> int:
    limit = info.context.limits.max_page_size
    if first is None:  # an explicit null: the default page
        return min(DEFAULT_PAGE, limit)
    if not 0 <= first <= limit:
        raise Invalid("first", f"must be between 0 and {limit}")
    return first


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class UnitEdge:
    cursor: str
    node: Unit


@strawberry.type(description="A page of units in a stable order; pass pageInfo.endCursor as `after`.")
class UnitConnection:
    edges: list[UnitEdge]
    page_info: PageInfo
    total_count: int


async def unit_connection(info: Info, ids: list[int], *, total: int, has_next: bool,
                          after: int) -> UnitConnection:
    units = await units_by_id(info, ids)
    edges = [UnitEdge(cursor=cursor(u.rec.id), node=u) for u in units]
    return UnitConnection(
        edges=edges, total_count=total,
        page_info=PageInfo(has_next_page=has_next, has_previous_page=after > 0,
                           start_cursor=edges[0].cursor if edges else None,
                           end_cursor=edges[-1].cursor if edges else None))
