"""THE route policy: which scope each (HTTP method, path) needs. First matching rule wins.

Every request, REST, SOAP, GraphQL or WebSocket, is checked against this table by the guard
middleware before it reaches a route. A request no rule matches is refused (403) for every caller,
admin included: a new route ships closed until a rule here names its scope, and
tests/test_security_routes.py fails for any route of the app that only the fallback covers.

Patterns are path segments; `*` matches exactly one segment and a pattern matches the path itself
and everything below it (`/api/v1/erp` covers `/api/v1/erp/work-orders/42`, not `/api/v1/erpx`).
`admin` satisfies every rule. Public rules need no credential at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

READ = frozenset({"GET", "HEAD"})
WRITE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WS = frozenset({"WEBSOCKET"})  # the guard's method name for a WebSocket handshake
ANY = READ | WRITE | WS | {"OPTIONS"}

PUBLIC: frozenset[str] = frozenset()  # no scope needed, no credential needed

# The scope vocabulary keys are created with (`tracebridge keys create --scope ...`).
SCOPES: dict[str, str] = {
    "admin": "everything, including the audit log and dead letters",
    "audit:read": "read the audit log",
    "trace:read": "read genealogy, units, lots, devices, quality state, events",
    "erp:read": "read what ERP hooks exposed",
    "erp:write": "ERP hooks: work orders, confirmations (REST and SOAP)",
    "plm:read": "read PLM data",
    "plm:write": "PLM hooks: parts, routings, BOMs",
    "wms:read": "read WMS data",
    "wms:write": "WMS hooks: material lots, moves (REST and SOAP)",
    "devices:read": "read device status",
    "devices:write": "machine data ingest (CFX over HTTP)",
    "quality:read": "read holds, containment, SPC",
    "quality:write": "place and release holds, containment, SPC settings",
    "epcis:read": "query EPCIS events",
    "epcis:write": "capture EPCIS events",
    "metrics:read": "scrape Prometheus metrics (/metrics)",
}


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/") if path.strip("/") else []


@dataclass(frozen=True)
class Rule:
    methods: frozenset[str]
    pattern: str
    scopes: frozenset[str]  # any one of them suffices; empty = public
    query: str | None = None  # the rule applies only when this query parameter is present
    exact: bool = False  # covers the path itself only, nothing below it
    want: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "want", tuple(_segments(self.pattern)))  # split once, not per request

    @property
    def public(self) -> bool:
        return not self.scopes

    def matches(self, method: str, segments: list[str], query_names: frozenset[str]) -> bool:
        want = self.want
        if method not in self.methods or len(segments) < len(want):
            return False
        if self.exact and len(segments) != len(want):
            return False
        for w, s in zip(want, segments, strict=False):
            if w != s and w != "*":
                return False
        return self.query is None or self.query in query_names


def _r(methods: frozenset[str], pattern: str, *scopes: str, query: str | None = None) -> Rule:
    return Rule(frozenset(methods), pattern, frozenset(scopes), query)


def _public(path: str) -> Rule:
    return Rule(READ, path, PUBLIC, exact=True)


def _integration(prefix: str, area: str) -> list[Rule]:
    return [_r(READ, prefix, f"{area}:read", "trace:read"), _r(WRITE, prefix, f"{area}:write")]


RULES: tuple[Rule, ...] = (
    # Public: liveness/readiness for orchestrators, the API description, SOAP contracts (?wsdl).
    _public("/health"),
    _public("/ready"),
    _public("/docs"),
    _public("/docs/oauth2-redirect"),
    _public("/redoc"),
    _public("/openapi.json"),
    _r(READ, "/metrics", "metrics:read"),  # Prometheus scrapes with a key (bearer) of this scope
    _r(READ, "/soap/*"),  # a SOAP endpoint's GET only ever serves its WSDL (?wsdl) or XSD (?xsd)
    # Governance.
    _r(READ, "/api/v1/audit", "audit:read"),
    _r(READ, "/api/v1/dead-letters", "devices:read"),
    _r(WRITE, "/api/v1/dead-letters", "admin"),
    # Integration hooks (REST and SOAP).
    *_integration("/api/v1/erp", "erp"),
    _r(WRITE, "/soap/erp", "erp:write"),
    *_integration("/api/v1/plm", "plm"),
    *_integration("/api/v1/wms", "wms"),
    _r(WRITE, "/soap/wms", "wms:write"),
    *_integration("/api/v1/cfx", "devices"),
    *_integration("/api/v1/devices", "devices"),
    *_integration("/api/v1/epcis", "epcis"),
    # Quality: unit checks (interlocks), holds, containment, SPC.
    _r(READ, "/api/v1/units/*/check", "quality:read", "trace:read"),
    _r(WRITE, "/api/v1/units/*/check", "quality:write", "devices:write"),
    *_integration("/api/v1/holds", "quality"),
    *_integration("/api/v1/containment", "quality"),
    *_integration("/api/v1/containments", "quality"),
    _r(READ, "/api/v1/yield", "quality:read", "trace:read"),
    *_integration("/api/v1/spc", "quality"),
    # Traceability reads: units, lots, traces, trace levels.
    _r(READ, "/api/v1/units", "trace:read"),
    _r(READ, "/api/v1/lots", "trace:read"),
    _r(READ, "/api/v1/trace", "trace:read"),
    _r(READ, "/api/v1/trace-level", "trace:read"),
    _r(READ, "/api/v1/trace-levels", "trace:read"),
    _r(READ, "/api/v1/work-orders/*/trace-level", "trace:read"),
    _r(WS, "/api/v1/events", "trace:read"),  # the live event feed for dashboards without GraphQL
    # GraphQL: reading needs trace:read; each mutation's own scope is checked by the guard
    # (gateway/security/graphql_ops.py) once the document is parsed. Subscriptions ride the WebSocket.
    _r(READ, "/graphql", "trace:read", query="query"),
    Rule(READ, "/graphql", PUBLIC, exact=True),  # GraphiQL's page: no data without a query
    _r(frozenset({"POST"}), "/graphql", "trace:read"),
    _r(WS, "/graphql", "trace:read"),
    # The dashboard's page, styles and scripts hold no data: it asks GraphQL with the user's key.
    _r(READ, "/dashboard"),
)

# GraphQL mutation (top-level field) → scopes; a mutation not listed needs admin (fail closed).
GRAPHQL_MUTATIONS: dict[str, frozenset[str]] = {
    "placeHold": frozenset({"quality:write"}),
    "releaseHold": frozenset({"quality:write"}),
    "startContainment": frozenset({"quality:write"}),
    "closeContainment": frozenset({"quality:write"}),
    "acknowledgeAlarm": frozenset({"quality:write"}),
    "containLot": frozenset({"quality:write"}),
}


@lru_cache(maxsize=8192)  # requests repeat paths: a hit is one dict lookup, not a walk of RULES
def rule_for(method: str, path: str, query_names: frozenset[str] = frozenset()) -> Rule | None:
    """The first rule that covers this request, or None (refused for everyone)."""
    segments = _segments(path)
    return next((r for r in RULES if r.matches(method, segments, query_names)), None)
