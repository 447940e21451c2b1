"""Register words to numbers and back: pure functions, no I/O.

Modbus carries 16-bit words. A 32-bit value spans two words whose order varies by vendor
(`word_order`: "big" puts the most significant word first), and some devices also swap the two
bytes inside each word (`byte_order`: "little"). Coils and discrete inputs are single bits.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Literal

DataType = Literal["bool", "int16", "uint16", "int32", "uint32", "float32"]
Order = Literal["big", "little"]

_STRUCT: dict[str, str] = {"int16": "h", "uint16": "H", "int32": "i", "uint32": "I", "float32": "f"}
_WORDS: dict[str, int] = {"bool": 1, "int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2}


def word_count(data_type: DataType) -> int:
    """How many registers (or bits, for bool) one value of this type occupies."""
    return _WORDS[data_type]


def decode(words: Sequence[int], data_type: DataType, *, word_order: Order = "big",
           byte_order: Order = "big") -> float:
    """The value held by `words` (exactly `word_count(data_type)` of them), as a float."""
    if len(words) != _WORDS[data_type]:
        raise ValueError(f"{data_type} needs {_WORDS[data_type]} word(s), got {len(words)}")
    if data_type == "bool":
        return 1.0 if words[0] else 0.0
    ordered = list(words) if word_order == "big" else list(reversed(words))
    raw = b"".join(_word_bytes(w, byte_order) for w in ordered)
    return float(struct.unpack(">" + _STRUCT[data_type], raw)[0])


def encode(value: float, data_type: DataType, *, word_order: Order = "big",
           byte_order: Order = "big") -> list[int]:
    """The words a device holds for `value`: the inverse of `decode` (used by simulators and tests)."""
    if data_type == "bool":
        return [1 if value else 0]
    number = value if data_type == "float32" else int(value)
    raw = struct.pack(">" + _STRUCT[data_type], number)
    words = [_bytes_word(raw[i:i + 2], byte_order) for i in range(0, len(raw), 2)]
    return words if word_order == "big" else list(reversed(words))


def _word_bytes(word: int, byte_order: Order) -> bytes:
    if not 0 <= word <= 0xFFFF:
        raise ValueError(f"register value {word} is not a 16-bit word")
    high_first = word.to_bytes(2, "big")
    return high_first if byte_order == "big" else high_first[::-1]


def _bytes_word(pair: bytes, byte_order: Order) -> int:
    return int.from_bytes(pair, "big" if byte_order == "big" else "little")
