"""Domain field paths renamed into an outside vocabulary, so a refusal names the field the caller sent.

The domain refuses `operations[2].materials[0].part_number`; a PLM that sent B2MML reads
`OperationsSegment[2].MaterialSpecification[0].MaterialDefinitionID`. Each adapter gives its map.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from traceability.errors import DomainError, Invalid

_PIECE = re.compile(r"^([^\[\]]+)((?:\[\d+\])*)$")


def rename(path: str, names: Mapping[str, str]) -> str:
    """Each piece by `parent.name` if the map has it (the same name differs by place), else `name`."""
    out, parent = [], ""
    for piece in path.split("."):
        m = _PIECE.match(piece)
        if m is None:
            out.append(piece)
            continue
        name = m.group(1)
        out.append(names.get(f"{parent}.{name}", names.get(name, name)) + m.group(2))
        parent = name
    return ".".join(out)


def renamed(exc: DomainError, names: Mapping[str, str]) -> DomainError:
    """The same refusal, its field named in the caller's vocabulary."""
    if not exc.field:
        return exc
    field = rename(exc.field, names)
    if isinstance(exc, Invalid):
        return Invalid(field, exc.reason)
    return type(exc)(exc.message, field=field)
