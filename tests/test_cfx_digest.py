"""The audit digest of a command on the set-based CFX path (`devices.cfx.bulk._digest`, orjson
writing the command's fields) is the digest `commands.execute` computes on the one-by-one path
(`payload_hash` of `model_dump(mode="json")`, the standard library's text), whatever the times,
zones, quantities and strings."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from devices.cfx.bulk import _digest
from traceability.commands import InstallComponents
from traceability.idempotency import payload_hash

ZONES = [UTC, timezone(timedelta(0)), timezone(timedelta(hours=2)), timezone(-timedelta(hours=7)),
         timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(seconds=3723)),
         ZoneInfo("Europe/Berlin"), ZoneInfo("UTC")]
TIMES = [datetime(2026, 12, 1, 6, 0, 10), datetime(2026, 7, 1, 23, 59, 59, 500),
         datetime(1, 1, 1, 0, 0, 0, 123456), datetime(9999, 12, 31, 12, 0)]
QUANTITIES = [1.0, 0.5, 2.5e-7, 9.99e-5, 1e-4, 0.00015, -0.0, 3e20, 12345678.9, 0.0, float("inf"), 3]
TEXTS = ["C1", "  R12 ", "Ω7", "a\x7fb", 'q"uote\\', ""]


def _command(at: datetime, quantity: float, text: str) -> InstallComponents:
    after = at - timedelta(seconds=2) if at.year > 1 else None
    return InstallComponents.trusted(
        parent_serial=f"P-{text}", installed_at=at, station="SMT1", operation="WORK",
        source_message_id="m-1", items=[
            {"location": "F1", "reference_designator": text, "panel_position": 2, "installed_at": at,
             "installed_after": after},
            {"lot": f"R-{text}", "quantity": quantity, "panel_position": None},
            {"serial": "SUB-1", "reference_designator": "U1", "installed_at": at, "installed_after": None},
            {"location": "F2"}])  # every default


def test_the_set_based_digest_is_the_one_by_one_digest() -> None:
    cases = itertools.product(TIMES, ZONES, QUANTITIES, TEXTS)
    for naive, zone, quantity, text in itertools.islice(cases, 3000):
        cmd = _command(naive.replace(tzinfo=zone), quantity, text)
        assert _digest(cmd) == payload_hash(cmd.model_dump(mode="json")), (naive, zone, quantity, text)
