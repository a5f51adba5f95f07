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


class InvalidTransitionError(DomainError):
    """An action the current state does not allow; names the state and what is allowed."""

    def __init__(self, action: str, state: str, allowed: Sequence[str]) -> None:
        from models.refusals import not_allowed  # refusals build on Problem, defined above

        self.action = action
        self.state = state
        self.allowed = list(allowed)
        self.refusal = not_allowed(action, state, self.allowed)
        super().__init__(self.refusal.message)


class CatalogueError(DomainError):
    """A malformed catalogue file; the message names the file and the entry."""
