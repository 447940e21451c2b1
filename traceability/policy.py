"""Plant rules the composition root chooses (from its settings) and hands to the `Store`.

The domain never reads the environment: a handler asks `policy.of(session)` and gets what the
Store was built with, or the strict defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Policy:
    # An installation of a quarantined lot: refused, or accepted with the installation flagged and
    # the unit put on hold (for plants that let material review decide afterwards).
    quarantined_lot: Literal["refuse", "flag"] = "refuse"
    # Write consumption, pallets packed and quarantine requests for the WMS into the outbox.
    report_to_wms: bool = False


DEFAULT = Policy()


def of(session: Session) -> Policy:
    return session.info.get("policy") or DEFAULT
