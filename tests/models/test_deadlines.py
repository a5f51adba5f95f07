"""The application's timer plan (policy durations; R13 deferral window)."""

from __future__ import annotations

from datetime import timedelta

from models.application_machine import ApplicationState as S
from models.deadlines import DeadlineFacts, DeadlineKind, plan_deadlines
from models.policy import Policy
from tests.builders import TODAY, at

T0 = at(TODAY)
DAY = timedelta(days=1)


def kinds_and_days(
    state: S, facts: DeadlineFacts, policy: Policy | None = None
) -> list[tuple[str, int]]:
    plan = plan_deadlines(state, facts, policy or Policy())
    return [(d.kind.value, (d.due_at - T0) // DAY) for d in plan]


def test_a_draft_closes_after_a_year_idle_with_notice_a_month_before() -> None:
    assert kinds_and_days(S.DRAFT, DeadlineFacts(last_edited_at=T0)) == [
        ("draft_idle_warning", 335),
        ("draft_idle_close", 365),
    ]


def test_declaration_reminders_then_expiry_per_invitation() -> None:
    facts = DeadlineFacts(last_edited_at=T0, invited_at=T0, invitation_seq=2)
    plan = plan_deadlines(S.AWAITING_DECLARATION, facts, Policy())
    assert [(d.kind, (d.due_at - T0) // DAY) for d in plan] == [
        (DeadlineKind.DECLARATION_REMINDER, 7),
        (DeadlineKind.DECLARATION_REMINDER, 21),
        (DeadlineKind.DECLARATION_EXPIRY, 28),
    ]
    # A new invitation's timers have new keys, so none is mistaken for one already fired.
    again = plan_deadlines(
        S.AWAITING_DECLARATION, facts.model_copy(update={"invitation_seq": 3}), Policy()
    )
    assert not {d.key for d in plan} & {d.key for d in again}


def test_reminders_at_or_after_the_expiry_are_dropped() -> None:
    facts = DeadlineFacts(last_edited_at=T0, invited_at=T0, invitation_seq=1)
    policy = Policy(declaration_expiry_days=10, declaration_reminder_days=[7, 21])
    assert kinds_and_days(S.AWAITING_DECLARATION, facts, policy) == [
        ("declaration_reminder", 7),
        ("declaration_expiry", 10),
    ]


def test_assessment_reminder_then_overdue() -> None:
    facts = DeadlineFacts(last_edited_at=T0, allocated_at=T0, allocation_seq=1)
    assert kinds_and_days(S.IN_ASSESSMENT, facts) == [
        ("assessor_reminder", 21),
        ("assessment_overdue", 28),
    ]


def test_r13_deferral_window_from_policy() -> None:
    facts = DeadlineFacts(last_edited_at=T0, deferred_at=T0)
    assert kinds_and_days(S.DEFERRED, facts, Policy(deferral_window_days=30)) == [
        ("deferral_lapse", 30)
    ]


def test_states_waiting_on_people_without_a_clock_have_no_deadlines() -> None:
    facts = DeadlineFacts(last_edited_at=T0)
    for state in [S.IN_VERIFICATION, S.AWAITING_ALLOCATION, S.AWAITING_RATIFICATION, S.ACCREDITED]:
        assert plan_deadlines(state, facts, Policy()) == []
