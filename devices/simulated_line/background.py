"""`serve --demo`'s simulated line: a daemon thread that waits for the server, then runs the line
against it over HTTP with the demo key, a panel every few seconds, until the process ends."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import UTC, datetime

import httpx

from devices.simulated_line.plant import STATIONS
from traceability.database import Store, make_engine

log = logging.getLogger("tracebridge.simulate")


def start_demo_line(settings, base_url: str, api_key: str) -> threading.Thread:  # type: ignore[no-untyped-def]
    # The gateway records the line's stations as their operations (SMT, REFLOW, AOI ...): uvicorn's
    # app reads this when it starts, after this call; an operator's own mapping wins.
    os.environ.setdefault("TRACEBRIDGE_CFX_OPERATIONS", json.dumps(STATIONS))
    thread = threading.Thread(target=_run, args=(settings, base_url, api_key), name="demo-line", daemon=True)
    thread.start()
    return thread


def _run(settings, base_url: str, api_key: str) -> None:  # type: ignore[no-untyped-def]
    from devices.simulated_line.run import Options, run

    for _ in range(600):  # wait (bounded) for the server to answer
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    store = Store(make_engine(settings.database_url))
    try:
        run(
            Options(
                base_url=base_url, api_key=api_key, prefix=f"SIM-{datetime.now(UTC):%m%d%H%M}", amqp_url=None
            ),
            store,
        )  # over HTTP: the demo runs no CFX consumer
    except Exception:  # the demo line is a convenience: it must never take the server down
        log.exception("the demo line stopped")
    finally:
        store.dispose()
