"""Repeated low-level violations may be serious: N incidents in D days open a case."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def incidents_in_window(times: Iterable[datetime], now: datetime, window: timedelta) -> int:
    start = now - window
    return sum(1 for moment in times if start <= moment <= now)


def should_escalate(
    times: Iterable[datetime], now: datetime, threshold: int, window: timedelta
) -> bool:
    return incidents_in_window(times, now, window) >= threshold
