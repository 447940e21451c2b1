"""Validation cached by query text: integrators send the same few operations again and again.

graphql-core's validation of a recall query costs ~20 ms here, more than the trace itself.
strawberry's ValidationCache cannot hit with a depth limiter (each operation builds a new rule
class), so the cache is keyed by the query text, per schema: the rules, depth limit included, are
fixed when the schema is built.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

MAX_QUERIES = 512  # distinct operation texts remembered; the least recently used goes first


class ValidationByQuery(SchemaExtension):
    def __init__(self, cache: OrderedDict[str, list[GraphQLError]]) -> None:
        self.cache = cache

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.query and ctx.graphql_document is not None and ctx.validation_rules:
            errors = self.cache.get(ctx.query)
            if errors is None:
                errors = validate_document(ctx.schema._schema, ctx.graphql_document, ctx.validation_rules)
                self.cache[ctx.query] = errors
                if len(self.cache) > MAX_QUERIES:
                    self.cache.popitem(last=False)
            else:
                self.cache.move_to_end(ctx.query)
            ctx.pre_execution_errors = errors  # strawberry skips its own validation
        yield


def validation_cache() -> Callable[[], ValidationByQuery]:
    """An extension factory sharing one cache (per schema)."""
    cache: OrderedDict[str, list[GraphQLError]] = OrderedDict()
    return lambda: ValidationByQuery(cache)
