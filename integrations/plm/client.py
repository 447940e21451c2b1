"""Pulling routings from a PLM's REST API (httpx): the list of revisions, page by page, then each
revision's B2MML document, published through the same path as the REST hook.

The PLM API assumed (see docs/plm.md): `GET {url}/routings[?page=N]` answers
`{"items": [{"part", "revision", "obsolete"?: {ChangeNoticeID, EffectiveDate}}], "next": path|null}`;
`GET {url}/routings/{part}/{revision}` answers an operations definition. Bearer token auth.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx
from pydantic import ValidationError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from gateway.errors import field_errors
from integrations.plm import b2mml, inbound
from integrations.plm.settings import PlmSettings
from traceability.database import Store
from traceability.errors import DomainError
from traceability.idempotency import payload_hash

MAX_PAGES = 10_000  # a PLM whose `next` never ends must not loop forever


def _transient(exc: BaseException) -> bool:
    """Worth another try: the network, or the PLM saying it is busy (5xx); not 4xx (our fault)."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)


class PlmClient:
    def __init__(self, settings: PlmSettings, *, transport: httpx.BaseTransport | None = None,
                 tries: int = 3, max_wait: float = 2.0) -> None:
        self.tries, self.max_wait = tries, max_wait
        if not settings.url:
            raise ValueError("TRACEBRIDGE_PLM_URL is not set: there is no PLM to pull from")
        headers = {"Authorization": f"Bearer {settings.token}"} if settings.token else {}
        self._http = httpx.Client(base_url=settings.url.rstrip("/"), headers=headers,
                                  timeout=settings.timeout, transport=transport)

    def revisions(self) -> Iterator[dict]:
        path: str | None = "/routings"
        for _ in range(MAX_PAGES):
            if path is None:
                return
            page = self._get(path)
            yield from page.get("items", [])
            path = page.get("next")

    def routing(self, part: str, revision: str) -> dict:
        return self._get(f"/routings/{quote(part, safe='')}/{quote(revision, safe='')}")

    def _get(self, path: str) -> dict:
        for attempt in Retrying(stop=stop_after_attempt(self.tries), reraise=True,
                                retry=retry_if_exception(_transient),
                                wait=wait_exponential_jitter(multiplier=0.05, max=self.max_wait,
                                                             jitter=0.05)):
            with attempt:
                r = self._http.get(path)
                r.raise_for_status()
        return r.json()

    def close(self) -> None:
        self._http.close()


@dataclass
class SyncReport:
    published: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    obsoleted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "part/revision: field: reason"


def sync(store: Store, client: PlmClient) -> SyncReport:
    """Publish every revision the PLM lists; one refused revision does not stop the others."""
    report = SyncReport()
    for item in client.revisions():
        part, revision = str(item.get("part", "")), str(item.get("revision", ""))
        name = f"{part}/{revision}"
        try:
            raw = client.routing(part, revision)
            doc = b2mml.OperationsDefinition.model_validate(raw)
            # The content in the message id: a changed revision is refused as such, not as a resend.
            answer = inbound.publish(store, part, revision, doc, f"pull:{name}:{payload_hash(raw)[:16]}")
            fresh = answer.get("created") and not answer.get("replayed")
            (report.published if fresh else report.unchanged).append(name)
            if item.get("obsolete"):
                eco = b2mml.EngineeringChange.model_validate(item["obsolete"])
                done = inbound.obsolete(store, part, revision, eco, f"pull:{name}:eco:{eco.ChangeNoticeID}")
                if not done.get("replayed"):
                    report.obsoleted.append(name)
        except ValidationError as exc:
            report.refused.extend(f"{name}: {f['field']}: {f['reason']}" for f in field_errors(exc))
        except DomainError as exc:
            report.refused.append(f"{name}: {exc.message}")
        except httpx.HTTPStatusError as exc:  # this revision only; a PLM that is down stops the sync
            report.refused.append(f"{name}: PLM answered {exc.response.status_code}")
    return report
