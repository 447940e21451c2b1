"""The exported schema is the code's schema; the contract's entry points keep their shape."""

from __future__ import annotations

from graphql import Undefined
from typer.testing import CliRunner

from gateway.cli import app
from gateway.graph import export
from gateway.graph.schema import build_schema


def test_schema_file_matches_the_code():
    assert export.SCHEMA_FILE.read_text() == export.sdl(), (
        "graphql/schema.graphql is stale: run `tracebridge graphql schema` and commit it")


def test_the_contract_entry_points_are_as_written():
    query = build_schema()._schema.query_type
    contract = {  # field: (its type, {argument: (type, default)}) as the issue states them
        "unit": ("Unit", {"serial": ("String!", Undefined)}),
        "materialLot": ("MaterialLot", {"id": ("String!", Undefined)}),
        "workOrder": ("WorkOrder", {"number": ("String!", Undefined)}),
        "traceBackward": ("BackwardTrace!", {"serial": ("String!", Undefined), "at": ("DateTime", None)}),
        "traceForward": ("ForwardTrace!", {"lot": ("String!", Undefined), "first": ("Int", 100),
                                           "after": ("String", None)}),
    }
    for name, (returns, args) in contract.items():
        field = query.fields[name]
        assert str(field.type) == returns, name
        for arg, (type_, default) in args.items():
            assert (str(field.args[arg].type), field.args[arg].default_value) == (type_, default), (name, arg)
        # Arguments added since are optional: the contract's calls stay valid.
        assert all(a.default_value is not Undefined for k, a in field.args.items() if k not in args)


def test_cli_check_reports_a_current_schema():
    result = CliRunner().invoke(app, ["graphql", "schema", "--check"])
    assert result.exit_code == 0, result.output
    assert "current" in result.output
