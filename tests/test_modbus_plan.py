"""Reading a device: registers grouped into the fewest requests, decoded, and filtered before storing."""

from __future__ import annotations

from devices.modbus.change_filter import ChangeFilter
from devices.modbus.config import Register
from devices.modbus.plan import plan_reads


def reg(parameter: str, address: int, type: str = "uint16", function: str = "holding", **kw) -> Register:
    return Register(parameter=parameter, address=address, type=type, function=function, **kw)


def test_reads_are_grouped_into_the_fewest_requests():
    regs = [reg("a", 0), reg("b", 1, "float32"), reg("c", 3, "int32"), reg("d", 7),
            reg("e", 0, function="input"), reg("f", 1, function="input"),
            reg("g", 5, "bool", "coil"), reg("h", 6, "bool", "coil")]
    plan = [(b.function, b.start, b.count, [r.parameter for r in b.registers]) for b in plan_reads(regs)]
    assert plan == [("coil", 5, 2, ["g", "h"]), ("holding", 0, 5, ["a", "b", "c"]), ("holding", 7, 1, ["d"]),
                    ("input", 0, 2, ["e", "f"])]
    bridged = plan_reads(regs, max_gap=2)
    assert [(b.function, b.start, b.count) for b in bridged if b.function == "holding"] == [("holding", 0, 8)]


def test_a_request_never_exceeds_125_registers_nor_splits_a_value():
    regs = [reg(f"p{i}", 2 * i, "float32") for i in range(100)]  # 200 contiguous registers
    blocks = plan_reads(regs)
    assert [(b.start, b.count) for b in blocks] == [(0, 124), (124, 76)]
    assert sum(len(b.registers) for b in blocks) == 100


def test_block_values_apply_scale_and_offset():
    [block] = plan_reads([reg("speed", 0, "int16", scale=0.1),
                          reg("temp", 1, "uint16", scale=0.5, offset=-40)])
    assert block.values([0xFFF6, 200]) == {"speed": -1.0, "temp": 60.0}
    [block] = plan_reads([reg("speed", 0, "int16", scale=0.1)])
    assert block.values([174]) == {"speed": 17.4}  # not 17.400000000000002


def test_change_only_and_deadband_filter_what_was_stored():
    f = ChangeFilter([reg("t", 0, deadband=0.5), reg("door", 0, "bool", "coil", change_only=True),
                      reg("raw", 1)])
    assert f.accept({"t": 20.0, "door": 0.0, "raw": 1.0}) == {"t": 20.0, "door": 0.0, "raw": 1.0}
    f.stored({"t": 20.0, "door": 0.0, "raw": 1.0})
    assert f.accept({"t": 20.4, "door": 0.0, "raw": 1.0}) == {"raw": 1.0}
    assert f.accept({"t": 20.6, "door": 1.0, "raw": float("nan")}) == {"t": 20.6, "door": 1.0}
    # not stored (the write failed): offered again next cycle
    assert f.accept({"t": 20.6, "door": 1.0}) == {"t": 20.6, "door": 1.0}
    f.stored({"t": 20.6})
    assert f.accept({"t": 20.2, "door": 1.0}) == {"door": 1.0}
