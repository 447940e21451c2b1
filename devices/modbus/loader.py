"""Reading a register map file (TOML) and refusing a bad one with the file, the line and the reason.

tomllib returns plain data without positions, so `key_lines` scans the text once for table headers
(`[[device]]`, `[[device.register]]`) and keys, and records the line of each key path such as
("device", 0, "register", 2, "type"). A validation error's location is looked up there, falling back
to the nearest enclosing table, so every problem names a line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from devices.modbus.config import Loc, PollerConfig, cross_checks
from traceability.errors import Invalid

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([^\[\]]+?)\s*\]\]\s*(#.*)?$")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*["']?([A-Za-z0-9_-]+)["']?\s*=""")
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str
    reason: str


class ConfigRefused(Invalid):
    """A register map that cannot be polled: every problem with its line, refused before any I/O."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(first.field, first.reason)
        self.source = source
        self.problems = problems
        self.message = "\n".join(
            f"{source}:{p.line if p.line is not None else '?'}: {p.field}: {p.reason}" for p in problems)
        self.args = (self.message,)


def load_config(path: str | Path) -> PollerConfig:
    """Read and check a config file; raises ConfigRefused naming each bad line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = Problem(None, "config", f"cannot read: {exc.strerror or exc}")
        raise ConfigRefused(str(path), [problem]) from exc
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = "<config>") -> PollerConfig:
    """Parse TOML text into a checked PollerConfig; `source` names the file in refusals."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.search(str(exc))
        reason = _TOML_POSITION.sub("", str(exc)).strip()
        problem = Problem(int(match.group(1)) if match else None, "toml", reason)
        raise ConfigRefused(source, [problem]) from exc
    lines = key_lines(text)
    try:
        config = PollerConfig.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(lines, tuple(err["loc"]), err["msg"]) for err in exc.errors()]
        raise ConfigRefused(source, _sorted(problems)) from exc
    problems = [_problem(lines, loc, reason) for loc, reason in cross_checks(config)]
    if problems:
        raise ConfigRefused(source, _sorted(problems))
    return config


def key_lines(text: str) -> dict[Loc, int]:
    """The 1-based line of every table header and key in the text, by key path."""
    lines: dict[Loc, int] = {}
    counters: dict[Loc, int] = {}
    table: Loc = ()
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_multiline = not in_multiline
            if not in_multiline:
                continue
        elif in_multiline:
            continue
        if match := _ARRAY_HEADER.match(line):
            table = _array_path(_dotted(match.group(1)), counters)
            lines.setdefault(table, number)
        elif match := _TABLE_HEADER.match(line):
            table = _table_path(_dotted(match.group(1)), counters)
            lines.setdefault(table, number)
        elif match := _KEY.match(line):
            lines.setdefault((*table, match.group(1)), number)
    return lines


def _dotted(header: str) -> list[str]:
    return [part.strip().strip("\"'") for part in header.split(".")]


def _array_path(keys: list[str], counters: dict[Loc, int]) -> Loc:
    """`[[a.b]]`: a new element of array b inside the current element of array a."""
    path: Loc = ()
    for i, key in enumerate(keys):
        path = (*path, key)
        if i == len(keys) - 1:
            counters[path] = counters.get(path, -1) + 1
            for stale in [p for p in counters if len(p) > len(path) and p[:len(path)] == path]:
                del counters[stale]
        if path in counters:
            path = (*path, counters[path])
    return path


def _table_path(keys: list[str], counters: dict[Loc, int]) -> Loc:
    path: Loc = ()
    for key in keys:
        path = (*path, key)
        if path in counters:
            path = (*path, counters[path])
    return path


def _problem(lines: dict[Loc, int], loc: Loc, reason: str) -> Problem:
    line = None
    for size in range(len(loc), -1, -1):
        if loc[:size] in lines:
            line = lines[loc[:size]]
            break
    return Problem(line, _field_name(loc), reason.removeprefix("Value error, "))


def _field_name(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "config"


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))
