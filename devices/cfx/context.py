"""What a translator knows about the message it translates, and how it says 'not yet'."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from devices.cfx.settings import CfxSettings
from traceability.models import Unit, UnitOperation


class Held(Exception):
    """The message names something not in the store yet (e.g. it overtook its WorkStarted): keep it
    aside under `key` and apply it when that arrives."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


@dataclass
class Context:
    session: Session
    station: str  # the CFX handle of the sending endpoint
    at: datetime  # the envelope's TimeStamp, on the device's clock
    message_id: str
    settings: CfxSettings
    problems: Counter[str] = field(default_factory=Counter)
    _transactions: dict[str, list[TransactionUnit]] = field(default_factory=dict)

    def operation(self, default: str) -> str:
        return self.settings.operations.get(self.station, default)[:32]

    def transaction(self, transaction_id: str | None) -> list[TransactionUnit]:
        """The units a WorkStarted opened under this id, with their operation (one query)."""
        if not transaction_id:
            return []
        if transaction_id in self._transactions:
            return self._transactions[transaction_id]
        rows = self.session.execute(
            select(UnitOperation.id, UnitOperation.operation, UnitOperation.station,
                   UnitOperation.started_at, Unit.serial, Unit.kind)
            .join(Unit, Unit.id == UnitOperation.unit_id)
            .where(UnitOperation.transaction_id == transaction_id).order_by(UnitOperation.id)
        ).all()
        found = [TransactionUnit(r.id, r.serial, r.kind, r.operation, r.station, r.started_at) for r in rows]
        self._transactions[transaction_id] = found
        return found


@dataclass(frozen=True)
class TransactionUnit:
    operation_id: int
    serial: str
    kind: str
    operation: str
    station: str
    started_at: datetime
