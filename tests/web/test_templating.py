"""Dates and times on the pages are UK dates and UK clock times (GMT, or BST in summer)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from web.templating import uk_date, uk_short, uk_time


def test_dates_read_as_the_uk_writes_them() -> None:
    assert uk_date(date(2027, 3, 1)) == "1 March 2027"
    assert uk_date("2027-03-01") == "1 March 2027"
    assert uk_date(None) == ""


def test_times_follow_british_summer_time() -> None:
    summer_evening = datetime(2027, 7, 1, 23, 30, tzinfo=UTC)
    assert uk_date(summer_evening) == "2 July 2027"  # already the next day in the UK
    assert uk_time(summer_evening) == "2 July 2027 at 12:30am"
    assert uk_short(summer_evening) == "2 Jul 2027, 00:30"
    winter = datetime(2027, 1, 15, 15, 5, tzinfo=UTC)
    assert uk_time(winter) == "15 January 2027 at 3:05pm"
    assert uk_short(winter) == "15 Jan 2027, 15:05"
