"""GraphQL subscriptions over graphql-transport-ws at /graphql: `events`, `unitCompleted`, `alarms`.

Each subscription is a feed subscriber of this process (gateway/events/feed.py): it sees events
caused through any gateway process. A subscriber that falls behind gets an error with
`extensions.code = "overflow"` and its subscription ends; resubscribe and re-query to catch up.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.events.envelope import Envelope
from gateway.events.feed import EventFilter, Feed, FeedOverflow


@strawberry.type(description="An event, with the CloudEvents attributes it travels with on the exchange.")
class Event:
    id: str = strawberry.field(description="unique; a redelivered event keeps it")
    source: str
    type: str = strawberry.field(description="e.g. unit.completed, lot.held (the AMQP routing key)")
    time: datetime
    subject: str = strawberry.field(description="the serial, lot, work order ... it is about")
    sequence: int = strawberry.field(description="per subject, from 1: spot gaps and duplicates")
    aggregate: str
    dataschema: str = strawberry.field(description="the payload's version (docs/events/)")
    line: str | None
    station: str | None
    data: JSON

    @classmethod
    def of(cls, env: Envelope) -> Event:
        return cls(id=env.id, source=env.source, type=env.type, time=_time(env.time),
                   subject=env.subject, sequence=env.sequence, aggregate=env.aggregate,
                   dataschema=env.dataschema, line=env.line, station=env.station, data=env.data)


@strawberry.type(description="A unit finished an operation at a station.")
class UnitCompleted:
    event_id: str
    sequence: int
    serial: str
    operation: str
    station: str
    line: str | None
    work_order: str | None
    result: str = strawberry.field(description="pass, fail, scrapped or aborted")
    completed_at: datetime

    @classmethod
    def of(cls, env: Envelope) -> UnitCompleted:
        d = env.data
        return cls(event_id=env.id, sequence=env.sequence, serial=d["serial"], operation=d["operation"],
                   station=d["station"], line=d.get("line"), work_order=d.get("work_order"),
                   result=d["result"], completed_at=_time(d["completed_at"]))


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _feed(info: Info) -> Feed:
    return info.context.request.app.state.events.feed


async def _stream(info: Info, where: EventFilter) -> AsyncGenerator[Envelope, None]:
    with _feed(info).subscribe(where) as sub:
        try:
            async for env in sub:
                yield env
        except FeedOverflow as overflow:
            raise GraphQLError(str(overflow), extensions={"code": "overflow"}) from None


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Every event, or those of the given types (a name or a "
                             "prefix such as `lot.*`), line and station.")
    async def events(self, info: Info, types: list[str] | None = None, line: str | None = None,
                     station: str | None = None) -> AsyncGenerator[Event, None]:
        where = EventFilter(types=frozenset(types) if types else None, line=line, station=station)
        async for env in _stream(info, where):
            yield Event.of(env)

    @strawberry.subscription(description="Units finishing operations, optionally on one line or station.")
    async def unit_completed(self, info: Info, line: str | None = None,
                             station: str | None = None) -> AsyncGenerator[UnitCompleted, None]:
        where = EventFilter(types=frozenset({"unit.completed"}), line=line, station=station)
        async for env in _stream(info, where):
            yield UnitCompleted.of(env)

    @strawberry.subscription(description="What needs someone: SPC alarms, holds, containment, lost "
                             "devices.")
    async def alarms(self, info: Info, line: str | None = None,
                     station: str | None = None) -> AsyncGenerator[Event, None]:
        async for env in _stream(info, EventFilter(line=line, station=station, alarms=True)):
            yield Event.of(env)
