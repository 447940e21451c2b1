"""Refusing expensive operations before they run: depth, page size (in pagination.py) and cost.

The cost is an estimate of the fields an operation resolves: each field counts once per object
it is resolved on, and a list multiplies what is below it by its expected size — `first` for
connections (bounded by the page size limit), the table below for plain lists. Fields that run
their own statement per parent (a trace, a lot's whereUsed) add STATEMENT_COST each time, so
nesting them inside lists is priced as the N queries it is. Variables are taken into account,
so the estimate runs just before execution.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.execution import ExecutionResult
from graphql.language import IntValueNode
from strawberry.extensions import QueryDepthLimiter, SchemaExtension

from gateway.graph.settings import GraphQLSettings

DEFAULT_LIST_SIZE = 10
LIST_SIZES = {  # expected items of plain lists (per parent), from the plant's shapes
    ("Unit", "operations"): 10, ("Unit", "parameters"): 20, ("Unit", "testResults"): 10,
    ("Unit", "installed"): 50, ("Operation", "parameters"): 5, ("Operation", "testResults"): 5,
    ("BackwardTrace", "units"): 20, ("BackwardTrace", "materials"): 200, ("BackwardTrace", "lots"): 50,
    ("ForwardTrace", "topLevel"): 1000, ("ForwardTrace", "containers"): 200,
    ("ForwardTrace", "shipments"): 20, ("UnitConnection", "edges"): 0,  # 0: the connection's page
}
STATEMENT_COST = 100
OWN_STATEMENT = {("Query", "traceBackward"), ("Query", "traceForward"), ("MaterialLot", "whereUsed")}


class _Estimate:
    def __init__(self, schema: Any, fragments: dict[str, FragmentDefinitionNode],
                 variables: dict[str, Any], max_page: int) -> None:
        self.schema, self.fragments, self.variables, self.max_page = schema, fragments, variables, max_page

    def _arg(self, node: FieldNode, name: str, default: Any) -> Any:
        for arg in node.arguments or ():
            if arg.name.value == name:
                if isinstance(arg.value, VariableNode):
                    return self.variables.get(arg.value.name.value, default)
                if isinstance(arg.value, IntValueNode):
                    return int(arg.value.value)
        return default

    def _fields(self, selections: SelectionSetNode | None, seen: frozenset[str]) -> Iterator[FieldNode]:
        for sel in selections.selections if selections else ():
            if isinstance(sel, FieldNode):
                yield sel
            elif isinstance(sel, InlineFragmentNode):
                yield from self._fields(sel.selection_set, seen)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                fragment = self.fragments.get(sel.name.value)
                if fragment:
                    yield from self._fields(fragment.selection_set, seen | {sel.name.value})

    def cost(self, selections: SelectionSetNode | None, parent: GraphQLObjectType, page: int) -> int:
        total = 0
        for node in self._fields(selections, frozenset()):
            name = node.name.value
            field = parent.fields.get(name)
            if field is None:  # __typename and friends
                total += 1
                continue
            key = (parent.name, name)
            own = 1 + (STATEMENT_COST if key in OWN_STATEMENT else 0)
            child_page = page
            if "first" in field.args:
                first = self._arg(node, "first", field.args["first"].default_value)
                if first is None:
                    first = field.args["first"].default_value
                child_page = min(first, self.max_page) if isinstance(first, int) and first >= 0 else 0
            size = 1
            if isinstance(get_nullable_type(field.type), GraphQLList):
                size = LIST_SIZES.get(key, DEFAULT_LIST_SIZE) or page
            named = get_named_type(field.type)
            below = self.cost(node.selection_set, named, child_page) \
                if isinstance(named, GraphQLObjectType) else 0
            total += own + size * below
        return total


def operation_cost(schema: Any, document: Any, operation_name: str | None, variables: dict[str, Any],
                   max_page: int) -> int:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    estimate = _Estimate(schema, fragments, variables, max_page)
    for operation in chosen[:1]:
        root = schema.get_root_type(operation.operation)
        if root is not None:  # an operation type the schema lacks is refused by validation
            return estimate.cost(operation.selection_set, root, 0)
    return 0


class CostLimiter(SchemaExtension):
    """Refuses an operation whose estimated cost is over the limit, before it runs."""

    def __init__(self, *, max_cost: int, max_page: int) -> None:
        self.max_cost, self.max_page = max_cost, max_page

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is not None and not ctx.result:
            cost = operation_cost(ctx.schema._schema, ctx.graphql_document, ctx.operation_name,
                                  ctx.variables or {}, self.max_page)
            if cost > self.max_cost:
                ctx.result = ExecutionResult(data=None, errors=[GraphQLError(
                    f"operation cost {cost} is over the limit of {self.max_cost}: ask for fewer "
                    f"fields or smaller pages (first)",
                    extensions={"code": "too_costly", "cost": cost, "limit": self.max_cost})])
        yield


def extensions(limits: GraphQLSettings) -> list[Callable[[], SchemaExtension]]:
    """The limits as extension factories (a fresh instance per operation)."""
    return [
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: CostLimiter(max_cost=limits.max_cost, max_page=limits.max_page_size),
    ]
