"""Register maps: a good one loads; a bad one is refused before any I/O, naming the line and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.modbus.loader import ConfigRefused, key_lines, load_config, parse_config
from traceability.errors import Invalid

ROOT = Path(__file__).resolve().parent.parent

HEAD = """\
[[device]]
name = "oven"
host = "127.0.0.1"
station = "REFLOW"
"""


def refusal(text: str) -> ConfigRefused:
    with pytest.raises(ConfigRefused) as caught:
        parse_config(text, source="plant.toml")
    return caught.value


def test_the_shipped_example_loads():
    config = load_config(ROOT / "docs" / "modbus.example.toml")
    [device] = config.devices
    assert device.name == "reflow-oven-1" and device.port == 5020 and device.device_id == 1
    kinds = {r.parameter: (r.function, r.type, r.word_order) for r in device.registers}
    assert kinds["zone2_temperature"] == ("holding", "float32", "little")
    assert kinds["door_open"] == ("coil", "bool", "big")


def test_a_wrong_type_names_its_line_and_the_choices():
    err = refusal(HEAD + """
[[device.register]]
parameter = "zone1"
address = 0
type = "float64"
""")
    [p] = err.problems
    assert (p.line, p.field) == (9, "device[0].register[0].type")
    assert "'int16'" in p.reason and "'float32'" in p.reason
    assert str(err).startswith("plant.toml:9: device[0].register[0].type: Input should be")
    assert isinstance(err, Invalid) and err.field == "device[0].register[0].type"


def test_several_problems_each_with_its_line():
    err = refusal(HEAD + """port = 70000

[[device.register]]
parameter = "ok"
type = "int16"
address = 1

[[device.register]]
parameter = "speed"
type = "int32"
address = 65535
adress = 7

[[device.register]]
parameter = "door"
function = "coil"
type = "int16"
address = 3
""")
    got = [(p.line, p.field) for p in err.problems]
    assert got == [
        (5, "device[0].port"),
        (15, "device[0].register[1].address"),
        (16, "device[0].register[1].adress"),
        (21, "device[0].register[2].type"),
    ]
    reasons = [p.reason for p in err.problems]
    assert "65535" in reasons[0] and "runs past register 65535" in reasons[1]
    assert "Extra inputs" in reasons[2] and 'use type = "bool"' in reasons[3]


def test_a_missing_key_points_at_its_table():
    err = refusal(HEAD + """
[[device.register]]
parameter = "zone1"
type = "int16"

[[device]]
name = "press"
station = "PRESS"
[[device.register]]
parameter = "force"
type = "uint16"
address = 3
""")
    assert [(p.line, p.field, p.reason) for p in err.problems] == [
        (6, "device[0].register[0].address", "Field required"),
        (10, "device[1].host", "Field required"),
    ]


def test_register_type_is_required_for_registers():
    err = refusal(HEAD + '\n[[device.register]]\nparameter = "x"\nfunction = "input"\naddress = 2\n')
    [p] = err.problems
    assert p.line == 6 and p.field == "device[0].register[0].type" and "required for input" in p.reason


def test_overlaps_and_duplicates_across_registers_and_devices():
    err = refusal(HEAD + """
[[device.register]]
parameter = "zone1"
type = "float32"
address = 10

[[device.register]]
parameter = "zone2"
type = "int16"
address = 11

[[device]]
name = "oven"
host = "127.0.0.2"
station = "REFLOW"

[[device.register]]
parameter = "zone1"
type = "int16"
address = 0
""")
    assert [(p.line, p.field) for p in err.problems] == [
        (14, "device[0].register[1].address"),
        (17, "device[1].name"),
        (22, "device[1].register[0].parameter"),
    ]
    assert "overlaps register[0] 'zone1' (10..11)" in err.problems[0].reason
    assert "already the name of device[0]" in err.problems[1].reason
    assert "already read by device[0].register[0]" in err.problems[2].reason


def test_toml_syntax_errors_and_unreadable_files_are_refused(tmp_path):
    err = refusal(HEAD + "\n[[device.register]]\nparameter = zone1\n")
    assert err.problems[0].line == 7 and err.problems[0].field == "toml"
    with pytest.raises(ConfigRefused, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    err = refusal('[device]\nname = "x"\n')
    assert (err.problems[0].line, err.problems[0].field) == (1, "device")


def test_key_lines_follow_nested_arrays_of_tables():
    lines = key_lines('title = "x"\n[[device]]\nname = "a"\n[[device.register]]\naddress = 1\n'
                      '[[device.register]]\naddress = 2\n[[device]]\n[[device.register]]\naddress = 3\n')
    assert lines[("title",)] == 1 and lines[("device", 0)] == 2 and lines[("device", 0, "name")] == 3
    assert lines[("device", 0, "register", 1, "address")] == 7
    assert lines[("device", 1, "register", 0)] == 9 and lines[("device", 1, "register", 0, "address")] == 10


def test_lines_survive_comments_inline_arrays_and_multiline_strings():
    err = refusal('''# [[device]] in a comment is not a table
[[ device ]]   # the oven
name = "a"
host = "h"
station = "S"
register = [
  { parameter = "x", type = "int16", address = 0 },
  { parameter = "y", type = "float64", address = 2 },
]
[[device]]
name = "b"
host = "h"
station = "S2"
notes = """
[[device.register]]
"""
[[device.register]]
parameter = "z"
address = -1   # a comment
type = "int16"
''')
    assert [(p.line, p.field) for p in err.problems] == [
        (6, "device[0].register[1].type"),  # inside an inline array: the array's line
        (14, "device[1].notes"),
        (19, "device[1].register[0].address"),
    ]
