"""Production control and quality: route interlocks, holds and containment, yield, SPC.

A sibling of `traceability/`, and like it a pure domain: it imports the store's models and
commands, SQLAlchemy, SQLModel and pydantic, nothing from the web, SOAP, AMQP or device adapters.
Its commands register with `traceability.commands.register` when `quality.commands` is imported,
so every adapter runs them through the same `execute` (idempotent, transactional, with outbox).
"""

from quality import commands as commands  # registers the quality commands with `execute`
