"""The `Idempotency-Key` header every REST hook accepts (the HTTP face of `traceability.idempotency`).

A client that may retry sends a key; the hook passes it as the command's message id, so a resend
gets the first answer back and a different body under the same key is refused (409).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

IdempotencyKeyDep = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Client-chosen key; a retry with the same key and body returns the first answer.",
    ),
]
