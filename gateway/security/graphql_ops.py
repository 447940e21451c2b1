"""Which scopes a GraphQL document needs beyond the /graphql route's own: one per mutation field.

The guard parses the document (graphql-core, the parser strawberry itself uses) before the schema
sees it, so every mutation, present or future, is checked against policy.GRAPHQL_MUTATIONS without
the GraphQL module doing anything; a mutation the table does not name needs `admin`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)

from gateway.security.policy import GRAPHQL_MUTATIONS
from gateway.security.principal import Principal

ADMIN_ONLY = frozenset({"admin"})


@lru_cache(maxsize=512)  # clients send the same few documents: parse each once, not per request
def mutation_fields(query: str) -> tuple[str, ...]:
    """Top-level fields of every mutation in the document (through fragments); () if unparsable."""
    try:
        doc = parse(query, no_location=True, max_tokens=50_000)
    except GraphQLError:
        return ()  # the schema refuses it too, before anything runs
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    names: list[str] = []
    for d in doc.definitions:
        if isinstance(d, OperationDefinitionNode) and d.operation == OperationType.MUTATION:
            _collect(d.selection_set, fragments, names, seen=set())
    return tuple(names)


def _collect(sel: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], out: list[str],
             seen: set[str]) -> None:
    for s in sel.selections:
        if isinstance(s, FieldNode):
            out.append(s.name.value)
        elif isinstance(s, InlineFragmentNode):
            _collect(s.selection_set, fragments, out, seen)
        elif isinstance(s, FragmentSpreadNode) and s.name.value not in seen:
            seen.add(s.name.value)
            if (f := fragments.get(s.name.value)) is not None:
                _collect(f.selection_set, fragments, out, seen)


def queries_in(payload: Any) -> list[str]:
    """The query texts of a GraphQL-over-HTTP JSON body (single or batched)."""
    items = payload if isinstance(payload, list) else [payload]
    return [i["query"] for i in items if isinstance(i, dict) and isinstance(i.get("query"), str)]


def refused_mutations(principal: Principal, queries: list[str]) -> list[str]:
    """Mutation fields `principal` may not run (empty: allowed)."""
    return [name for q in queries for name in mutation_fields(q)
            if not principal.allows(GRAPHQL_MUTATIONS.get(name, ADMIN_ONLY))]


def refused_in_body(principal: Principal, body: bytes) -> list[str]:
    try:
        return refused_mutations(principal, queries_in(json.loads(body)))
    except (ValueError, RecursionError):
        return []  # not JSON: the endpoint refuses it before anything runs


def refused_in_ws_message(principal: Principal, text: str) -> list[str]:
    """graphql-transport-ws 'subscribe' and legacy graphql-ws 'start' frames carry a document."""
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        return []
    if not isinstance(frame, dict) or frame.get("type") not in ("subscribe", "start"):
        return []
    return refused_mutations(principal, queries_in(frame.get("payload")))
