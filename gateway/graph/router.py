"""The /graphql endpoint on the FastAPI app: GraphiQL in the browser, a read session per request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
from fastapi import Depends
from sqlalchemy.orm import Session
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from gateway.deps import StoreDep
from gateway.events.graph import Subscription
from gateway.graph.context import GraphContext
from gateway.graph.schema import build_schema
from gateway.graph.settings import GraphQLSettings


async def _session(store: StoreDep) -> AsyncIterator[Session]:
    """Autocommit on PostgreSQL: no BEGIN and COMMIT round trips (resolvers neither stream nor
    need one snapshot). A sync generator dependency costs two thread hops per request; opening a
    session does no I/O (the connection is taken at the first statement, in a resolver's worker
    thread), so it opens on the event loop, and ending it (COMMIT on SQLite, the connection's
    return) takes one hop."""
    reading = store.read(autocommit=True)
    session = reading.__enter__()
    try:
        yield session
    except BaseException as exc:
        await asyncio.to_thread(reading.__exit__, type(exc), exc, exc.__traceback__)
        raise
    await asyncio.to_thread(reading.__exit__, None, None, None)


class _Router(GraphQLRouter):
    def encode_json(self, data: object) -> str:
        """orjson: a recall's answer holds a thousand units, and the json module took ~1 ms of it.
        As text: the same encoder frames subscription messages, which must be websocket text
        frames (bytes go out as binary ones, which browsers hand over as a Blob)."""
        return orjson.dumps(data).decode()


def graphql_router(limits: GraphQLSettings) -> GraphQLRouter:
    async def context(session: Session = Depends(_session)) -> GraphContext:
        return GraphContext(session, limits)

    schema = build_schema(limits, subscription=Subscription)
    return _Router(schema, path="/graphql", context_getter=context,
                   subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
                   graphql_ide="graphiql" if limits.graphiql else None)
