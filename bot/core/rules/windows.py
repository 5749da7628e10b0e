"""Deadlines: the appeal window and the point at which a decision becomes final."""

from __future__ import annotations

from datetime import datetime, timedelta


def appeal_deadline(communicated_at: datetime, window: timedelta) -> datetime:
    """Appeals must be submitted within the window from when the decision was communicated."""
    return communicated_at + window


def appeal_window_open(now: datetime, communicated_at: datetime, window: timedelta) -> bool:
    return now <= appeal_deadline(communicated_at, window)
