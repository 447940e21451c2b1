"""What operators watch: Prometheus metrics, request timing, JSON logs with a correlation id."""

from __future__ import annotations

from typing import Any


def install(app: Any) -> None:
    """The request-timing middleware, the correlation id and the /metrics route, in one line of create_app."""
    import os

    from gateway.observability import logs
    from gateway.observability.correlation import CorrelationMiddleware
    from gateway.observability.http import RequestTiming
    from gateway.observability.scrape import router

    app.add_middleware(RequestTiming)
    app.add_middleware(CorrelationMiddleware)  # outermost: the guard's refusals carry the id too
    app.include_router(router)
    if os.environ.get("TRACEBRIDGE_LOG_FORMAT") == "json":
        logs.setup()
