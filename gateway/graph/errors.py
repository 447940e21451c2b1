"""The one mapping of errors to GraphQL `extensions` (code, field), as gateway/errors.py is for HTTP.

- a domain refusal (e.g. `Invalid("first", ...)` from a resolver) keeps its message and gets
  `{"code": "invalid", "field": "first"}`;
- a value graphql-core refuses for an argument (a bad DateTime, a string for an Int) gets
  `{"code": "invalid", "field": <the argument>}`, found from the error's location in the document;
- limit refusals carry their own code (`too_costly`; depth: `too_deep`);
- a database that does not answer gets `{"code": "unavailable"}` (HTTP says 503), retry later;
- anything unexpected is masked (no SQL or stack trace reaches the client) and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    Node,
    VariableDefinitionNode,
    VariableNode,
    visit,
)
from graphql.language import Visitor
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from strawberry.extensions import SchemaExtension

from traceability.errors import DomainError

log = logging.getLogger("tracebridge.graphql")


class _ArgumentOf(Visitor):
    """Finds the argument a value (or a variable) was given to."""

    def __init__(self, target: Node) -> None:
        super().__init__()
        self.target, self.name = target, None

    def enter_argument(self, node: ArgumentNode, *_args) -> None:  # type: ignore[no-untyped-def]
        value, target = node.value, self.target
        same_variable = (isinstance(target, VariableDefinitionNode) and isinstance(value, VariableNode)
                         and value.name.value == target.variable.name.value)
        if self.name is None and (value is target or same_variable):
            self.name = node.name.value


def _argument(document: DocumentNode | None, error: GraphQLError) -> str | None:
    for node in (error.nodes or []) if document else []:
        finder = _ArgumentOf(node)
        visit(document, finder)  # type: ignore[arg-type]
        if finder.name:
            return finder.name
    return None


def _mapped(error: GraphQLError, document: DocumentNode | None) -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        details = {k: v for k, v in original.as_dict().items() if k != "message"}
        return GraphQLError(original.message, nodes=error.nodes, path=error.path,
                            extensions={**(error.extensions or {}), **details})
    if isinstance(original, OperationalError | PoolTimeout):
        log.warning("database unavailable: %s", type(original).__name__)
        return GraphQLError("the database is unavailable; retry later", nodes=error.nodes, path=error.path,
                            extensions={"code": "unavailable"})
    if original is None or isinstance(original, GraphQLError) or error.path is None:
        extensions = dict(error.extensions or {})
        if "code" not in extensions:
            if "exceeds maximum operation depth" in error.message:
                extensions["code"] = "too_deep"
            elif (field := _argument(document, error)) is not None:
                extensions.update(code="invalid", field=field)
        return GraphQLError(error.message, nodes=error.nodes, path=error.path, extensions=extensions or None)
    log.error("GraphQL resolver failed at %s", error.path, exc_info=original)
    return GraphQLError("internal error", nodes=error.nodes, path=error.path,
                        extensions={"code": "internal"})


class DomainErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result and result.errors:
            document = self.execution_context.graphql_document
            result.errors = [_mapped(e, document) for e in result.errors]
