"""The process's Prometheus metrics (prometheus-client, its default registry).

Metric objects are process-wide by design (the client's registry is global); they hold counters,
not connections, so defining them at import builds nothing. With several worker processes behind
one port (`serve --workers N`) set PROMETHEUS_MULTIPROC_DIR before start: the scrape then sums every
worker's files (see docs/operations.md). Otherwise scrape each process on its own port.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Latency buckets from 1 ms (a backward trace) to 30 s (a batch waiting out a database hiccup).
SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

CFX_MESSAGES = Counter(
    "tracebridge_cfx_messages_total",
    "CFX messages committed by the consumer, by outcome (applied, replayed, held, ignored, dead)",
    ["outcome"])
CFX_NACKED = Counter(
    "tracebridge_cfx_messages_nacked_total",
    "CFX messages handed back to the broker because the store was unavailable")
CFX_BATCH_SIZE = Histogram(
    "tracebridge_cfx_batch_messages", "Messages per committed CFX batch",
    buckets=(1, 5, 10, 25, 50, 100, 200, 400, 1000))
CFX_BATCH_SECONDS = Histogram(
    "tracebridge_cfx_batch_seconds", "Time to ingest and commit one CFX batch", buckets=SECONDS)
TRACE_SECONDS = Histogram(
    "tracebridge_trace_query_seconds", "Genealogy queries (backward, forward, ...) in the store",
    ["query"], buckets=SECONDS)
HTTP_SECONDS = Histogram(
    "tracebridge_http_request_seconds",
    "HTTP requests (REST, SOAP, GraphQL) by method, route template and status", ["method", "route", "status"],
    buckets=SECONDS)
