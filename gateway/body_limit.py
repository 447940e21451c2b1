"""A route class that refuses request bodies over `Settings.max_body_bytes` before parsing them.

Routers whose hooks take bodies from outside systems use `APIRouter(route_class=BoundedBodyRoute)`:
a declared Content-Length over the limit is refused at once, and a body without one is read only
up to the limit. The refusal has the usual shape: 413 {"error": {"code": "too_large", ...}}.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.routing import APIRoute

from gateway.errors import refusal


class BoundedBodyRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            if request.method in ("POST", "PUT", "PATCH"):
                limit = request.app.state.settings.max_body_bytes
                declared = request.headers.get("content-length", "")
                too_large = refusal(413, "too_large", f"body: larger than {limit} bytes", field="body")
                if declared.isdigit() and int(declared) > limit:
                    return too_large
                chunks, size = [], 0
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        return too_large
                    chunks.append(chunk)
                request._body = b"".join(chunks)  # what Request.body() returns from now on
            return await handler(request)

        return bounded
