"""`tracebridge keys create|list|revoke` and `tracebridge audit seal|verify`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import typer

from gateway.security.policy import SCOPES
from gateway.settings import Settings
from traceability import audit, credentials, schema
from traceability.database import Store, make_engine
from traceability.errors import DomainError
from traceability.types import utcnow

keys = typer.Typer(help="API keys: create (shown once), list, revoke", no_args_is_help=True)
audit_cli = typer.Typer(help="The hash-chained audit log", no_args_is_help=True)


def _store() -> Store:
    store = Store(make_engine(Settings().database_url))
    schema.upgrade(store.engine)
    return store


@keys.command("create")
def keys_create(
    name: str = typer.Option(..., "--name", help="who uses it, e.g. 'ERP production'"),
    scope: list[str] = typer.Option(..., "--scope", help=f"repeatable; one of: {', '.join(SCOPES)}"),
    site: list[str] = typer.Option([], "--site", help="limit to these sites (repeatable)"),
    line: list[str] = typer.Option([], "--line", help="limit to these lines (repeatable)"),
    expires_in_days: int | None = typer.Option(None, "--expires-in-days", min=1, max=3650),
) -> None:
    """Create a key and print it once: only its hash is stored."""
    unknown = sorted(set(scope) - set(SCOPES))
    if unknown:
        typer.echo(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}", err=True)
        raise typer.Exit(2)
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    store = _store()
    try:
        with store.write() as session:
            key, text = credentials.create_key(session, name=name, scopes=scope, sites=site or None,
                                               lines=line or None, expires_at=expires, actor="cli")
    except DomainError as exc:
        typer.echo(f"refused: {exc.message}", err=True)
        raise typer.Exit(2) from None
    finally:
        store.dispose()
    typer.echo(f"key id {key.key_id} ({key.name}): {', '.join(key.scopes)}")
    typer.echo(text)
    typer.echo("Store it now: it is not kept and cannot be shown again.", err=True)


@keys.command("list")
def keys_list() -> None:
    """Every key: id, name, scopes, limits, expiry, last use, revocation (never the secret)."""
    store = _store()
    with store.read() as session:
        rows = credentials.list_keys(session)
    store.dispose()
    for k in rows:
        state = "revoked" if k.revoked_at else "expired" if k.expires_at and k.expires_at <= utcnow() \
            else "active"
        limits = "".join([f" sites={','.join(k.sites)}" if k.sites else "",
                          f" lines={','.join(k.lines)}" if k.lines else ""])
        typer.echo(f"{k.key_id}  {state:7}  {k.name}  scopes={','.join(k.scopes)}{limits}  "
                   f"created={k.created_at:%Y-%m-%dT%H:%M:%SZ}  "
                   f"expires={k.expires_at.isoformat() if k.expires_at else '-'}  "
                   f"last_used={k.last_used_at.isoformat() if k.last_used_at else '-'}")


@keys.command("revoke")
def keys_revoke(key_id: str = typer.Argument(..., help="the key id `keys list` shows")) -> None:
    """Revoke a key; every gateway process refuses it within TRACEBRIDGE_AUTH_CACHE_SECONDS."""
    store = _store()
    try:
        with store.write() as session:
            credentials.revoke_key(session, key_id, actor="cli")
    except DomainError as exc:
        typer.echo(f"refused: {exc.message}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    typer.echo(f"revoked {key_id}")


@audit_cli.command("seal")
def audit_seal() -> None:
    """Chain every committed, unsealed entry now (the gateway also does this every second)."""
    store = _store()
    typer.echo(f"sealed {audit.seal_all(store)} entries")
    store.dispose()


@audit_cli.command("verify")
def audit_verify(
    expect_head: str | None = typer.Option(None, "--expect-head", help="SEQ:HASH printed by an "
                                           "earlier verify: also proves nothing was cut off the end"),
) -> None:
    """Seal, then walk the whole chain: exit 1 naming each changed or deleted entry's seq."""
    store = _store()
    audit.seal_all(store)
    with store.read() as session:
        result = audit.verify(session)
        anchor_problem = _check_anchor(session, expect_head) if expect_head else None
    store.dispose()
    if anchor_problem:
        result.problems.append(anchor_problem)
    for problem in result.problems:
        typer.echo(f"TAMPERED {problem}")
    verdict = "ok" if result.ok else "BROKEN"
    typer.echo(f"audit chain {verdict}: {result.entries} entries, head {result.head_seq}:{result.head_hash}"
               f", {result.unsealed} unsealed")
    if not result.ok:
        raise typer.Exit(1)


def _check_anchor(session, expect_head: str) -> str | None:  # type: ignore[no-untyped-def]
    seq_text, _, digest = expect_head.partition(":")
    if not seq_text.isdigit() or len(digest) != 64:
        raise typer.BadParameter("expected SEQ:HASH", param_hint="--expect-head")
    found = audit.hash_at(session, int(seq_text))
    if found != digest:
        return f"seq {seq_text}: anchored head {'missing' if found is None else 'changed'}"
    return None


def demo_key(store: Store, path: Path) -> str:
    """The demo key with every scope: the one written to `path` if it still works, else a new one."""
    if path.exists():
        text = path.read_text().strip()
        parsed = credentials.parse(text)
        if parsed:
            with store.read() as session:
                key = credentials.lookup(session, parsed[0])
            if key and credentials.usable(key) and credentials.secret_matches(key.secret_hash, parsed[1]):
                return text
    with store.write() as session:
        _, text = credentials.create_key(session, name="demo", scopes=sorted(SCOPES), actor="system:demo")
    path.write_text(text + "\n")
    path.chmod(0o600)
    return text
