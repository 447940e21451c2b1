"""The /graphql endpoint on the FastAPI app: GraphiQL in the browser, a read session per request."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends
from sqlalchemy.orm import Session
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from gateway.deps import StoreDep
from gateway.events.graph import Subscription
from gateway.graph.context import GraphContext
from gateway.graph.schema import build_schema
from gateway.graph.settings import GraphQLSettings


def _session(store: StoreDep) -> Iterator[Session]:
    with store.read() as session:
        yield session


def graphql_router(limits: GraphQLSettings) -> GraphQLRouter:
    async def context(session: Session = Depends(_session)) -> GraphContext:
        return GraphContext(session, limits)

    schema = build_schema(limits, subscription=Subscription)
    return GraphQLRouter(schema, path="/graphql", context_getter=context,
                         subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
                         graphql_ide="graphiql" if limits.graphiql else None)
