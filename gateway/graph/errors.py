"""The one mapping of domain errors to GraphQL errors' `extensions` (code, field), as HTTP has its own.

A refused argument answers `{"message": "first: must be ...", "extensions": {"code": "invalid",
"field": "first"}}`; anything unexpected is masked (no SQL or stack trace reaches the client) and
logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from traceability.errors import DomainError

log = logging.getLogger("tracebridge.graphql")


def _mapped(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None:  # parse, validation and limit errors: already clear
        return error
    if isinstance(original, DomainError):
        return GraphQLError(original.message, nodes=error.nodes, path=error.path,
                            extensions={**(error.extensions or {}),
                                        **{k: v for k, v in original.as_dict().items() if k != "message"}})
    if isinstance(original, GraphQLError):
        return error
    log.error("GraphQL resolver failed at %s", error.path, exc_info=original)
    return GraphQLError("internal error", nodes=error.nodes, path=error.path,
                        extensions={"code": "internal"})


class DomainErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result and result.errors:
            result.errors = [_mapped(e) for e in result.errors]
