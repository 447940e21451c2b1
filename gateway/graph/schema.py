"""Schema assembly: the one place the root types and the extensions are put together.

`subscription` is where GraphQL subscriptions (events) plug in: pass the Subscription type.
"""

from __future__ import annotations

import strawberry

from gateway.graph.errors import DomainErrors
from gateway.graph.limits import extensions
from gateway.graph.queries import Query
from gateway.graph.settings import GraphQLSettings


def build_schema(limits: GraphQLSettings | None = None, *, subscription: type | None = None,
                 ) -> strawberry.Schema:
    limits = limits or GraphQLSettings()
    return strawberry.Schema(query=Query, subscription=subscription,
                             extensions=[*extensions(limits), DomainErrors])
