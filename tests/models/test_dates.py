"""models.dates: the scheme's calendar periods (R04, R08, R14)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.dates import ACCREDITATION_YEARS, add_years, expiry_date, scheme_date, within_years

award_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))


@pytest.mark.parametrize(
    ("awarded_on", "expires_on"),
    [
        (date(2025, 6, 16), date(2027, 6, 16)),
        (date(2024, 2, 29), date(2026, 2, 28)),
        (date(2024, 2, 28), date(2026, 2, 28)),
        (date(2024, 3, 1), date(2026, 3, 1)),
        (date(2026, 2, 28), date(2028, 2, 28)),
        (date(2025, 12, 31), date(2027, 12, 31)),
    ],
)
def test_r14_accreditation_expires_two_calendar_years_after_award(
    awarded_on: date, expires_on: date
) -> None:
    assert expiry_date(awarded_on) == expires_on


def test_r14_leap_day_award_expires_on_28_february() -> None:
    assert expiry_date(date(2024, 2, 29)) == date(2026, 2, 28)


@settings(max_examples=200, deadline=None)
@given(award_dates)
def test_r14_expiry_is_two_calendar_years_later_or_28_feb_for_a_leap_day(awarded_on: date) -> None:
    expires_on = expiry_date(awarded_on)
    assert expires_on > awarded_on
    assert expires_on.year == awarded_on.year + ACCREDITATION_YEARS
    if (awarded_on.month, awarded_on.day) == (2, 29):
        assert (expires_on.month, expires_on.day) == (2, 28)
    else:
        assert (expires_on.month, expires_on.day) == (awarded_on.month, awarded_on.day)


@settings(max_examples=100, deadline=None)
@given(award_dates, st.integers(min_value=-10, max_value=10))
def test_add_years_keeps_the_calendar_day_or_falls_back_to_28_feb(day: date, years: int) -> None:
    later = add_years(day, years)
    assert later.year == day.year + years
    assert later.month == day.month
    assert later.day == day.day or (day.month, day.day, later.day) == (2, 29, 28)


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (date(2022, 6, 16), True),
        (date(2022, 6, 15), False),
        (date(2025, 6, 16), True),
        (date(2025, 6, 17), False),
    ],
)
def test_r04_within_years_is_inclusive_of_both_ends_and_refuses_the_future(
    day: date, inside: bool
) -> None:
    assert within_years(day, 3, today=date(2025, 6, 16)) is inside


def test_r08_within_two_years_on_a_leap_day_goes_back_to_28_february() -> None:
    today = date(2028, 2, 29)
    assert within_years(date(2026, 2, 28), 2, today)
    assert not within_years(date(2026, 2, 28) - timedelta(days=1), 2, today)


class TestSchemeDate:
    """Scheme rules count in UK calendar dates, whatever the server's clock zone."""

    def test_r04_r14_winter_dates_are_utc_dates(self) -> None:
        assert scheme_date(datetime(2026, 1, 15, 23, 30, tzinfo=UTC)) == date(2026, 1, 15)

    def test_r04_r14_summer_late_evening_utc_is_already_tomorrow_in_the_uk(self) -> None:
        assert scheme_date(datetime(2026, 7, 15, 23, 30, tzinfo=UTC)) == date(2026, 7, 16)
        assert scheme_date(datetime(2026, 7, 15, 22, 59, tzinfo=UTC)) == date(2026, 7, 15)

    def test_summer_time_starts_and_ends_at_one_in_the_morning_utc(self) -> None:
        # 2026: BST from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
        assert scheme_date(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == date(2026, 3, 28)
        assert scheme_date(datetime(2026, 3, 29, 23, 30, tzinfo=UTC)) == date(2026, 3, 30)
        assert scheme_date(datetime(2026, 10, 24, 23, 30, tzinfo=UTC)) == date(2026, 10, 25)
        assert scheme_date(datetime(2026, 10, 25, 23, 30, tzinfo=UTC)) == date(2026, 10, 25)

    @given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
    def test_r20_a_timer_at_midnight_utc_falls_on_the_same_uk_date(self, day: date) -> None:
        assert scheme_date(datetime.combine(day, time(0), tzinfo=UTC)) == day
