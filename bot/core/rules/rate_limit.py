"""A sliding-window limit on how often one person may report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta


def retry_after(
    recent: Sequence[datetime], now: datetime, limit: int, window: timedelta
) -> timedelta | None:
    """``None`` if another action is allowed now, else how long until it is."""
    in_window = sorted(moment for moment in recent if moment > now - window)
    if len(in_window) < limit:
        return None
    oldest_that_matters = in_window[len(in_window) - limit]
    return oldest_that_matters + window - now
