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


def _read(selection: list[tuple[str, Leaf]], source: Any) -> dict[str, Any] | None:
    """The object's answer, or None when a field needs the full path."""
    data = {}
    for key, leaf in selection:
        value = _value(leaf, source)
        if value is _FULL_PATH:
            return None
        data[key] = value
    return data


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
        selection = self._plain_objects(return_type, field_details_list, position_context)
        if selection is not None:
            data = _read(selection, result)
            if data is not None:
                return data
        return super().complete_object_value(return_type, field_details_list, info, path, result,
                                             position_context)

    def complete_list_value(self, return_type: Any, field_details_list: Any, info: Any, path: Any,
                            result: Any, position_context: Any) -> Any:
        """A list of such objects (a recall's `topLevel { serial }`, a thousand units) is read in
        one loop too: no item path, no completion chain per item. Any item the loop cannot answer
        (null where not allowed, a null or refused leaf) sends the whole list the full path, which
        reports it as graphql-core does."""
        item_type = return_type.of_type
        nullable_items = not is_non_null_type(item_type)
        object_type = get_nullable_type(item_type)
        if (isinstance(result, list) and isinstance(object_type, GraphQLObjectType)
                and not field_details_list[0].node.directives):  # @stream: the full path
            selection = self._plain_objects(object_type, field_details_list, position_context)
            if selection is not None:
                items = []
                for item in result:
                    data = None if item is None and nullable_items else _read(selection, item)
                    if data is None and not (item is None and nullable_items):
                        break
                    items.append(data)
                else:
                    return items
        return super().complete_list_value(return_type, field_details_list, info, path, result,
                                           position_context)

    def _plain_objects(self, type_: GraphQLObjectType, field_details_list: Any,
                       position_context: Any) -> list[tuple[str, Leaf]] | None:
        """The (response key, leaf) pairs of the selection on `type_`, when it can be read
        directly: no is_type_of check, no @defer, no extension that sees every field."""
        if type_.is_type_of is not None or position_context is not None or not self._fast():
            return None
        grouped, new_defer_usages, _ = self.collect_subfields(type_, field_details_list)
        return None if new_defer_usages else self._plain_selection(type_, grouped)

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
