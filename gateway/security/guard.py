"""The one app-wide guard (pure ASGI): who is calling, may they, and is the input within limits.

For every HTTP request and WebSocket handshake, in this order:
1. the route policy (policy.rule_for) names the scopes the request needs, or that it is public;
2. the credential (Authorization: Bearer <API key or JWT>, X-API-Key, or for SOAP a WS-Security
   UsernameToken in the envelope) resolves to a principal:
   none or a bad one → 401; a principal without the scope, or no rule at all → 403;
3. write requests take a token from the credential's bucket → 429 when empty;
4. the body is counted as it streams (413 past the limit, whatever Content-Length says); JSON
   bodies are read whole (within the limit), checked for nesting depth (422), and GraphQL
   documents for mutations the principal may not run (403);
5. the principal is set for the request (`principal.acting_as`), so every command it runs is
   audited under its actor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from anyio import to_thread
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.security import graphql_ops, inputs, ws_security
from gateway.security.api_keys import ApiKeyAuthenticator
from gateway.security.jwt_bearer import JwtAuthenticator, TokenRefused
from gateway.security.policy import WRITE, rule_for
from gateway.security.principal import ANONYMOUS, Principal, acting_as
from gateway.security.rate_limit import RateLimiter
from gateway.soap.faults import SoapFault, fault_xml
from traceability import credentials

log = logging.getLogger("tracebridge.security")

CFX_PREFIX = "/api/v1/cfx"
SOAP_PREFIX = "/soap/"


class Denied(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}
        self.field = field


def _unauthenticated(message: str) -> Denied:
    return Denied(401, "unauthenticated", message, {"WWW-Authenticate": 'Bearer realm="tracebridge"'})


class Guard:
    def __init__(self, app: ASGIApp, *, settings, store: Callable[[], object]) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.security = settings.security
        self.max_body = settings.max_body_bytes
        self.keys = ApiKeyAuthenticator(store, ttl=self.security.auth_cache_seconds)
        self.jwt = JwtAuthenticator(self.security) if self.security.jwt_enabled else None
        self.limiter = RateLimiter(rate=self.security.write_rate_per_second, burst=self.security.write_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        websocket = scope["type"] == "websocket"
        method = "WEBSOCKET" if websocket else scope["method"]
        try:
            envelope_key, receive = await self._soap_credential(scope, method, receive)
            principal = await self._authorize(scope, method, envelope_key)
            if method in WRITE and principal is not None and principal.kind != "none":
                wait = self.limiter.take(principal.actor)
                if wait:
                    raise Denied(429, "rate_limited", "too many write requests for this credential",
                                 {"Retry-After": str(max(1, round(wait)))})
        except Denied as denied:
            await self._refuse(scope, receive, send, denied)
            return
        with acting_as(principal):
            if websocket:
                await self.app(scope, self._ws_receive(principal, receive, send), send)
            else:
                await self._http(scope, receive, send, principal, method)

    async def _soap_credential(self, scope: Scope, method: str, receive: Receive,
                               ) -> tuple[str | None, Receive]:
        """A SOAP call without a credential header may carry a WS-Security UsernameToken: read
        the (bounded) envelope to find it, and hand the route the same bytes."""
        headers = Headers(scope=scope)
        if (method != "POST" or not scope["path"].startswith(SOAP_PREFIX) or not self.security.auth_required
                or "authorization" in headers or "x-api-key" in headers):
            return None, receive
        limit = self.max_body
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise _too_large(limit)
        try:
            body = await inputs.read_body(receive, limit)
        except inputs.BodyTooLarge:
            raise _too_large(limit) from None
        try:
            key = ws_security.username_token(body)
        except ws_security.TokenRefused as exc:
            raise _unauthenticated(str(exc)) from None
        return key, inputs.replay(body, receive)

    async def _authorize(self, scope: Scope, method: str, envelope_key: str | None = None,
                         ) -> Principal | None:
        names = frozenset(p.split(b"=", 1)[0].decode("latin-1")
                          for p in scope.get("query_string", b"").split(b"&") if p)
        rule = rule_for(method, scope["path"], names)
        if rule is not None and rule.public:
            return None
        if not self.security.auth_required:
            return ANONYMOUS
        principal = await self._authenticate(Headers(scope=scope), envelope_key)
        if rule is None:
            log.warning("no policy rule covers %s %s: refused", method, scope["path"])
            raise Denied(403, "forbidden", f"no access policy covers {method} {scope['path']}")
        if not principal.allows(rule.scopes):
            raise Denied(403, "forbidden", f"requires scope {' or '.join(sorted(rule.scopes))}")
        return principal

    async def _authenticate(self, headers: Headers, envelope_key: str | None = None) -> Principal:
        presented = headers.get("x-api-key") or envelope_key or _subprotocol_key(headers)
        auth = headers.get("authorization")
        if presented is None and auth is not None:
            scheme, _, value = auth.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise _unauthenticated("Authorization must be 'Bearer <API key or token>'")
            presented = value.strip()
        if not presented:
            raise _unauthenticated("a credential is required: Authorization: Bearer <key>, X-API-Key, "
                                   "or (SOAP) a WS-Security UsernameToken")
        parsed = credentials.parse(presented)
        if parsed is not None:
            key_id, secret = parsed
            entry = self.keys.cached(key_id) or await to_thread.run_sync(self.keys.load, key_id)
            principal, why = self.keys.check(entry, secret)
            if principal is None:
                raise _unauthenticated(why)
            return principal
        if self.jwt is not None and presented.count(".") == 2:
            try:
                return await to_thread.run_sync(self.jwt.authenticate, presented)
            except TokenRefused as exc:
                raise _unauthenticated(str(exc)) from None
        raise _unauthenticated("unknown credential")

    async def _http(self, scope: Scope, receive: Receive, send: Send, principal: Principal | None,
                    method: str) -> None:
        headers = Headers(scope=scope)
        limit = self.security.cfx_max_body_bytes if scope["path"].startswith(CFX_PREFIX) else self.max_body
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._refuse(scope, receive, send, _too_large(limit))
            return
        try:
            if method in WRITE and inputs.is_json(headers.get("content-type", "")):
                body = await inputs.read_body(receive, limit)
                self._check_json(scope, body, principal)
                await self.app(scope, inputs.replay(body, receive), send)
            else:
                self._check_graphql_content(scope, method, principal)
                await self._streamed(scope, inputs.counting(receive, limit), send, limit)
        except Denied as denied:
            await self._refuse(scope, receive, send, denied)
        except inputs.BodyTooLarge:
            await self._refuse(scope, receive, send, _too_large(limit))
        except inputs.ClientGone:
            return

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app on a counted body; if it overflowed, whatever the app answered becomes 413."""
        overflowed = False

        async def watch() -> Message:
            nonlocal overflowed
            try:
                return await receive()
            except inputs.BodyTooLarge:
                overflowed = True
                raise

        async def gate(message: Message) -> None:
            if not overflowed:
                await send(message)

        await self.app(scope, watch, gate)
        if overflowed:
            raise inputs.BodyTooLarge()

    def _check_json(self, scope: Scope, body: bytes, principal: Principal | None) -> None:
        cap = self.security.json_max_depth
        if inputs.json_depth(body, cap):
            raise Denied(422, "invalid", f"body: JSON nested deeper than {cap} levels", field="body")
        if principal is not None and scope["path"].rstrip("/") == "/graphql":
            refused = graphql_ops.refused_in_body(principal, body)
            if refused:
                raise Denied(403, "forbidden", f"mutation {', '.join(refused)} needs a scope this "
                             "credential lacks")

    def _check_graphql_content(self, scope: Scope, method: str, principal: Principal | None) -> None:
        # A mutation can only be checked in a JSON body: refuse other encodings to non-admins.
        if (method == "POST" and principal is not None and scope["path"].rstrip("/") == "/graphql"
                and not principal.allows(frozenset({"admin"}))):
            raise Denied(415, "unsupported", "GraphQL over HTTP takes application/json")

    def _ws_receive(self, principal: Principal | None, receive: Receive, send: Send) -> Receive:
        """Check each GraphQL frame's mutations; a refused one closes the socket (4403)."""
        if principal is None:
            return receive

        async def _receive() -> Message:
            message = await receive()
            text = message.get("text") if message["type"] == "websocket.receive" else None
            if text and len(text) > self.max_body:
                await send({"type": "websocket.close", "code": 1009})
                return {"type": "websocket.disconnect", "code": 1009}
            if text and graphql_ops.refused_in_ws_message(principal, text):
                await send({"type": "websocket.close", "code": 4403})
                return {"type": "websocket.disconnect", "code": 4403}
            return message

        return _receive

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, denied: Denied) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4000 + denied.status})
            return
        if scope["path"].startswith(SOAP_PREFIX):  # a SOAP client gets a fault it can parse
            fault = SoapFault(denied.message, code=denied.code, status=denied.status, field=denied.field)
            await Response(fault_xml(fault), status_code=denied.status, headers=denied.headers,
                           media_type="text/xml; charset=utf-8")(scope, receive, send)
            return
        error = {"code": denied.code, "message": denied.message}
        body = {"error": {**error, "field": denied.field} if denied.field else error}
        await JSONResponse(body, status_code=denied.status, headers=denied.headers)(scope, receive, send)


def _too_large(limit: int) -> Denied:
    return Denied(413, "too_large", f"body: larger than {limit} bytes", field="body")


WS_KEY_PREFIX = "tracebridge.key."


def _subprotocol_key(headers: Headers) -> str | None:
    """A browser cannot set headers on a WebSocket handshake: it offers the key as an extra
    subprotocol `tracebridge.key.<key>` next to graphql-transport-ws (the one the server picks)."""
    offered = headers.get("sec-websocket-protocol") or ""
    return next((p.strip()[len(WS_KEY_PREFIX):] for p in offered.split(",")
                 if p.strip().startswith(WS_KEY_PREFIX)), None)
