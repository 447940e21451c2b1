"""`InstallComponents.trusted` (the CFX translator's unvalidated build) gives the command the
validating constructor gives for the same values, and the validating way still refuses bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from traceability.commands import InstallComponents

AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
ITEMS = [
    {"location": "F1", "reference_designator": "C1", "panel_position": 2, "installed_at": AT,
     "installed_after": AT - timedelta(seconds=5)},
    {"lot": "R7", "quantity": 3.0, "panel_position": None},
    {"serial": "SUB-1", "reference_designator": "U1", "installed_at": AT, "installed_after": None},
]
FIELDS = {"parent_serial": "P-1", "installed_at": AT, "station": "SMT1", "operation": "WORK",
          "source_message_id": "m-1"}


def test_trusted_equals_validated() -> None:
    trusted = InstallComponents.trusted(items=ITEMS, **FIELDS)
    validated = InstallComponents.model_validate({**FIELDS, "items": ITEMS})
    assert trusted == validated
    assert trusted.model_dump(mode="json") == validated.model_dump(mode="json")
    assert [i.model_fields_set for i in trusted.items] == [i.model_fields_set for i in validated.items]


def test_the_validating_way_still_refuses() -> None:
    with pytest.raises(ValidationError):
        InstallComponents.model_validate({**FIELDS, "items": [{"lot": "R7", "location": "F1"}]})
    with pytest.raises(ValidationError):
        InstallComponents.model_validate({**FIELDS, "items": [{"lot": "R7", "quantity": -1}]})
