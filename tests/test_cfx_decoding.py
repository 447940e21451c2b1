"""The fast JSON way of the CFX ingest path (orjson) gives the very data and payload digest the standard
library gives, so the idempotency log matches messages hashed before, and the same bodies are refused."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.cfx.bulk import _digest
from devices.cfx.envelope import decode
from traceability.commands import InstallComponents
from traceability.idempotency import payload_hash

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.floats(min_value=-1e-3, max_value=1e-3) | st.text(max_size=12))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)


def same(a: object, b: object) -> bool:
    """Equality in which NaN equals NaN (json.loads reads the literal NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@settings(max_examples=400, deadline=None)
@given(documents, st.booleans())
def test_decode_and_digest_agree_with_the_standard_library(doc, ascii_only):
    text = json.dumps(doc, ensure_ascii=ascii_only)
    expected = json.loads(text)
    for raw in (text, text.encode("utf-8", errors="surrogatepass")):
        data, plain = decode(raw)
        assert same(data, expected)
        assert payload_hash(data, plain=plain) == payload_hash(expected)


@pytest.mark.parametrize("text", [
    '{"q": 1e-05, "r": 0.00001, "s": 1.5e-300, "t": 1e+16}',  # floats written differently by orjson
    '{"a": "\\u00e9\\u2028\\u007f\\u0000", "b": "plain"}',  # escapes the standard library keeps
    '{"big": 123456789012345678901234567890, "max": 18446744073709551615}',  # beyond 64 bits
    '{"x": NaN, "y": Infinity, "z": 1e400}',  # the standard library's extensions
    '{"s": "\\ud800"}',  # a lone surrogate
    '{"a": 1, "a": 2, "b": [true, false, null, -0, 0.1]}',
])
def test_awkward_documents(text):
    data, plain = decode(text)
    assert same(data, json.loads(text))
    assert payload_hash(data, plain=plain) == payload_hash(json.loads(text))


def test_broken_utf8_is_read_as_before():
    raw = b'{"Source": "M\xff1"}'
    data, plain = decode(raw)
    assert data == json.loads(raw.decode("utf-8", errors="replace")) and not plain


@pytest.mark.parametrize("raw", [b"", b"{", b'{"a": 1,}', b"\xef\xbb\xbf{}", b"[1] 2"])
def test_what_the_standard_library_refuses_is_refused(raw):
    with pytest.raises(ValueError):
        json.loads(raw.decode("utf-8", errors="replace"))
    with pytest.raises(ValueError):
        decode(raw)


@pytest.mark.parametrize("quantity", [1, 0.5, 1 / 3, 1e-7, 1e20, math.inf])
def test_the_set_based_audit_digest_is_the_one_commands_execute_writes(quantity):
    cmd = InstallComponents(parent_serial="P-1", installed_at=datetime(2026, 12, 1, 6, tzinfo=UTC),
                            station="SMT-1", operation="PLACE", source_message_id="m-\u00e9",
                            items=[{"location": "F1", "quantity": quantity, "reference_designator": "C1",
                                    "installed_after": datetime(2026, 12, 1, 5, 59, tzinfo=UTC)},
                                   {"lot": "R-1", "panel_position": 2}])
    assert _digest(cmd) == payload_hash(cmd.model_dump(mode="json"))
