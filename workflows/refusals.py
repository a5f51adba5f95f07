"""A workflow refuses a request by raising its ``Refusal`` (``models.refusals``)."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from models.refusals import Refusal


def refuse(refusal: Refusal | None) -> None:
    """Raise ``refusal`` (if any) as the non-retryable error whose type is its kind and whose
    one detail is the refusal itself, which callers read back as a ``Refusal``."""
    if refusal is not None:
        raise ApplicationError(
            refusal.message, refusal, type=refusal.kind.value, non_retryable=True
        )
