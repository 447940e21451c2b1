"""The per-process feed: filters, duplicates dropped, and a slow subscriber cut off alone."""

from __future__ import annotations

import asyncio

import pytest

from gateway.events.envelope import Envelope
from gateway.events.feed import EventFilter, Feed, FeedOverflow


def _env(n: int, type: str = "unit.completed", *, line: str | None = "L1", station: str | None = "ICT-1",
         id: str | None = None) -> Envelope:
    return Envelope(id=id or f"e{n}", source="urn:test", type=type, time="2026-11-30T08:00:00Z",
                    subject=f"SN{n}", sequence=1, aggregate="unit",
                    dataschema=f"urn:tracebridge:events:{type}:v1", data={"n": n}, line=line, station=station)


async def _settle() -> None:
    for _ in range(3):  # offer() hops through call_soon_threadsafe
        await asyncio.sleep(0)


def test_filters_by_type_prefix_line_station_and_alarm():
    async def run() -> dict[str, list[str]]:
        feed = Feed(asyncio.get_running_loop())
        subs = {
            "all": feed.subscribe(),
            "types": feed.subscribe(EventFilter(types=frozenset({"lot.*", "unit.completed"}))),
            "line": feed.subscribe(EventFilter(line="L2")),
            "station": feed.subscribe(EventFilter(station="AOI-1")),
            "alarms": feed.subscribe(EventFilter(alarms=True)),
        }
        feed.offer(_env(1))
        feed.offer(_env(2, "lot.held", line=None, station=None))
        feed.offer(_env(3, "device.lost", line="L2", station="AOI-1"))
        feed.offer(_env(4, "spc.alarm", line="L2", station="AOI-1"))
        feed.offer(_env(5, "workorder.progress", line="L2"))
        await _settle()
        return {k: [e.subject for e in _drain(s)] for k, s in subs.items()}

    got = asyncio.run(run())
    assert got == {"all": ["SN1", "SN2", "SN3", "SN4", "SN5"], "types": ["SN1", "SN2"],
                   "line": ["SN3", "SN4", "SN5"], "station": ["SN3", "SN4"],
                   "alarms": ["SN2", "SN3", "SN4"]}


def _drain(sub) -> list[Envelope]:
    out = []
    while not sub.queue.empty():
        out.append(sub.queue.get_nowait())
    return out


def test_a_duplicate_event_id_reaches_subscribers_once():
    async def run() -> list[str]:
        feed = Feed(asyncio.get_running_loop())
        sub = feed.subscribe()
        for _ in range(3):
            feed.offer(_env(1, id="same"))
        feed.offer(_env(2))
        await _settle()
        return [e.id for e in _drain(sub)]

    assert asyncio.run(run()) == ["same", "e2"]


def test_a_slow_subscriber_is_told_and_dropped_while_the_others_get_everything():
    async def run() -> tuple[list[int], int, int]:
        feed = Feed(asyncio.get_running_loop(), queue_size=10)
        slow, fast = feed.subscribe(), feed.subscribe()
        got: list[int] = []

        async def read_fast() -> None:
            async for env in fast:
                got.append(env.data["n"])
                if len(got) == 50:
                    return

        reader = asyncio.create_task(read_fast())
        for n in range(50):
            feed.offer(_env(n))  # never blocks, whoever is behind
            if n % 5 == 4:
                await asyncio.sleep(0)  # the fast reader keeps up; the slow one never reads
        await asyncio.wait_for(reader, 5)
        with pytest.raises(FeedOverflow) as told:
            await asyncio.wait_for(slow.__anext__(), 1)
        return got, told.value.behind, feed.subscribers

    got, behind, left = asyncio.run(run())
    assert got == list(range(50))
    assert behind == 10 and left == 1  # the slow one is gone, the fast one stays
