"""Engines and the unit of work. Built by the composition root from settings, never at import."""

from __future__ import annotations

import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from traceability.models.history import SQLITE_NUMBER
from traceability.policy import Policy

T = TypeVar("T")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine tuned per dialect: SQLite in WAL with explicit transactions, PostgreSQL without JIT."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _tune_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # JIT compiles every recursive trace query on PostgreSQL and makes it ~5x slower.
    return create_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10,
        connect_args={"options": "-c jit=off"},
    )


def _autocommit_engine(engine: Engine) -> Engine:
    """PostgreSQL reads without a transaction, in a pool of their own: no BEGIN and COMMIT round
    trips (at READ COMMITTED each statement takes its own snapshot anyway), and no pre-ping."""
    reads = create_engine(
        engine.url, echo=engine.echo, pool_size=10, max_overflow=10,
        connect_args={"options": "-c jit=off"},
    )
    event.listen(reads, "checkout", _check_idle_connection)
    # As an execution option, not create_engine's isolation_level: genealogy.graph_walk reads it
    # there to switch the planner for the session rather than the (absent) transaction.
    return reads.execution_options(isolation_level="AUTOCOMMIT")


def _check_idle_connection(dbapi_conn, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """Instead of pool_pre_ping (a round trip per checkout, ~4 ms a request under load): an idle
    connection has nothing to read unless the server closed it or said something (terminated
    backend, shutdown). Only then ping; a dead one is replaced by the pool (DisconnectionError).
    A connection that dies unseen fails its first statement and invalidates the pool."""
    if dbapi_conn.closed or dbapi_conn.broken:
        raise exc.DisconnectionError("connection closed")
    readable, _, _ = select.select([dbapi_conn.fileno()], [], [], 0)
    if not readable:
        return
    try:
        dbapi_conn.execute("SELECT 1")
    except Exception as err:  # any failure here means: use another connection
        raise exc.DisconnectionError(str(err)) from err


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite's is unreliable)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        # A writer takes the write lock up front: upgrading a read transaction later fails
        # with SQLITE_BUSY without waiting.
        mode = "IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    @event.listens_for(engine, "rollback_savepoint")
    def _forget_recording_number(conn, *_args) -> None:  # type: ignore[no-untyped-def]
        # The next transaction (or the work after a savepoint that may have undone the bump)
        # takes a number of its own.
        conn.info.pop(SQLITE_NUMBER, None)


def holds_write_lock(session: Session) -> bool:
    """Whether the session's transaction took SQLite's write lock at its BEGIN (`Store.write`): then
    no other writer can commit before it ends, so what it read is still true when it writes."""
    conn = session.connection()
    return conn.dialect.name == "sqlite" and bool(conn.get_execution_options().get("sqlite_write"))


def _refuse_writes(session: Session, _flush_context, _instances) -> None:  # type: ignore[no-untyped-def]
    raise RuntimeError("a read session tried to write; use Store.write()")


class Store:
    """The database behind the domain: hands out sessions and units of work."""

    def __init__(self, engine: Engine, *, policy: Policy | None = None) -> None:
        self.engine = engine
        self.policy = policy or Policy()
        info = {"policy": self.policy}  # what handlers read through `policy.of(session)`
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)
        event.listen(self._sessions, "before_flush", _refuse_writes)
        self.read_engine = _autocommit_engine(engine) if self.dialect == "postgresql" else engine
        self._autocommit_sessions = self._sessions
        if self.read_engine is not engine:
            self._autocommit_sessions = sessionmaker(self.read_engine, expire_on_commit=False,
                                                     autoflush=False, info=info)
            event.listen(self._autocommit_sessions, "before_flush", _refuse_writes)
        self._writers = sessionmaker(
            engine.execution_options(sqlite_write=True), expire_on_commit=False, autoflush=False,
            info=info,
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: commits when the block ends, rolls back everything on any error."""
        with self._writers() as session, session.begin():
            yield session

    @contextmanager
    def read(self, *, autocommit: bool = False) -> Iterator[Session]:
        """A read-only unit of work. It ends with COMMIT, not the ROLLBACK closing would issue:
        psycopg drops its prepared statements on rollback, so every read would be planned again
        (measured on the interlock check: p50 11 ms -> 3.2 ms). A read session never flushes.

        `autocommit`: on PostgreSQL no transaction and no pre-ping, three round trips fewer (a
        GraphQL request, the relay's poll), through `read_engine`. A connection that died unseen
        fails the first statement: such a caller retries once (GraphContext.read). Not for reads
        that stream (a server-side cursor needs a transaction) or need one snapshot."""
        with (self._autocommit_sessions if autocommit else self._sessions)() as session:
            yield session
            session.commit()

    def query(self, fn: Callable[[Session], T]) -> T:
        """`fn(session)` in an autocommit read (no BEGIN, COMMIT or ping on PostgreSQL), run once
        more if the connection had died unseen: for a short read that needs no one snapshot (at
        READ COMMITTED each statement takes its own anyway), such as the route interlock."""
        try:
            with self.read(autocommit=True) as session:
                return fn(session)
        except exc.DBAPIError as err:
            if not err.connection_invalidated:
                raise
        with self.read(autocommit=True) as session:
            return fn(session)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
