"""models.lifecycle_deadlines: expiry reminders and expiry, planned per term (R14, R20)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models.enums import RegisterStatus
from models.lifecycle_deadlines import (
    LifecycleDeadlineKind,
    TermFacts,
    is_kept_current,
    plan_lifecycle_deadlines,
    start_of,
)
from models.policy import Policy

EXPIRES = date(2027, 6, 16)
STARTED = datetime(2025, 6, 16, 10, tzinfo=UTC)


def facts(**overrides: object) -> TermFacts:
    values: dict[str, object] = {
        "term": 3,
        "status": RegisterStatus.CURRENT,
        "expires_on": EXPIRES,
        "term_started_at": STARTED,
    }
    return TermFacts.model_validate(values | overrides)


def test_r20_default_reminders_90_30_7_days_then_expiry_at_the_start_of_the_expiry_date() -> None:
    plan = plan_lifecycle_deadlines(facts(), Policy())

    assert [(d.kind, d.due_at, d.days_before) for d in plan] == [
        (LifecycleDeadlineKind.EXPIRY_REMINDER, start_of(EXPIRES - timedelta(days=90)), 90),
        (LifecycleDeadlineKind.EXPIRY_REMINDER, start_of(EXPIRES - timedelta(days=30)), 30),
        (LifecycleDeadlineKind.EXPIRY_REMINDER, start_of(EXPIRES - timedelta(days=7)), 7),
        (LifecycleDeadlineKind.EXPIRY, datetime(2027, 6, 16, tzinfo=UTC), 0),
    ]


def test_r20_keys_are_unique_and_carry_the_term_so_each_fires_once_per_term() -> None:
    keys = [d.key for d in plan_lifecycle_deadlines(facts(), Policy())]
    next_term = [d.key for d in plan_lifecycle_deadlines(facts(term=4), Policy())]

    assert len(set(keys)) == len(keys) == 4
    assert not set(keys) & set(next_term)
    assert all(":3" in key for key in keys)


def test_r20_reminder_offsets_are_a_setting() -> None:
    plan = plan_lifecycle_deadlines(facts(), Policy(expiry_reminder_days=[14, 60, 14]))

    assert [d.days_before for d in plan] == [60, 14, 0]


def test_r14_a_29_february_award_expires_on_28_february_and_reminds_before_it() -> None:
    plan = plan_lifecycle_deadlines(facts(expires_on=date(2030, 2, 28)), Policy())

    assert [d.due_at.date() for d in plan] == [
        date(2029, 11, 30),
        date(2030, 1, 29),
        date(2030, 2, 21),
        date(2030, 2, 28),
    ]


def test_r23_a_suspended_accreditation_keeps_its_timers_and_a_lapsed_one_has_none() -> None:
    current = plan_lifecycle_deadlines(facts(), Policy())

    assert plan_lifecycle_deadlines(facts(status=RegisterStatus.SUSPENDED), Policy()) == current
    assert plan_lifecycle_deadlines(facts(status=RegisterStatus.LAPSED), Policy()) == []


def test_r20_reminders_due_before_the_term_was_known_are_not_planned() -> None:
    late = start_of(EXPIRES - timedelta(days=20))

    plan = plan_lifecycle_deadlines(facts(term_started_at=late), Policy())

    assert [d.days_before for d in plan] == [7, 0]


@pytest.mark.parametrize(
    ("submitted_on", "keep", "kept"),
    [
        (EXPIRES - timedelta(days=1), True, True),
        (EXPIRES, True, False),  # submitted on the expiry date is not before it
        (EXPIRES - timedelta(days=1), False, False),
        (None, True, False),
    ],
)
def test_r20_a_submission_before_expiry_keeps_it_current_until_the_decision(
    submitted_on: date | None, keep: bool, kept: bool
) -> None:
    policy = Policy(keep_current_while_reaccreditation_pending=keep)
    term = facts(reaccreditation_submitted_on=submitted_on)

    plan = plan_lifecycle_deadlines(term, policy)

    assert is_kept_current(term, policy) is kept
    assert (LifecycleDeadlineKind.EXPIRY in {d.kind for d in plan}) is not kept
    assert len([d for d in plan if d.kind == LifecycleDeadlineKind.EXPIRY_REMINDER]) == 3
