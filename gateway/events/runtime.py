"""Wiring events into the app's lifespan: publisher, feed source and relay, built from Settings.

With TRACEBRIDGE_AMQP_URL: the relay publishes to the exchange and the feed reads this process's own
queue bound to it, so subscribers here see events caused through any process. Without: an
in-process bus carries the relay's events straight to the feed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from gateway.events.amqp_feed import AmqpFeedSource
from gateway.events.amqp_publisher import AmqpPublisher
from gateway.events.feed import Feed
from gateway.events.publishing import InProcessBus, Publisher
from gateway.events.relay import RelayThread, event_relay
from gateway.settings import Settings
from integrations.epcis.stream import EpcisStream, StreamThread
from traceability.database import Store, make_engine

log = logging.getLogger("tracebridge.events")

READY_WAIT = 10.0  # seconds the app waits at start for the broker before serving without it


@dataclass
class EventsRuntime:
    feed: Feed
    publisher: Publisher
    source: AmqpFeedSource | None
    relay: RelayThread | None
    epcis: StreamThread | None = None  # the EPCIS capture stream (TRACEBRIDGE_EPCIS_STREAM)

    def stop(self) -> None:
        if self.epcis is not None:
            self.epcis.stop()
            self.epcis.stream.store.dispose()
        if self.relay is not None:
            self.relay.stop()
            self.relay.relay.store.dispose()
        if self.source is not None:
            self.source.stop()
        self.publisher.close()


async def start_events(settings: Settings) -> EventsRuntime:
    """The relay polls through an engine of its own: its background statements neither take the
    requests' pooled connections nor show in their statement counts."""
    cfg = settings.events
    feed = Feed(asyncio.get_running_loop(), queue_size=cfg.subscriber_queue)
    source: AmqpFeedSource | None = None
    publisher: Publisher
    if settings.amqp_url:
        amqp = AmqpPublisher(settings.amqp_url, cfg.exchange, confirm_timeout=cfg.confirm_timeout).start()
        source = AmqpFeedSource(settings.amqp_url, cfg.exchange, feed.offer).start()
        publisher = amqp
        if not await asyncio.to_thread(source.wait_ready, READY_WAIT):
            log.warning("events: broker not reachable; subscribers get events once it is")
    else:
        bus = InProcessBus()
        bus.listen(feed.offer)
        publisher = bus
    relay = None
    if cfg.relay:
        relay_store = Store(make_engine(settings.database_url))
        relay = RelayThread(event_relay(relay_store, publisher, source=cfg.source,
                                        batch_size=cfg.batch_size),
                            poll_interval=cfg.poll_interval, retention=cfg.retention()).start()
    epcis = None
    if settings.epcis.stream and settings.amqp_url:
        stream = EpcisStream(Store(make_engine(settings.database_url)), publisher, settings.epcis)
        epcis = StreamThread(stream, interval=settings.epcis.stream_interval).start()
    elif settings.epcis.stream:
        log.warning("epcis: TRACEBRIDGE_EPCIS_STREAM needs TRACEBRIDGE_AMQP_URL; not streaming")
    return EventsRuntime(feed=feed, publisher=publisher, source=source, relay=relay, epcis=epcis)
