"""When an accreditation's timers fire: expiry reminders, then expiry (R14, R20; policy offsets).

Pure: the accreditation workflow hands in the facts of the current term, waits for the earliest
deadline it has not fired, and re-plans after every change (a renewal, a suspension, a pending
re-accreditation), so no stale timer fires and none is skipped. Keys carry the term number, so
each deadline fires once per term.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel

from models.enums import RegisterStatus
from models.policy import Policy

_RUNNING = frozenset({RegisterStatus.CURRENT, RegisterStatus.SUSPENDED})


class LifecycleDeadlineKind(StrEnum):
    EXPIRY_REMINDER = "expiry_reminder"
    EXPIRY = "expiry"


class LifecycleDeadline(BaseModel):
    """A timer to fire once: ``key`` is unique within the member's workflow."""

    key: str
    kind: LifecycleDeadlineKind
    due_at: datetime
    days_before: int = 0


class TermFacts(BaseModel):
    """What the plan depends on: the term, its status and whether a decision is awaited."""

    term: int
    status: RegisterStatus
    expires_on: date
    term_started_at: datetime
    reaccreditation_submitted_on: date | None = None


def start_of(day: date) -> datetime:
    """The first instant (UTC) of ``day``: the term is ``[accredited_from, expires_on)``."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def is_kept_current(facts: TermFacts, policy: Policy) -> bool:
    """R20: a re-accreditation submitted before expiry keeps it current until the decision."""
    submitted = facts.reaccreditation_submitted_on
    return (
        policy.keep_current_while_reaccreditation_pending
        and submitted is not None
        and submitted < facts.expires_on
    )


def plan_lifecycle_deadlines(facts: TermFacts, policy: Policy) -> list[LifecycleDeadline]:
    """Every deadline of the current term, earliest first.

    Reminders go out while the accreditation is current or suspended (a suspended member may
    still rejoin before expiry); a reminder due before the term was known to the workflow is
    not planned (it would arrive late and all at once). Expiry is planned unless a pending
    re-accreditation keeps the accreditation current.
    """
    if facts.status not in _RUNNING:
        return []
    plan: list[LifecycleDeadline] = []
    for days in sorted(set(policy.expiry_reminder_days), reverse=True):
        due = start_of(facts.expires_on - timedelta(days=days))
        if days > 0 and due >= facts.term_started_at:
            plan.append(
                LifecycleDeadline(
                    key=f"{LifecycleDeadlineKind.EXPIRY_REMINDER.value}:{facts.term}:{days}",
                    kind=LifecycleDeadlineKind.EXPIRY_REMINDER,
                    due_at=due,
                    days_before=days,
                )
            )
    if not is_kept_current(facts, policy):
        plan.append(
            LifecycleDeadline(
                key=f"{LifecycleDeadlineKind.EXPIRY.value}:{facts.term}",
                kind=LifecycleDeadlineKind.EXPIRY,
                due_at=start_of(facts.expires_on),
            )
        )
    return sorted(plan, key=lambda d: d.due_at)
