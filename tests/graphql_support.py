"""Speaking GraphQL to the real app over HTTP (Starlette's TestClient on create_app)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.graph.settings import GraphQLSettings
from gateway.settings import Settings


@contextmanager
def graphql_client(database_url: str, **limits: Any) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, graphql=GraphQLSettings(**limits))
    with TestClient(create_app(settings)) as client:
        yield client


def answer(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """The whole GraphQL response (data and errors)."""
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


def data(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """The data of a response that must have no errors."""
    body = answer(client, query, **variables)
    assert not body.get("errors"), body["errors"]
    return body["data"]


def errors(client: TestClient, query: str, **variables: Any) -> list[dict[str, Any]]:
    body = answer(client, query, **variables)
    assert body.get("errors"), body
    return body["errors"]
