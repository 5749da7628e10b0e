"""Deadlines, escalation, rate limits and terms: plain table tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.rules.escalation import incidents_in_window, should_escalate
from bot.core.rules.rate_limit import retry_after
from bot.core.rules.terms import term_end
from bot.core.rules.windows import appeal_deadline, appeal_window_open

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(("elapsed", "open_"), [
    (timedelta(0), True), (59 * DAY, True), (60 * DAY, True),
    (60 * DAY + timedelta(hours=11, minutes=59), True),  # any hour of the 60th day
    (61 * DAY - timedelta(hours=12), False),  # the first moment of the 61st day
    (61 * DAY, False), (365 * DAY, False),
])
def test_appeal_window_is_60_days_from_the_date_of_communication(elapsed: timedelta,
                                                                 open_: bool) -> None:
    """"Within 60 days of the date the Committee's decision was communicated": the 60th
    day after that date is inside, whatever the hour; the 61st is not."""
    assert appeal_window_open(T0 + elapsed, T0, 60 * DAY) is open_
    assert appeal_deadline(T0, 60 * DAY) == datetime(2026, 4, 30, 23, 59, 59, 999999,
                                                     tzinfo=UTC)


def test_the_day_is_the_organisations() -> None:
    """Communicated at 20:00 in Chicago on 1 March (02:00 UTC on the 2nd): the 60th day
    is 30 April in Chicago, to its last minute there."""
    chicago = ZoneInfo("America/Chicago")
    sent = datetime(2026, 3, 1, 20, 0, tzinfo=chicago)
    deadline = appeal_deadline(sent, 60 * DAY, chicago)
    assert deadline == datetime(2026, 4, 30, 23, 59, 59, 999999, tzinfo=chicago)
    assert appeal_window_open(datetime(2026, 4, 30, 23, 0, tzinfo=chicago), sent, 60 * DAY,
                              chicago)
    assert not appeal_window_open(datetime(2026, 5, 1, 0, 0, tzinfo=chicago), sent, 60 * DAY,
                                  chicago)


@pytest.mark.parametrize(("ages_days", "escalates"), [
    ([], False), ([1, 2], False), ([1, 2, 3], True), ([1, 2, 181], False),
    ([0, 90, 180], True), ([200, 300, 400, 500], False),
])
def test_three_incidents_in_180_days_escalate(ages_days: list[int], escalates: bool) -> None:
    times = [T0 - d * DAY for d in ages_days]
    assert should_escalate(times, T0, 3, 180 * DAY) is escalates


@given(st.lists(st.integers(0, 400), max_size=20), st.integers(1, 10))
def test_escalation_is_monotonic_in_incidents(ages: list[int], threshold: int) -> None:
    times = [T0 - a * DAY for a in ages]
    if should_escalate(times, T0, threshold, 180 * DAY):
        assert should_escalate([*times, T0], T0, threshold, 180 * DAY)
    assert incidents_in_window(times, T0, 180 * DAY) <= len(times)


@pytest.mark.parametrize(("minutes_ago", "limit", "wait_minutes"), [
    ([], 5, None), ([1, 2, 3, 4], 5, None), ([1, 2, 3, 4, 5], 5, 55),
    ([10, 20, 30, 40, 50, 61], 5, 10), ([5, 70, 80], 2, None),
])
def test_report_rate_limit(minutes_ago: list[int], limit: int,
                           wait_minutes: int | None) -> None:
    recent = [T0 - timedelta(minutes=m) for m in minutes_ago]
    wait = retry_after(recent, T0, limit, timedelta(hours=1))
    assert wait == (None if wait_minutes is None else timedelta(minutes=wait_minutes))


@pytest.mark.parametrize(("start", "years", "end"), [
    (date(2026, 7, 1), 3, date(2029, 7, 1)),
    (date(2028, 2, 29), 3, date(2031, 2, 28)),
])
def test_terms_last_three_years(start: date, years: int, end: date) -> None:
    assert term_end(start, years) == end
