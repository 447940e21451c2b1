"""What a translator knows about the message it translates, and how it says 'not yet'."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from devices.cfx.settings import CfxSettings
from devices.cfx.units import Ref, Target, UnitCache, resolve
from traceability import lookup
from traceability.models import MaterialLot, Unit, UnitOperation


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
    # Look-ups already made; shared across a batch only by messages that create no units or lots.
    cache: Lookups = field(default_factory=lambda: Lookups())

    def resolve(self, refs: list[Ref]) -> tuple[dict[Ref, Target], set[str]]:
        return resolve(self.session, refs, self.cache.units)

    def lots(self, codes: set[str]) -> dict[str, MaterialLot]:
        self.cache.load_lots(self.session, codes)
        return {code: lot for code in codes if (lot := self.cache.lots.get(code)) is not None}

    def operation(self, default: str) -> str:
        return self.settings.operations.get(self.station, default)[:32]

    def transaction(self, transaction_id: str | None) -> list[TransactionUnit]:
        """The units a WorkStarted opened under this id, with their operation."""
        if not transaction_id:
            return []
        if transaction_id not in self.cache.transactions:
            self.cache.load_transactions(self.session, [transaction_id])
        return self.cache.transactions[transaction_id]


@dataclass(frozen=True)
class TransactionUnit:
    operation_id: int
    serial: str
    kind: str
    operation: str
    station: str
    started_at: datetime


@dataclass
class Lookups:
    units: UnitCache = field(default_factory=UnitCache)
    lots: dict[str, MaterialLot | None] = field(default_factory=dict)
    transactions: dict[str, list[TransactionUnit]] = field(default_factory=dict)

    def load_lots(self, session: Session, codes: set[str]) -> None:
        missing = {code for code in codes if code not in self.lots}
        if missing:
            found = lookup.lots(session, missing)
            self.lots.update({code: found.get(code) for code in missing})

    def load_transactions(self, session: Session, ids: list[str]) -> None:
        """The operations opened under these transaction ids, in one query."""
        wanted = [i for i in dict.fromkeys(ids) if i and i not in self.transactions]
        if not wanted:
            return
        rows = session.execute(
            select(UnitOperation.id, UnitOperation.transaction_id, UnitOperation.operation,
                   UnitOperation.station, UnitOperation.started_at, Unit.serial, Unit.kind)
            .join(Unit, Unit.id == UnitOperation.unit_id)
            .where(UnitOperation.transaction_id.in_(wanted)).order_by(UnitOperation.id)
        ).all()
        for i in wanted:
            self.transactions[i] = []
        for r in rows:
            self.transactions[r.transaction_id].append(
                TransactionUnit(r.id, r.serial, r.kind, r.operation, r.station, r.started_at))
