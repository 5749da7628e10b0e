"""Deadlines: the appeal window and the point at which a decision becomes final."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo


def appeal_deadline(communicated_at: datetime, window: timedelta,
                    zone: tzinfo = UTC) -> datetime:
    """The last moment to appeal: the end of the ``window.days``-th day after the date the
    decision was communicated, that date read in the organisation's time zone.

    The protocols: "within 60 days of the date the Committee's decision was
    communicated". A date, not an instant: an appeal sent late on the 60th day is in time,
    whatever hour the decision went out; the 61st day is too late.
    """
    last_day = communicated_at.astimezone(zone).date() + timedelta(days=window.days)
    return datetime.combine(last_day, time.max, tzinfo=zone).astimezone(UTC)


def appeal_window_open(now: datetime, communicated_at: datetime, window: timedelta,
                       zone: tzinfo = UTC) -> bool:
    return now <= appeal_deadline(communicated_at, window, zone)
