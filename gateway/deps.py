"""Typed FastAPI dependencies: the store and settings the lifespan built."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from gateway.settings import Settings
from traceability.database import Store


# HTTPConnection, not Request: websockets (GraphQL subscriptions) resolve these too.
def get_store(conn: HTTPConnection) -> Store:
    return conn.app.state.store


def get_settings(conn: HTTPConnection) -> Settings:
    return conn.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
