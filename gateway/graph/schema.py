"""Schema assembly: the one place the root types and the extensions are put together.

`subscription` is where GraphQL subscriptions (events) plug in: pass the Subscription type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig

from gateway.graph.caching import MAX_QUERIES, validation_cache
from gateway.graph.errors import DomainErrors
from gateway.graph.execution import execution_for
from gateway.graph.limits import extensions
from gateway.graph.line_queries import Mutation
from gateway.graph.queries import Query
from gateway.graph.scalars import DATETIME
from gateway.graph.settings import GraphQLSettings


class _Schema(strawberry.Schema):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execution_context_class = execution_for(self._schema)

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Refusals are answers, not server faults: DomainErrors logs the unexpected ones."""


def build_schema(limits: GraphQLSettings | None = None, *, subscription: type | None = None,
                 ) -> strawberry.Schema:
    limits = limits or GraphQLSettings()
    return _Schema(query=Query, mutation=Mutation, subscription=subscription,
                   config=StrawberryConfig(scalar_map={datetime: DATETIME}),
                   extensions=[lambda: ParserCache(maxsize=MAX_QUERIES), *extensions(limits),
                               validation_cache(), DomainErrors])
