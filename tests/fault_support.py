"""Fault-injection support: a stream of CFX installation messages, what the store holds of it,
`tracebridge` processes in subprocesses (always killed at the end), and the measured outcome
each fault test reports (printed in the terminal summary, see conftest.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from tests.amqp_support import wait_for
from tests.cfx_support import envelope, t
from traceability import commands as c
from traceability.database import Store
from traceability.models import ComponentInstallation, InboundMessage, Unit

BIN = Path(sys.executable).parent / "tracebridge"
OUTCOMES: list[str] = []  # one line per fault, printed after the run


@dataclass
class Outcome:
    fault: str
    sent: int
    stored: int
    duplicated: int
    lost: int
    note: str = ""

    def report(self) -> Outcome:
        line = (f"{self.fault}: sent {self.sent}, stored {self.stored}, duplicated {self.duplicated}, "
                f"lost {self.lost}" + (f" ({self.note})" if self.note else ""))
        OUTCOMES.append(line)
        print("FAULT " + line)
        return self


@dataclass
class Stream:
    """`units` MaterialsInstalled messages, `per_message` placements each, from two machines."""

    uid: str
    units: int
    per_message: int = 10

    @property
    def sources(self) -> list[str]:
        return [f"{self.uid}.SMT{k}" for k in range(2)]

    def prepare(self, store: Store) -> None:
        uid = self.uid
        with store.write() as session:
            c.execute(session, c.DefinePart(part_number=f"{uid}-PRD", serialized=True))
            c.execute(session, c.DefinePart(part_number=f"{uid}-CAP"))
            c.execute(session, c.ReceiveLot(lot=f"{uid}-REEL", part_number=f"{uid}-CAP", quantity=10**7))
            c.execute(session, c.RegisterUnits(units=[
                c.NewUnit(serial=f"{uid}-U{i}", part_number=f"{uid}-PRD") for i in range(self.units)]))

    def messages(self) -> list[dict]:
        uid, n = self.uid, self.per_message
        return [envelope("CFX.Production.Assembly.MaterialsInstalled", self.sources[i % 2], t(i), {
            "TransactionId": None, "InstalledMaterials": [{
                "UnitIdentifier": f"{uid}-U{i}", "QuantityInstalled": n,
                "Material": {"UniqueIdentifier": f"{uid}-REEL"},
                "InstalledComponents": [{"ReferenceDesignator": f"C{k}", "InstallationTime": t(i).isoformat()}
                                        for k in range(n)]}]}, unique_id=f"{uid}-M{i}")
                for i in range(self.units)]

    def applied(self, store: Store) -> int:
        with store.read() as session:
            return session.scalar(select(func.count()).select_from(InboundMessage).where(
                InboundMessage.source.in_([f"cfx:{s}" for s in self.sources])))

    def installations(self, store: Store) -> tuple[int, int]:
        """(rows, distinct unit+reference designator): equal when nothing was recorded twice."""
        ci = ComponentInstallation
        mine = (select(ci.parent_unit_id, ci.reference_designator).join(Unit, Unit.id == ci.parent_unit_id)
                .where(Unit.serial.like(f"{self.uid}-U%")))
        with store.read() as session:
            rows = session.scalar(select(func.count()).select_from(mine.subquery()))
            distinct = session.scalar(select(func.count()).select_from(mine.distinct().subquery()))
        return rows, distinct

    def outcome(self, fault: str, store: Store, note: str = "") -> Outcome:
        applied = self.applied(store)
        rows, distinct = self.installations(store)
        expected_rows = self.units * self.per_message
        return Outcome(fault, sent=self.units, stored=applied,
                       duplicated=rows - distinct, lost=expected_rows - distinct, note=note).report()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def processes() -> Iterator[list[subprocess.Popen]]:
    """Started `tracebridge` processes; each is killed (and reaped) when the block ends, even on failure."""
    started: list[subprocess.Popen] = []
    try:
        yield started
    finally:
        for p in started:
            if p.poll() is None:
                with suppress(ProcessLookupError):
                    p.send_signal(signal.SIGKILL)
            with suppress(subprocess.TimeoutExpired):
                p.communicate(timeout=10)


def tracebridge(started: list[subprocess.Popen], env: dict[str, str], *args: str) -> subprocess.Popen:
    proc = subprocess.Popen([str(BIN), *args], env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    started.append(proc)
    return proc


def wait_http(url: str, *, timeout: float = 180.0) -> bool:
    # Generous: five processes importing the app at once on a loaded 2-core machine take over a minute.
    import httpx

    def up() -> bool:
        with suppress(httpx.HTTPError):
            return httpx.get(url, timeout=2).status_code == 200
        return False

    return wait_for(up, timeout=timeout, interval=0.2)


def elapsed(start: float) -> str:
    return f"{time.monotonic() - start:.2f} s"


@contextmanager
def store_at(url: str) -> Iterator[Store]:
    from traceability.database import make_engine

    store = Store(make_engine(url))
    try:
        yield store
    finally:
        store.dispose()
