"""IPC-CFX (IPC-2591) ingestion: envelopes from AMQP or HTTP, translated into store commands."""
