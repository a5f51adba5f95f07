"""The term an award starts (R14, R20) and the actions an application offers."""

from __future__ import annotations

from datetime import date

from models.application_machine import ApplicationMachine, ApplicationState, available_actions
from models.dates import term_for_award


def test_r14_an_initial_award_runs_two_years_from_the_award() -> None:
    assert term_for_award(date(2024, 2, 29), None) == (date(2024, 2, 29), date(2026, 2, 28))


def test_r20_a_renewal_awarded_on_time_starts_at_the_previous_expiry() -> None:
    previous = date(2026, 5, 1)
    assert term_for_award(date(2026, 3, 1), previous) == (previous, date(2028, 5, 1))
    assert term_for_award(previous, previous) == (previous, date(2028, 5, 1))


def test_r20_a_late_renewal_starts_on_the_award_date() -> None:
    previous = date(2026, 5, 1)
    assert term_for_award(date(2026, 6, 1), previous) == (date(2026, 6, 1), date(2028, 6, 1))


def test_r20_submitted_before_expiry_and_kept_current_counts_as_on_time() -> None:
    previous = date(2026, 5, 1)
    kept = term_for_award(
        date(2026, 6, 1),
        previous,
        submitted_on=date(2026, 4, 20),
        keep_current_while_pending=True,
    )
    assert kept == (previous, date(2028, 5, 1))
    not_kept = term_for_award(
        date(2026, 6, 1),
        previous,
        submitted_on=date(2026, 4, 20),
        keep_current_while_pending=False,
    )
    assert not_kept == (date(2026, 6, 1), date(2028, 6, 1))


class _Checks:
    def __init__(self, ready: bool) -> None:
        self.ready = ready

    def is_ready(self) -> bool:
        return self.ready

    def is_approved_route(self) -> bool:
        return True

    def has_assessor(self) -> bool:
        return False


def test_r10_submit_is_offered_only_when_ready() -> None:
    draft = ApplicationState.DRAFT
    assert "submit" in available_actions(ApplicationMachine(draft, _Checks(ready=True)))
    assert available_actions(ApplicationMachine(draft, _Checks(ready=False))) == [
        "save_draft",
        "invite_declarer",
        "withdraw",
    ]


def test_r11_r13_an_officer_verifies_or_ratifies_by_state() -> None:
    checks = _Checks(ready=True)
    verifying = available_actions(ApplicationMachine(ApplicationState.IN_VERIFICATION, checks))
    ratifying = available_actions(
        ApplicationMachine(ApplicationState.AWAITING_RATIFICATION, checks)
    )
    assert ("verify" in verifying, "ratify" in verifying) == (True, False)
    assert ("verify" in ratifying, "ratify" in ratifying) == (False, True)
    assert available_actions(ApplicationMachine(ApplicationState.ACCREDITED, checks)) == []
