"""WS-Security UsernameToken for SOAP callers: the same API keys, carried in the envelope.

`<wsse:Security><wsse:UsernameToken><wsse:Username>` is the key id and `<wsse:Password>` (type
PasswordText, over TLS) is the whole key. PasswordDigest cannot be checked: it needs the secret in
clear on our side, and only its hash is stored. The envelope is parsed with the SOAP service's own
hardened parser (no DTD, no entities, no network).
"""

from __future__ import annotations

from lxml import etree

from gateway.soap.parsing import SOAP_ENV, parser
from traceability import credentials

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
                 "#PasswordText")


class TokenRefused(Exception):
    pass


def username_token(body: bytes) -> str | None:
    """The API key a SOAP envelope carries in a UsernameToken, None when it carries none."""
    if b"UsernameToken" not in body or b"<!" in body[:4096]:
        return None  # no token, or a DTD the SOAP service refuses before reading anything
    try:
        root = etree.fromstring(body, parser())
    except etree.XMLSyntaxError:
        return None  # the SOAP service answers the fault naming the syntax error
    token = root.find(f"{{{SOAP_ENV}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    if token is None:
        return None
    username = (token.findtext(f"{{{WSSE}}}Username") or "").strip()
    password = token.find(f"{{{WSSE}}}Password")
    if password is None or not (password.text or "").strip():
        raise TokenRefused("UsernameToken without a Password")
    if password.get("Type", PASSWORD_TEXT) != PASSWORD_TEXT:
        raise TokenRefused("UsernameToken: only PasswordText is accepted (keys are stored hashed)")
    key = password.text.strip()
    parsed = credentials.parse(key)
    if parsed is not None and username and username != parsed[0]:
        raise TokenRefused("UsernameToken: Username must be the key id of the key in Password")
    return key
