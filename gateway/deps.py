"""Typed FastAPI dependencies: the store and settings the lifespan built."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from gateway.settings import Settings
from traceability.database import Store


# HTTPConnection, not Request: websockets (GraphQL subscriptions) resolve these too.
# `async def` although they only read an attribute: FastAPI runs a plain `def` dependency in the
# thread pool, which cost every route using the store a second thread hop (a worker wake-up and
# a loop wake-up, each a wait for a CPU under load) before its own.
async def get_store(conn: HTTPConnection) -> Store:
    return conn.app.state.store


async def get_settings(conn: HTTPConnection) -> Settings:
    return conn.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
