"""`tracebridge relay`: a relay process of its own, publishing the outbox to the exchange."""

from __future__ import annotations

import logging
import signal
import threading

from gateway.events.amqp_publisher import AmqpPublisher
from gateway.events.relay import RelayThread, event_relay
from gateway.settings import Settings
from traceability.database import Store

log = logging.getLogger("tracebridge.events")


def run_relay(settings: Settings, store: Store, *, once: bool = False,
              duration: float | None = None) -> int:
    """Relay until SIGINT/SIGTERM or `duration`; `once`: drain what is due and stop. Returns the count."""
    if not settings.amqp_url:
        raise ValueError("TRACEBRIDGE_AMQP_URL is not set: with the in-process bus the relay runs "
                         "inside `tracebridge serve`")
    cfg = settings.events
    publisher = AmqpPublisher(settings.amqp_url, cfg.exchange, confirm_timeout=cfg.confirm_timeout).start()
    relay = event_relay(store, publisher, source=cfg.source, batch_size=cfg.batch_size)
    try:
        if not publisher.wait_ready(30):
            log.warning("events: broker not reachable yet; rows stay in the outbox until it is")
        if once:
            return relay.drain()
        runner = RelayThread(relay, poll_interval=cfg.poll_interval, retention=cfg.retention()).start()
        until_stopped(duration)
        runner.stop()
        return runner.delivered
    finally:
        publisher.close()


def until_stopped(duration: float | None) -> None:
    """Block until SIGINT/SIGTERM (when called on the main thread) or `duration` seconds."""
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    stop.wait(duration)
