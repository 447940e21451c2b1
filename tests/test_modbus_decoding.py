"""Register decoding: every type, both word orders and both byte orders, against hand-computed words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.modbus.decoding import decode, encode, word_count

# 1.5f = 0x3FC00000; -2.25f = 0xC0100000; 123456789 = 0x075BCD15
CASES = [
    ("int16", [0xFF85], "big", "big", -123),
    ("int16", [0x85FF], "big", "little", -123),
    ("uint16", [0xFF85], "big", "big", 65413),
    ("uint16", [0x3412], "big", "little", 0x1234),
    ("int32", [0x075B, 0xCD15], "big", "big", 123456789),
    ("int32", [0xCD15, 0x075B], "little", "big", 123456789),
    ("int32", [0x5B07, 0x15CD], "big", "little", 123456789),
    ("int32", [0x15CD, 0x5B07], "little", "little", 123456789),
    ("int32", [0xFFFF, 0xFFFE], "big", "big", -2),
    ("uint32", [0xFFFF, 0xFFFE], "big", "big", 0xFFFFFFFE),
    ("uint32", [0x0001, 0x0000], "little", "big", 1),
    ("float32", [0x3FC0, 0x0000], "big", "big", 1.5),
    ("float32", [0x0000, 0x3FC0], "little", "big", 1.5),
    ("float32", [0xC03F, 0x0000], "big", "little", 1.5),
    ("float32", [0x0000, 0xC03F], "little", "little", 1.5),
    ("float32", [0xC010, 0x0000], "big", "big", -2.25),
    ("float32", [0x0000, 0xC010], "little", "big", -2.25),
    ("bool", [1], "big", "big", 1.0),
    ("bool", [0], "big", "big", 0.0),
]


@pytest.mark.parametrize(("data_type", "words", "word_order", "byte_order", "expected"), CASES)
def test_decode_known_words(data_type, words, word_order, byte_order, expected):
    assert decode(words, data_type, word_order=word_order, byte_order=byte_order) == expected
    assert encode(expected, data_type, word_order=word_order, byte_order=byte_order) == words


def test_word_counts_and_wrong_lengths_are_refused():
    types = ("bool", "int16", "uint16", "int32", "uint32", "float32")
    assert [word_count(t) for t in types] == [1, 1, 1, 2, 2, 2]
    with pytest.raises(ValueError, match="float32 needs 2"):
        decode([1], "float32")
    with pytest.raises(ValueError, match="16-bit"):
        decode([70000], "uint16")


@given(value=st.floats(width=32, allow_nan=False, allow_infinity=False),
       word_order=st.sampled_from(["big", "little"]), byte_order=st.sampled_from(["big", "little"]))
def test_float32_round_trips_in_every_order(value, word_order, byte_order):
    words = encode(value, "float32", word_order=word_order, byte_order=byte_order)
    assert decode(words, "float32", word_order=word_order, byte_order=byte_order) == value


@given(value=st.integers(-(2**31), 2**31 - 1), word_order=st.sampled_from(["big", "little"]))
def test_int32_round_trips(value, word_order):
    assert decode(encode(value, "int32", word_order=word_order), "int32", word_order=word_order) == value
