"""Why a workflow refused a request: one typed refusal, shared by workflows and the API.

Workflows raise a refusal as a non-retryable ``ApplicationError`` whose type is the
``RefusalKind`` and whose one detail is the ``Refusal`` itself; the API reads it back as a
``Refusal`` and maps its kind to an HTTP status in one table. Nothing parses messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, Field

from models.errors import Problem


class RefusalKind(StrEnum):
    FORBIDDEN = "Forbidden"
    """the actor's role or identity may not do this"""
    INVALID_TRANSITION = "InvalidTransition"
    """the state does not allow the action now"""
    NO_ASSESSOR = "NoAssessor"
    CONFLICT = "Conflict"
    """the request was made against a state that has since changed"""
    NOT_ACCREDITED = "NotAccredited"
    LAPSED = "Lapsed"
    ALREADY_OPEN = "AlreadyOpen"
    LINK_USED = "LinkUsed"
    TOO_LARGE = "TooLarge"
    NOT_READY = "NotReady"
    INVALID = "Invalid"


class Refusal(BaseModel):
    """A refused request: what kind, a message for a person, and what it concerns."""

    kind: RefusalKind
    message: str
    problems: list[Problem] = Field(default_factory=list)
    allowed_actions: list[str] | None = Field(
        None, description="when the state refused the action: what it allows now"
    )


def listing(prefix: str, problems: Sequence[Problem]) -> str:
    """``prefix`` followed by every problem, for a person to read."""
    return f"{prefix}: " + "; ".join(f"{p.field}: {p.message}" for p in problems)


def refused(kind: RefusalKind, message: str, problems: Sequence[Problem] = ()) -> Refusal:
    """A refusal; with ``problems`` its message lists them after ``message``."""
    return Refusal(
        kind=kind,
        message=listing(message, problems) if problems else message,
        problems=list(problems),
    )


def field_refusal(
    kind: RefusalKind, field: str, message: str, *, rule: str, code: str = "invalid"
) -> Refusal:
    """A refusal about one field of the request."""
    problem = Problem(rule=rule, code=code, field=field, message=message)
    return Refusal(kind=kind, message=f"{field}: {message}", problems=[problem])


def not_allowed(action: str, state: str, allowed: Sequence[str]) -> Refusal:
    """The state does not allow ``action``: the one wording, naming what is allowed now."""
    return Refusal(
        kind=RefusalKind.INVALID_TRANSITION,
        message=f"'{action}' is not allowed while the application is {state}; "
        f"allowed now: {', '.join(allowed) or 'none'}",
        allowed_actions=list(allowed),
    )
