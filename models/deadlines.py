"""When an application's timers fire (SCHEME.md policy rules; durations from ``Policy``).

Pure: the workflow hands in the facts, waits for the earliest deadline it has not yet fired,
and re-plans after every change, so a moved or cancelled deadline is exact.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from models.application_machine import ApplicationState
from models.policy import Policy


class DeadlineKind(StrEnum):
    DECLARATION_REMINDER = "declaration_reminder"
    DECLARATION_EXPIRY = "declaration_expiry"
    ASSESSOR_REMINDER = "assessor_reminder"
    ASSESSMENT_OVERDUE = "assessment_overdue"
    DEFERRAL_LAPSE = "deferral_lapse"
    DRAFT_IDLE_WARNING = "draft_idle_warning"
    DRAFT_IDLE_CLOSE = "draft_idle_close"


class Deadline(BaseModel):
    """A timer to fire once: ``key`` is unique for the event that set it."""

    key: str
    kind: DeadlineKind
    due_at: datetime


class DeadlineFacts(BaseModel):
    """What the plan depends on; sequence numbers make each invitation's timers distinct."""

    last_edited_at: datetime
    invited_at: datetime | None = None
    invitation_seq: int = 0
    allocated_at: datetime | None = None
    allocation_seq: int = 0
    deferred_at: datetime | None = None


def _deadline(kind: DeadlineKind, tag: object, due_at: datetime) -> Deadline:
    return Deadline(key=f"{kind.value}:{tag}", kind=kind, due_at=due_at)


def plan_deadlines(state: ApplicationState, facts: DeadlineFacts, policy: Policy) -> list[Deadline]:
    """Every deadline that applies in ``state``, earliest first."""
    plan: list[Deadline] = []
    if state == ApplicationState.DRAFT:
        close_at = facts.last_edited_at + timedelta(days=policy.draft_idle_close_days)
        tag = facts.last_edited_at.isoformat()
        if policy.draft_idle_warning_days < policy.draft_idle_close_days:
            warn_at = close_at - timedelta(days=policy.draft_idle_warning_days)
            plan.append(_deadline(DeadlineKind.DRAFT_IDLE_WARNING, tag, warn_at))
        plan.append(_deadline(DeadlineKind.DRAFT_IDLE_CLOSE, tag, close_at))
    elif state == ApplicationState.AWAITING_DECLARATION and facts.invited_at is not None:
        seq = facts.invitation_seq
        for days in policy.declaration_reminder_days:
            if days < policy.declaration_expiry_days:
                due = facts.invited_at + timedelta(days=days)
                plan.append(_deadline(DeadlineKind.DECLARATION_REMINDER, f"{seq}:{days}", due))
        due = facts.invited_at + policy.declaration_expiry
        plan.append(_deadline(DeadlineKind.DECLARATION_EXPIRY, seq, due))
    elif state == ApplicationState.IN_ASSESSMENT and facts.allocated_at is not None:
        seq = facts.allocation_seq
        if policy.assessor_reminder_days < policy.assessor_sla_days:
            due = facts.allocated_at + timedelta(days=policy.assessor_reminder_days)
            plan.append(_deadline(DeadlineKind.ASSESSOR_REMINDER, seq, due))
        due = facts.allocated_at + policy.assessor_sla
        plan.append(_deadline(DeadlineKind.ASSESSMENT_OVERDUE, seq, due))
    elif state == ApplicationState.DEFERRED and facts.deferred_at is not None:
        due = facts.deferred_at + policy.deferral_window
        plan.append(_deadline(DeadlineKind.DEFERRAL_LAPSE, facts.deferred_at.isoformat(), due))
    return sorted(plan, key=lambda d: d.due_at)
