"""The plain-leaf execution path (gateway/graph/execution.py) answers exactly what graphql-core's
full path answers: same data, same errors, same order, on the demo plant and on edge cases."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bench.graphql_trace import BACKWARD, FORWARD
from gateway.graph.context import GraphContext
from gateway.graph.execution import PlainFieldExecution, execution_for, plain_fields
from gateway.graph.schema import build_schema
from gateway.graph.settings import GraphQLSettings
from traceability import demo
from traceability.database import Store

EXAMPLES = Path(__file__).resolve().parent.parent / "graphql" / "examples"

SHAPES = """query {
  a: traceBackward(serial: "MOD-000002") {
    __typename
    root { serial s2: serial kind ...U status @skip(if: true) partNumber @include(if: true) }
    materials { lotCode removed unit { serial } ... on MaterialUse { station installedAt } }
  }
  b: traceForward(lot: "REEL-C-0001", first: 5) {
    topLevel { serial __typename createdAt }
    units { edges { cursor node { serial kind panelPosition } } }
  }
}
fragment U on Unit { serial workOrder { number } }"""


def _answer(schema: strawberry.Schema, store: Store, query: str, **variables: Any) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        with store.read(autocommit=True) as session:
            result = await schema.execute(query, variable_values=variables or None,
                                          context_value=GraphContext(session, GraphQLSettings()))
        return {"data": result.data, "errors": [(e.message, e.path) for e in result.errors or ()]}
    return asyncio.run(run())


def test_the_fast_path_answers_as_graphql_core_does(store: Store) -> None:
    demo.seed(store)
    fast = build_schema()
    assert issubclass(fast.execution_context_class, PlainFieldExecution)
    full = build_schema()
    full.execution_context_class = StrawberryGraphQLCoreExecutionContext
    operations = [(p.read_text(), {}) for p in sorted(EXAMPLES.glob("*.graphql"))]
    operations += [(SHAPES, {}), (BACKWARD, {"serial": "MOD-000003"}),
                   (FORWARD, {"lot": "REEL-R-0001", "first": 10}), (BACKWARD, {"serial": "NO-SUCH"})]
    for query, variables in operations:
        expected = _answer(full, store, query, **variables)
        assert not expected["errors"], expected["errors"]
        got = _answer(fast, store, query, **variables)
        assert got == expected
        assert list(_keys(got)) == list(_keys(expected))  # response order is the selection's


def _keys(value: Any, prefix: str = "") -> Any:
    if isinstance(value, dict):
        for k, v in value.items():
            yield f"{prefix}.{k}"
            yield from _keys(v, f"{prefix}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _keys(v, f"{prefix}[{i}]")


@strawberry.type
class Owner:
    name: str


@strawberry.type
class Thing:
    name: str
    note: str | None
    count: int
    owner: Owner | None = None
    maker: Owner = strawberry.field(default_factory=lambda: Owner(name="m"))


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return [Thing(name="a", note=None, count=1), Thing(name=None, note="n", count=2),  # type: ignore[arg-type]
                Thing(name="c", note="x", count="many")]  # type: ignore[arg-type]

    @strawberry.field
    def maybe(self) -> list[Thing | None]:
        return [Thing(name="a", note=None, count=1), None]

    @strawberry.field
    def owned(self) -> list[Thing]:
        return [Thing(name="a", note=None, count=1, owner=Owner(name="o")),
                Thing(name="b", note=None, count=2, maker=Owner(name=None))]  # type: ignore[arg-type]

    @strawberry.field
    def broken(self) -> list[Thing] | None:
        return [Thing(name="a", note=None, count=1), None]  # type: ignore[list-item]


class Seen(SchemaExtension):
    fields: list[str] = []

    def resolve(self, _next, root, info, *args, **kwargs):  # type: ignore[no-untyped-def]
        Seen.fields.append(info.field_name)
        return _next(root, info, *args, **kwargs)


def _run(schema: strawberry.Schema, query: str) -> tuple[Any, list[tuple[str, Any]]]:
    result = schema.execute_sync(query)
    return result.data, [(e.message, e.path) for e in result.errors or ()]


def test_nulls_and_refused_values_are_errors_located_by_graphql_core() -> None:
    """A null in a non-null leaf and a value the scalar refuses go the full path: same errors."""
    full = strawberry.Schema(query=Query)
    fast = strawberry.Schema(query=Query)
    fast.execution_context_class = execution_for(fast._schema)
    assert ("Thing", "name") in plain_fields(fast._schema)
    for query in ("{ things { name note count } }", "{ things { note } }", "{ things { count } }",
                  "{ maybe { name count } }", "{ broken { name } }", "{ maybe { n: name name } }",
                  "{ owned { owner { name } } }", "{ owned { name maker { name } } }",
                  "{ things { owner { name } maker { name } } }"):
        assert _run(fast, query) == _run(full, query)
    data, errs = _run(fast, "{ things { name } }")
    assert data is None and [p for _, p in errs] == [["things", 1, "name"]]
    data, errs = _run(fast, "{ things { count } }")
    refused = "Int cannot represent non-integer value: 'many'"
    assert data is None and errs == [(refused, ["things", 2, "count"])]
    assert _run(fast, "{ maybe { name } }") == ({"maybe": [{"name": "a"}, None]}, [])
    data, errs = _run(fast, "{ broken { name } }")
    assert data == {"broken": None} and [p for _, p in errs] == [["broken", 1]]
    assert _run(fast, "{ owned { owner { name } } }") == (
        {"owned": [{"owner": {"name": "o"}}, {"owner": None}]}, [])
    data, errs = _run(fast, "{ owned { maker { name } } }")
    assert data is None and [p for _, p in errs] == [["owned", 1, "maker", "name"]]


def test_an_extension_that_sees_every_field_still_does() -> None:
    schema = strawberry.Schema(query=Query, extensions=[Seen])
    schema.execution_context_class = execution_for(schema._schema)
    Seen.fields = []
    _run(schema, "{ things { note } }")
    assert Seen.fields == ["things", "note", "note", "note"]
