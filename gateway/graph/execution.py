"""Execution of plain leaf fields without graphql-core's per-field machinery.

Most fields a trace answers are plain attributes of a scalar type (a unit's serial, a material's
lot code, ...): strawberry resolves them with `getattr` and no `Info`. graphql-core still builds a
resolve info, calls the resolver through two wrappers, tests the result for awaitability and walks
`complete_value` for each one: ~10 µs a field, the larger part of a trace request (700 to 1,200
fields). Here such a field is read and serialized directly. Anything else takes the full path:
fields with a resolver, arguments or field extensions, null values (graphql-core reports a
null in a non-null field), values the scalar refuses, and every field when an extension
implements the `resolve` hook (it must see each field).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple

from graphql import GraphQLObjectType, GraphQLSchema, get_nullable_type, is_leaf_type, is_non_null_type
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter


class Leaf(NamedTuple):
    attribute: str  # what strawberry's default resolver reads
    coerce: Callable[[Any], Any]  # the leaf type's output coercion
    nullable: bool


_FULL_PATH = object()  # a value the fast path leaves to graphql-core


def plain_leaves(schema: GraphQLSchema) -> dict[tuple[str, str], Leaf]:
    """(type name, field name) → leaf, for fields strawberry itself resolves as basic: no resolver,
    no field extensions, no exception handlers (its `_is_default` resolvers), of a leaf type."""
    leaves: dict[tuple[str, str], Leaf] = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            output = get_nullable_type(field.type)
            if (definition is not None and not field.args and is_leaf_type(output)
                    and getattr(field.resolve, "_is_default", False)):
                leaves[type_.name, name] = Leaf(definition.python_name, output.coerce_output_value,
                                                not is_non_null_type(field.type))
    return leaves


def _value(leaf: Leaf, source: Any) -> Any:
    """The field's serialized value, or _FULL_PATH when graphql-core must answer (a null in a
    non-null field is an error it locates; so is a value the scalar refuses)."""
    value = getattr(source, leaf.attribute, None)
    if value is None:
        return None if leaf.nullable else _FULL_PATH
    try:
        coerced = leaf.coerce(value)
    except Exception:  # noqa: BLE001 - the full path raises it again, located
        return _FULL_PATH
    return _FULL_PATH if coerced is None or coerced is Undefined else coerced


class PlainLeafExecution(StrawberryGraphQLCoreExecutionContext):
    leaves: ClassVar[Mapping[tuple[str, str], Leaf]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per selection (grouped field set, kept alive by graphql-core's own memo): its
        # (response key, leaf) pairs when every field in it is a plain leaf, else None.
        self._plain_selections: dict[int, list[tuple[str, Leaf]] | None] = {}

    def _fast(self) -> bool:
        return not (self.middleware_manager and self.middleware_manager.middlewares)

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list: Any,
                      path: Any, position_context: Any) -> Any:
        leaf = self.leaves.get((parent_type.name, field_details_list[0].node.name.value))
        if leaf is not None and self._fast():
            value = _value(leaf, source)
            if value is not _FULL_PATH:
                return value
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def complete_object_value(self, return_type: GraphQLObjectType, field_details_list: Any,
                              info: Any, path: Any, result: Any, position_context: Any) -> Any:
        """An object whose selection is all plain leaves (`unit { serial kind }`) is read in one
        loop, without a field execution per leaf."""
        if return_type.is_type_of is None and position_context is None and self._fast():
            grouped, new_defer_usages, _ = self.collect_subfields(return_type, field_details_list)
            if not new_defer_usages:
                selection = self._plain_selection(return_type, grouped)
                if selection is not None:
                    data = {}
                    for key, leaf in selection:
                        value = _value(leaf, result)
                        if value is _FULL_PATH:
                            break
                        data[key] = value
                    else:
                        return data
        return super().complete_object_value(return_type, field_details_list, info, path, result,
                                             position_context)

    def _plain_selection(self, type_: GraphQLObjectType, grouped: Mapping[str, Any],
                         ) -> list[tuple[str, Leaf]] | None:
        try:
            return self._plain_selections[id(grouped)]
        except KeyError:
            pass
        selection: list[tuple[str, Leaf]] | None = []
        for key, details in grouped.items():
            leaf = self.leaves.get((type_.name, details[0].node.name.value))
            if leaf is None or details[0].node.arguments:
                selection = None
                break
            selection.append((key, leaf))
        self._plain_selections[id(grouped)] = selection
        return selection


def execution_for(schema: GraphQLSchema) -> type[PlainLeafExecution]:
    """An execution context class that knows this schema's plain leaves (computed once)."""
    return type("SchemaExecution", (PlainLeafExecution,), {"leaves": plain_leaves(schema)})
