"""Grouping a device's registers into as few read requests as the protocol allows.

Registers of one function (holding, input, coil, discrete) that are contiguous — or separated by at
most `max_gap` unmapped addresses — share a request, up to the protocol's limit per request
(125 registers, 2000 bits). A multi-word value is never split across two requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from devices.modbus.config import BIT_FUNCTIONS, MAX_BITS_PER_READ, MAX_REGISTERS_PER_READ, Function, Register
from devices.modbus.decoding import decode


@dataclass(frozen=True)
class ReadBlock:
    """One request: `count` registers (or bits) of `function` from `start`, and the values inside."""

    function: Function
    start: int
    count: int
    registers: tuple[Register, ...]

    def values(self, words: Sequence[int]) -> dict[str, float]:
        """Decode this block's response into engineering values by parameter name."""
        out: dict[str, float] = {}
        for reg in self.registers:
            first = reg.address - self.start
            raw = decode(words[first:first + reg.width], reg.type or "uint16",
                         word_order=reg.word_order, byte_order=reg.byte_order)
            out[reg.parameter] = engineering(raw, reg.scale, reg.offset)
        return out


def engineering(raw: float, scale: float, offset: float) -> float:
    """raw * scale + offset in decimal, so 174 * 0.1 is stored as 17.4, not 17.400000000000002."""
    if scale == 1 and offset == 0:
        return raw
    return float(Decimal(repr(raw)) * Decimal(repr(scale)) + Decimal(repr(offset)))


def plan_reads(registers: Sequence[Register], *, max_gap: int = 0) -> list[ReadBlock]:
    """The fewest requests covering every register, in function then address order."""
    blocks: list[ReadBlock] = []
    order = {"coil": 0, "discrete": 1, "holding": 2, "input": 3}
    ordered = sorted(registers, key=lambda r: (order[r.function], r.address))
    current: list[Register] = []
    for reg in ordered:
        if current and _joins(current, reg, max_gap):
            current.append(reg)
            continue
        if current:
            blocks.append(_block(current))
        current = [reg]
    if current:
        blocks.append(_block(current))
    return blocks


def _joins(current: list[Register], reg: Register, max_gap: int) -> bool:
    first = current[0]
    if reg.function != first.function:
        return False
    end = max(r.last_address for r in current)
    limit = MAX_BITS_PER_READ if reg.function in BIT_FUNCTIONS else MAX_REGISTERS_PER_READ
    return reg.address - end - 1 <= max_gap and max(end, reg.last_address) - first.address + 1 <= limit


def _block(registers: list[Register]) -> ReadBlock:
    start = registers[0].address
    end = max(r.last_address for r in registers)
    return ReadBlock(function=registers[0].function, start=start, count=end - start + 1,
                     registers=tuple(registers))
