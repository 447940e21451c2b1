"""Subscribing over a plain websocket: `/api/v1/events/ws?types=unit.completed,lot.*&line=L1`.

Each event is one text frame holding the CloudEvents JSON envelope. A subscriber that falls
`TRACEBRIDGE_EVENTS_SUBSCRIBER_QUEUE` events behind gets an error frame and close code 1013.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect

from gateway.events.feed import EventFilter, FeedOverflow, Subscription

router = APIRouter(prefix="/api/v1/events", tags=["events"])

TRY_AGAIN_LATER = 1013


def event_filter(types: str | None, line: str | None, station: str | None,
                 alarms: bool = False) -> EventFilter:
    names = frozenset(t.strip() for t in (types or "").split(",") if t.strip())
    return EventFilter(types=names or None, line=line or None, station=station or None, alarms=alarms)


@router.websocket("/ws")
async def events_ws(
    ws: WebSocket,
    types: str | None = Query(None, description="comma-separated types or prefixes (lot.*)"),
    line: str | None = None,
    station: str | None = None,
    alarms: bool = False,
) -> None:
    feed = ws.app.state.events.feed
    # Subscribed before the handshake completes: nothing committed after it is missed.
    with feed.subscribe(event_filter(types, line, station, alarms)) as sub:
        await ws.accept()
        pump = asyncio.create_task(_pump(ws, sub))
        watch = asyncio.create_task(_until_disconnect(ws))
        done, _ = await asyncio.wait({pump, watch}, return_when=asyncio.FIRST_COMPLETED)
        for task in (pump, watch):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError, FeedOverflow):
                await task  # a send or receive on a closed socket ends its task: nothing to report
        error = pump.exception() if pump in done else None
        if isinstance(error, FeedOverflow):
            await ws.send_json({"error": {"code": "overflow", "message": str(error)}})
            await ws.close(TRY_AGAIN_LATER, "subscriber too slow")


async def _pump(ws: WebSocket, sub: Subscription) -> None:
    async for env in sub:
        await ws.send_text(env.to_json().decode())


async def _until_disconnect(ws: WebSocket) -> None:
    """The client sends nothing; reading is how a closed connection is noticed while no event flows."""
    while (await ws.receive())["type"] != "websocket.disconnect":
        pass
