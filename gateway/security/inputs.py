"""Input limits the guard applies before a route sees a request: body size and JSON nesting depth."""

from __future__ import annotations

import re

from starlette.types import Message, Receive

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    pass


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def json_depth(body: bytes, cap: int) -> int:
    """Deepest nesting of arrays/objects (strings skipped); counting stops once past `cap`."""
    if body.count(b"[") + body.count(b"{") <= cap:
        return 0  # cannot be deeper than the number of brackets it has: skip the scan
    brackets = _STRING.sub(b'""', body).translate(None, _NOT_BRACKETS)
    depth = 0
    for b in brackets:
        depth += 1 if b in (0x5B, 0x7B) else -1
        if depth > cap:
            return depth
    return 0


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, refusing it as soon as more than `limit` bytes have arrived."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientGone()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"more than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the already-read body, then defers to the real one."""
    sent = False

    async def _receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return _receive


def counting(receive: Receive, limit: int) -> Receive:
    """A receive that raises BodyTooLarge once the streamed body passes `limit` bytes."""
    size = 0

    async def _receive() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge(f"more than {limit} bytes")
        return message

    return _receive
