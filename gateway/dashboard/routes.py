"""Serving the dashboard's files from the package (no CDN, no build step): the page and its assets.

The files hold no data, so the policy makes them public; every number on the page comes from
/graphql with the key the user typed (kept in the browser's localStorage).
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=False)

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:",
}


def _file(name: str) -> Response:
    suffix = name[name.rfind(".") :] if "." in name else ""
    static = resources.files("gateway.dashboard") / "static"
    if suffix not in TYPES or "/" in name or name.startswith("."):
        raise HTTPException(404, "no such dashboard file")
    path = static / name
    if not path.is_file():
        raise HTTPException(404, "no such dashboard file")
    return Response(path.read_bytes(), media_type=TYPES[suffix], headers=HEADERS)


@router.get("", summary="The dashboard page")
def page() -> Response:
    return _file("index.html")


@router.get("/static/{name}", summary="A dashboard asset (script, style)")
def asset(name: str) -> Response:
    return _file(name)
