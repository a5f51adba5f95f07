"""Domain errors: raised by models/, translated to HTTP codes or update rejections at the edges."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel


class Problem(BaseModel):
    """One unmet requirement: a stable code, the field it concerns and a message for a person."""

    rule: str
    code: str
    field: str
    message: str


class DomainError(Exception):
    """Base of every rule violation the scheme defines."""


class NotReadyError(DomainError):
    """R10: submission refused; carries every unmet requirement at once."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        listing = "; ".join(f"{p.field}: {p.message}" for p in self.problems)
        super().__init__(f"application is not ready to submit: {listing}")


class InvalidTransitionError(DomainError):
    """An action the current state does not allow; names the state and what is allowed."""

    def __init__(self, action: str, state: str, allowed: Sequence[str]) -> None:
        self.action = action
        self.state = state
        self.allowed = list(allowed)
        allowed_text = ", ".join(self.allowed) or "none"
        super().__init__(
            f"'{action}' is not allowed while the application is {state}; "
            f"allowed now: {allowed_text}"
        )


class CatalogueError(DomainError):
    """A malformed catalogue file; the message names the file and the entry."""
