"""A fake WMS and a fake PLM: real HTTP servers on 127.0.0.1 (free port), each in its own thread.

They speak JSON over HTTP like the systems they stand for, check the bearer token, and keep what
they were told so tests can assert on it. Only for systems TraceBridge does not run.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "s3cret"


class _Handler(BaseHTTPRequestHandler):
    fake: Any  # set per server class

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._answer(401, {"error": "bad token"})
            return False
        return True

    def do_GET(self) -> None:
        if self._authorized():
            self._answer(*self.fake.get(self.path))

    def do_POST(self) -> None:
        if self._authorized():
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            self._answer(*self.fake.post(self.path, self.headers.get("Idempotency-Key"), body))


@contextmanager
def serve(fake: Any) -> Iterator[str]:
    """Run `fake` on a free port; yields its base URL and stops it afterwards."""
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class FakeWms:
    """Books each call once per Idempotency-Key, as a careful WMS does; counts every delivery."""

    fail_next: int = 0  # answer 503 to this many calls first
    deliveries: list[tuple[str, str | None, dict]] = field(default_factory=list)
    booked: dict[str, tuple[str, dict]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, path: str) -> tuple[int, object]:
        return 404, {"error": "no such resource"}

    def post(self, path: str, key: str | None, body: dict) -> tuple[int, object]:
        with self.lock:
            self.deliveries.append((path, key, body))
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"error": "WMS busy"}
            if not key:
                return 400, {"error": "Idempotency-Key required"}
            self.booked.setdefault(key, (path, body))
            return 200, {"booked": key}

    def booked_at(self, path: str) -> list[dict]:
        return [body for p, body in self.booked.values() if p == path]


@dataclass
class FakePlm:
    """A PLM's routing API: a paged list of revisions (with ECO data) and one document per revision."""

    routings: dict[tuple[str, str], dict] = field(default_factory=dict)
    obsolete: dict[tuple[str, str], dict] = field(default_factory=dict)
    page_size: int = 2
    fail_next: int = 0  # answer 503 to this many requests first
    requests: list[str] = field(default_factory=list)

    def get(self, path: str) -> tuple[int, object]:
        self.requests.append(path)
        if self.fail_next > 0:
            self.fail_next -= 1
            return 503, {"error": "PLM busy"}
        url = urlsplit(path)
        parts = url.path.strip("/").split("/")
        if parts == ["routings"]:
            page = int(parse_qs(url.query).get("page", ["1"])[0])
            keys = sorted(self.routings)
            chunk = keys[(page - 1) * self.page_size: page * self.page_size]
            more = page * self.page_size < len(keys)
            return 200, {
                "items": [{"part": p, "revision": r, **({"obsolete": self.obsolete[(p, r)]}
                                                        if (p, r) in self.obsolete else {})}
                          for p, r in chunk],
                "next": f"/routings?page={page + 1}" if more else None,
            }
        if len(parts) == 3 and parts[0] == "routings" and (parts[1], parts[2]) in self.routings:
            return 200, self.routings[(parts[1], parts[2])]
        return 404, {"error": "no such routing"}

    def post(self, path: str, key: str | None, body: dict) -> tuple[int, object]:
        return 405, {"error": "read-only"}
