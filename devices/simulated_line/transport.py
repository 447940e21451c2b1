"""How the simulated line reaches the gateway: the same doors real systems use.

CFX envelopes are POSTed to /api/v1/cfx, or published to the CFX topic exchange when a broker is
configured (routing key = MessageName, as CFX endpoints do); master data goes to the ERP, PLM and
WMS hooks; SPC charts to /api/v1/spc. Every write carries an Idempotency-Key derived from the run,
so a replayed run changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import httpx


class Refused(RuntimeError):
    """The gateway answered a simulated message with an error: the line stops and says why."""


class Gateway:
    def __init__(self, base_url: str, api_key: str | None, *, timeout: float = 30.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, body: Any, key: str | None = None) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        response = self.http.request(method, path, json=body, headers=headers)
        if response.status_code >= 400:
            raise Refused(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def cfx(self, envelopes: list[dict]) -> None:
        self.call("POST", "/api/v1/cfx", envelopes)  # a dead-lettered message answers 422: Refused


class AmqpCfx:
    """Publishes envelopes to the CFX exchange; `tracebridge consume` (or another consumer) applies them."""

    def __init__(self, url: str, exchange: str) -> None:
        import pika

        self.pika = pika
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)
        self.channel.confirm_delivery()
        self.exchange = exchange

    def cfx(self, envelopes: list[dict]) -> None:
        for env in envelopes:
            self.channel.basic_publish(
                self.exchange,
                env["MessageName"],
                json.dumps(env).encode(),
                self.pika.BasicProperties(
                    content_type="application/json", delivery_mode=2, message_id=env["UniqueID"]
                ),
            )

    def close(self) -> None:
        self.connection.close()
