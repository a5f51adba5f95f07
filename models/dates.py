"""Calendar arithmetic for the scheme's periods (R04, R08, R14, R20)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_only(value: Any) -> Any:
    """Dates come as ``YYYY-MM-DD``; a number is no date (pydantic would read it as a Unix
    timestamp, so that ``0`` meant 1 January 1970)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise ValueError("give a date as YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
"""A calendar date that only an ISO ``YYYY-MM-DD`` string (or a ``date``) gives."""

ACCREDITATION_YEARS = 2
QUALIFICATION_RECENCY_YEARS = 3
CPD_RECENCY_YEARS = 2


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (or earlier); 29 Feb falls back to 28 Feb."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def expiry_date(awarded_on: date) -> date:
    """R14: an accreditation awarded on ``awarded_on`` expires two calendar years later.

    The term is ``[awarded_on, expiry)``: on the expiry date it is no longer current unless
    renewed, and a renewal awarded on time starts on that date (R20).
    """
    return add_years(awarded_on, ACCREDITATION_YEARS)


def within_years(day: date, years: int, today: date) -> bool:
    """Whether ``day`` is no later than ``today`` and no earlier than ``years`` ago (inclusive)."""
    return add_years(today, -years) <= day <= today


def term_for_award(
    awarded_on: date,
    previous_expires_on: date | None,
    *,
    submitted_on: date | None = None,
    keep_current_while_pending: bool = False,
) -> tuple[date, date]:
    """R14/R20: the ``(accredited_from, expires_on)`` of an award.

    A re-accreditation awarded on time starts at the current expiry, so renewing early costs
    no days. It is on time when awarded on or before that expiry, or, with the pending-decision
    extension on, when submitted before it (the accreditation stayed current meanwhile).
    Otherwise the term starts on the award date.
    """
    if previous_expires_on is not None:
        on_time = awarded_on <= previous_expires_on or (
            keep_current_while_pending
            and submitted_on is not None
            and submitted_on < previous_expires_on
        )
        if on_time:
            return previous_expires_on, expiry_date(previous_expires_on)
    return awarded_on, expiry_date(awarded_on)


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def scheme_date(moment: datetime) -> date:
    """The calendar date in the UK at ``moment``: the date every scheme rule counts in.

    British Summer Time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
    last Sunday of October (computed here rather than read from a time-zone database, so that
    workflow code stays free of file reads). Timers that fire at midnight UTC therefore always
    fall on the same UK date.
    """
    return uk_wall_clock(moment).date()


def uk_wall_clock(moment: datetime) -> datetime:
    """``moment`` as a UK clock shows it (GMT, or BST in summer), as a naive datetime."""
    utc = moment.astimezone(UTC)
    summer_starts = datetime.combine(_last_sunday(utc.year, 3), time(1), tzinfo=UTC)
    summer_ends = datetime.combine(_last_sunday(utc.year, 10), time(1), tzinfo=UTC)
    offset = timedelta(hours=1) if summer_starts <= utc < summer_ends else timedelta(0)
    return (utc + offset).replace(tzinfo=None)
