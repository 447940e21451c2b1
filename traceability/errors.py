"""Domain errors. Adapters map each of them once: to HTTP, to SOAP faults, to GraphQL codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the store makes; `code` is stable for clients."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str]:
        out = {"code": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Invalid(DomainError):
    """Input that cannot be accepted: names the field and the reason."""

    code = "invalid"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field=field)
        self.reason = reason


class Refused(DomainError):
    """A valid request the plant's rules forbid now (hold, interlock, quarantine)."""

    code = "refused"
