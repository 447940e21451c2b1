"""`GET /api/v1/epcis/events`: the store's history as EPCIS 2.0 JSON-LD, a page at a time.

Query parameters follow the EPCIS 2.0 REST binding where it has names for them
(`GE_eventTime`, `LT_eventTime`, `perPage`, `nextPageToken`); `serial` and `lot` filter to the
events naming that unit or lot. The next page is announced in the `Link` header (rel="next") and
the `GS1-Next-Page-Token` header.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from gateway.deps import SettingsDep, StoreDep
from integrations.epcis.document import decode_token, document, encode_token
from integrations.epcis.events import EventWriter
from traceability import history

router = APIRouter(prefix="/api/v1/epcis", tags=["GS1 EPCIS 2.0"])
MEDIA_TYPE = "application/ld+json"


@router.get("/events", summary="Events as an EPCIS 2.0 JSON-LD EPCISDocument, paged by token",
            response_class=JSONResponse)
def events(
    request: Request, store: StoreDep, settings: SettingsDep,
    ge_event_time: Annotated[AwareDatetime | None, Query(alias="GE_eventTime")] = None,
    lt_event_time: Annotated[AwareDatetime | None, Query(alias="LT_eventTime")] = None,
    serial: Annotated[str | None, Query(max_length=100)] = None,
    lot: Annotated[str | None, Query(max_length=64)] = None,
    per_page: Annotated[int | None, Query(alias="perPage", ge=1, le=1000)] = None,
    next_page_token: Annotated[str | None, Query(alias="nextPageToken", max_length=200)] = None,
) -> JSONResponse:
    cfg = settings.epcis
    after = decode_token(next_page_token) if next_page_token else None
    with store.read() as session:
        page = history.page(session, start=ge_event_time, end=lt_event_time, serial=serial, lot=lot,
                            after=after, limit=per_page or cfg.page_size)
    body = document(EventWriter(cfg), page.facts, cfg.extension_namespace)
    headers = {}
    if page.next is not None:
        token = encode_token(page.next)
        url = request.url.include_query_params(nextPageToken=token)
        headers = {"Link": f'<{url}>; rel="next"', "GS1-Next-Page-Token": token}
    return JSONResponse(body, media_type=MEDIA_TYPE, headers=headers)
