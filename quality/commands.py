"""The quality commands, registered with `traceability.commands` so every adapter runs them through
`execute` (idempotent by message id, in the caller's transaction, events through the outbox)."""

from __future__ import annotations

from quality.containment import ContainLot, ReleaseContainment, contain_lot, release_containment
from quality.suspect_window import ContainWindow, contain_window
from traceability.commands import register

register(ContainLot, contain_lot)
register(ContainWindow, contain_window)
register(ReleaseContainment, release_containment)

__all__ = ["ContainLot", "ContainWindow", "ReleaseContainment"]
