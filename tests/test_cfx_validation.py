"""CFX ValidateUnitsRequest → ValidateUnitsResponse: the route interlock asked by a machine, over HTTP and
over AMQP (request/response to the requester's reply_to queue)."""

from __future__ import annotations

import json
import time
import uuid

import pika
from fastapi.testclient import TestClient

from devices.cfx import validation
from gateway.app import create_app
from gateway.settings import Settings
from tests import quality_plant
from tests.amqp_support import URL, Publisher, consumers, require_broker, settings_for
from tests.cfx_support import envelope, t


def _request(source: str, *serials: str, validations: list[str] | None = None) -> dict:
    env = envelope(validation.REQUEST, source, t(0), {
        "Validations": validations or [], "PrimaryIdentifier": serials[0],
        "Units": [{"UnitIdentifier": s, "PositionNumber": i + 1} for i, s in enumerate(serials)]})
    env["RequestID"] = f"req-{uuid.uuid4().hex[:8]}"
    return env


def test_a_machine_asks_over_http_and_gets_a_cfx_answer(store, database_url, uid):
    plant = quality_plant.build(store, uid)
    station = plant.n("REFLOW-1")
    settings = Settings(database_url=database_url)
    settings.cfx.operations = {station: "REFLOW"}
    with TestClient(create_app(settings)) as client:
        plant.op(store, "U1", "PASTE", 1)  # SMT not run yet: REFLOW is out of order
        asked = _request(station, plant.n("U1"), f"{uid}-NOPE")
        r = client.post("/api/v1/cfx", json=asked)
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["MessageName"] == validation.RESPONSE and answer["RequestID"] == asked["RequestID"]
        body = answer["MessageBody"]
        assert body["Result"]["Result"] == "Success" and body["PrimaryResult"]["Result"] == "Failed"
        first, unknown = body["Results"]
        assert first["Result"] == "Failed" and "SMT" in first["Message"] and first["PositionNumber"] == 1
        assert unknown["Result"] == "Failed" and "not known" in unknown["Message"]

        plant.op(store, "U1", "SMT", 2, station=plant.n("SMT-1"))
        ok = client.post("/api/v1/cfx", json=_request(station, plant.n("U1"))).json()["MessageBody"]
        assert ok["PrimaryResult"]["Result"] == "Passed" and ok["Results"][0]["Message"] == "OK"
        # Only the status was asked: the route is not judged.
        status_only = _request(station, plant.n("U2"), validations=["UnitStatusValidation"])
        assert client.post("/api/v1/cfx", json=status_only).json()["MessageBody"]["PrimaryResult"][
            "Result"] == "Passed"
        # An endpoint with no configured operation is told why.
        lost = client.post("/api/v1/cfx", json=_request(f"{uid}.UNMAPPED", plant.n("U1"))).json()
        assert lost["MessageBody"]["Result"]["Result"] == "Failed"
        assert "TRACEBRIDGE_CFX_OPERATIONS" in lost["MessageBody"]["Result"]["Message"]


def test_a_machine_asks_over_amqp_and_the_answer_reaches_its_reply_queue(store, uid):
    require_broker()
    plant = quality_plant.build(store, uid)
    station = plant.n("PASTE-1")
    settings = settings_for(uid)
    settings.operations = {station: "PASTE"}
    publisher = Publisher(settings)
    connection = pika.BlockingConnection(pika.URLParameters(URL))
    try:
        channel = connection.channel()
        reply_to = channel.queue_declare("", exclusive=True).method.queue
        with consumers(store, URL, settings):
            asked = _request(station, plant.n("U1"))
            channel.basic_publish(settings.exchange, validation.REQUEST, json.dumps(asked).encode(),
                                  pika.BasicProperties(reply_to=reply_to, correlation_id="c-1"))
            got = None
            deadline = time.monotonic() + 30
            while got is None and time.monotonic() < deadline:
                method, props, body = channel.basic_get(reply_to, auto_ack=True)
                if method is None:
                    connection.sleep(0.1)
                    continue
                got = (props, json.loads(body))
        assert got is not None, "no ValidateUnitsResponse within 30 s"
        props, answer = got
        assert props.correlation_id == "c-1" and answer["RequestID"] == asked["RequestID"]
        assert answer["MessageBody"]["PrimaryResult"]["Result"] == "Passed", answer
    finally:
        connection.close()
        publisher.close()
