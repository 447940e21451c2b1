"""Execution of plain fields without graphql-core's per-field machinery.

Most fields a trace answers are plain attributes (a unit's serial, a material's lot code, the unit
a material went into): strawberry resolves them with `getattr` and no `Info`. graphql-core still
builds a resolve info, calls the resolver through two wrappers, tests the result for awaitability
and walks `complete_value` for each one: ~10 µs a field, the larger part of a trace request (700
to 1,200 fields). Here such fields are read directly: a leaf is serialized, and an object (or a
list of objects) whose selection is all plain fields, at any depth, is read in one loop.

Anything else takes graphql-core's full path: fields with a resolver, arguments or field
extensions; @defer and @stream; types with an `is_type_of` check; every field when an extension
implements the `resolve` hook (it must see each field); and any value the loop cannot answer
as graphql-core would — a null in a non-null field, a value the scalar refuses — which the full
path then reports, located, exactly as it always does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple

from graphql import GraphQLObjectType, GraphQLSchema, get_nullable_type, is_leaf_type, is_non_null_type
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter


class Plain(NamedTuple):
    """A field strawberry resolves as basic: no resolver, no field extensions, no exception
    handlers (its `_is_default` resolvers), no arguments."""

    attribute: str  # what strawberry's default resolver reads
    nullable: bool
    coerce: Callable[[Any], Any] | None  # a leaf's output coercion; None for an object
    object_type: GraphQLObjectType | None  # an object field's type


# A selection read directly: (response key, field, the sub-selection of an object field).
Selection = list[tuple[str, Plain, "Selection | None"]]

_FULL_PATH = object()  # a value the fast path leaves to graphql-core


def plain_fields(schema: GraphQLSchema) -> dict[tuple[str, str], Plain]:
    """(type name, field name) → Plain, for the basic leaf and object fields (not lists)."""
    plain: dict[tuple[str, str], Plain] = {}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if definition is None or field.args or not getattr(field.resolve, "_is_default", False):
                continue
            output, nullable = get_nullable_type(field.type), not is_non_null_type(field.type)
            if is_leaf_type(output):
                plain[type_.name, name] = Plain(definition.python_name, nullable,
                                                output.coerce_output_value, None)
            elif isinstance(output, GraphQLObjectType):
                plain[type_.name, name] = Plain(definition.python_name, nullable, None, output)
    return plain


def _value(field: Plain, sub: Selection | None, source: Any) -> Any:
    """The field's answer, or _FULL_PATH when graphql-core must give it."""
    value = getattr(source, field.attribute, None)
    if value is None:
        return None if field.nullable else _FULL_PATH
    if sub is not None:
        return _read(sub, value)
    try:
        coerced = field.coerce(value)  # type: ignore[misc]
    except Exception:  # noqa: BLE001 - the full path raises it again, located
        return _FULL_PATH
    return _FULL_PATH if coerced is None or coerced is Undefined else coerced


def _read(selection: Selection, source: Any) -> Any:
    """The object's answer, or _FULL_PATH."""
    data = {}
    for key, field, sub in selection:
        value = _value(field, sub, source)
        if value is _FULL_PATH:
            return _FULL_PATH
        data[key] = value
    return data


class PlainFieldExecution(StrawberryGraphQLCoreExecutionContext):
    plain: ClassVar[Mapping[tuple[str, str], Plain]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per selection (a grouped field set, kept alive by graphql-core's own memo of them):
        # how to read it directly, or None when it cannot be.
        self._selections: dict[int, Selection | None] = {}

    def _fast(self) -> bool:
        return not (self.middleware_manager and self.middleware_manager.middlewares)

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list: Any,
                      path: Any, position_context: Any) -> Any:
        field = self.plain.get((parent_type.name, field_details_list[0].node.name.value))
        if field is not None and field.coerce is not None and self._fast():
            value = _value(field, None, source)
            if value is not _FULL_PATH:
                return value
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def complete_object_value(self, return_type: GraphQLObjectType, field_details_list: Any,
                              info: Any, path: Any, result: Any, position_context: Any) -> Any:
        selection = self._selection(return_type, field_details_list, position_context)
        if selection is not None:
            data = _read(selection, result)
            if data is not _FULL_PATH:
                return data
        return super().complete_object_value(return_type, field_details_list, info, path, result,
                                             position_context)

    def complete_list_value(self, return_type: Any, field_details_list: Any, info: Any, path: Any,
                            result: Any, position_context: Any) -> Any:
        """A list of such objects (a recall's `topLevel { serial }`, a thousand units) in one
        loop too: no item path, no completion chain per item. An item the loop cannot answer
        sends the whole list the full path."""
        item_type = return_type.of_type
        object_type = get_nullable_type(item_type)
        if (isinstance(result, list) and isinstance(object_type, GraphQLObjectType)
                and not field_details_list[0].node.directives):  # @stream: the full path
            selection = self._selection(object_type, field_details_list, position_context)
            if selection is not None:
                nullable = not is_non_null_type(item_type)
                items = [(None if nullable else _FULL_PATH) if item is None else _read(selection, item)
                         for item in result]
                if not any(item is _FULL_PATH for item in items):
                    return items
        return super().complete_list_value(return_type, field_details_list, info, path, result,
                                           position_context)

    def _selection(self, type_: GraphQLObjectType, field_details_list: Any,
                   position_context: Any) -> Selection | None:
        """How to read the selection on `type_` directly, if it can be."""
        if type_.is_type_of is not None or position_context is not None or not self._fast():
            return None
        grouped, new_defer_usages, _ = self.collect_subfields(type_, field_details_list)
        if new_defer_usages:
            return None
        try:
            return self._selections[id(grouped)]
        except KeyError:
            pass
        selection: Selection | None = []
        for key, details in grouped.items():
            field = self.plain.get((type_.name, details[0].node.name.value))
            sub = None
            if field is not None and field.object_type is not None:
                sub = self._selection(field.object_type, details, None)
                if sub is None:
                    field = None
            if field is None or details[0].node.arguments:
                selection = None
                break
            selection.append((key, field, sub))  # type: ignore[union-attr]
        self._selections[id(grouped)] = selection
        return selection


def execution_for(schema: GraphQLSchema) -> type[PlainFieldExecution]:
    """An execution context class that knows this schema's plain fields (computed once)."""
    return type("SchemaExecution", (PlainFieldExecution,), {"plain": plain_fields(schema)})
