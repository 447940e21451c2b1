"""The audit sealer loop the gateway runs beside its routes (every process may run one: the
sealer's lock makes them take turns). Entries are sealed within about `interval` of their commit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from anyio import to_thread

from traceability import audit
from traceability.database import Store, make_engine

log = logging.getLogger("tracebridge.audit")


async def seal_forever(store: Store, interval: float) -> None:
    while True:
        try:
            await to_thread.run_sync(audit.seal_all, store)
        except Exception as exc:  # noqa: BLE001 - a busy or absent database: try again next time
            log.warning("audit sealing postponed: %s", type(exc).__name__)
        await asyncio.sleep(interval)


def around(inner: Callable[[Any], AbstractAsyncContextManager[Any]], database_url: str,  # type: ignore[no-untyped-def]
           interval: float):
    """Wrap an app lifespan so the sealer runs while the app does. It has its own engine: it never
    takes a connection from the requests' pool, and statement counts of requests stay their own."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        async with inner(app) as state:
            store = Store(make_engine(database_url))
            task = asyncio.create_task(seal_forever(store, interval))
            try:
                yield state
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                store.dispose()

    return lifespan
