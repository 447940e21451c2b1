"""Who may call what: the route policy, credentials (API keys, JWTs), the guard, the audit API.

Imports happen inside `install` because gateway.settings imports this package's settings module.
"""

from __future__ import annotations

from typing import Any


def install(app: Any, settings: Any) -> None:
    """Everything security adds to an app, so create_app needs one line: the guard in front of
    every route, the audit router, and the audit sealer running beside the app (its lifespan)."""
    from gateway.routes import audit as audit_routes
    from gateway.security import sealer
    from gateway.security.guard import Guard

    app.add_middleware(Guard, settings=settings, store=lambda: app.state.store)
    app.include_router(audit_routes.router)
    app.router.lifespan_context = sealer.around(app.router.lifespan_context, settings.database_url,
                                                settings.security.audit_seal_interval)
