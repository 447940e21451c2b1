"""Log output: plain text by default, one JSON object per line with TRACEBRIDGE_LOG_FORMAT=json.

Each JSON line has time (UTC, ISO 8601), level, logger, message, the correlation id when one is
bound (see correlation.py), and the exception text if any: what a log shipper indexes as is.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

from gateway.observability import correlation

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        cid = getattr(record, "correlation_id", None) or correlation.current.get()
        if cid:
            out["correlation_id"] = cid
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def setup(level: int = logging.INFO, *, fmt: str | None = None) -> None:
    """Configure the root logger once for a command; `fmt` defaults to TRACEBRIDGE_LOG_FORMAT."""
    fmt = fmt or os.environ.get("TRACEBRIDGE_LOG_FORMAT", "text")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("pika", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
