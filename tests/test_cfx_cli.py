"""`tracebridge consume` as a user runs it: settings from the environment, a real broker, the store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from gateway.cli import app
from tests.amqp_support import URL, Publisher, require_broker, settings_for
from tests.cfx_support import Line, assert_line, master_data, snapshot
from traceability.database import Store, make_engine

BIN = Path(sys.executable).parent / "tracebridge"


def test_consume_without_a_broker_url_says_what_to_set(sqlite_url):
    result = CliRunner().invoke(app, ["consume"], env={"TRACEBRIDGE_DATABASE_URL": sqlite_url,
                                                       "TRACEBRIDGE_AMQP_URL": None})
    assert result.exit_code == 2 and "TRACEBRIDGE_AMQP_URL" in result.output


def test_consume_drains_the_queue_into_the_store(sqlite_url, uid):
    require_broker()
    store = Store(make_engine(sqlite_url))
    line = Line(uid)
    master_data(store, uid)
    settings = settings_for(uid)
    publisher = Publisher(settings)
    try:
        for message in line.messages():
            publisher.publish(message)
        env = {**os.environ, "TRACEBRIDGE_DATABASE_URL": sqlite_url, "TRACEBRIDGE_AMQP_URL": URL,
               "TRACEBRIDGE_CFX_EXCHANGE": settings.exchange, "TRACEBRIDGE_CFX_QUEUE": settings.queue,
               "TRACEBRIDGE_CFX_BINDINGS": '["CFX.Production.#", "CFX.Materials.#"]'}
        done = subprocess.run([str(BIN), "consume", "--duration", "6"], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert f"{len(line.messages())} message(s)" in done.stdout
        assert publisher.pending() == 0
        assert_line(snapshot(store, line))
    finally:
        publisher.close()
        store.dispose()
