"""Business days, for "we will respond ... usually within the next business day".

A report made on a Friday evening is due by the end of Monday (or Tuesday if Monday is a
holiday), in the association's own time zone, not UTC.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Working days, holidays and the end of the working day in one time zone."""

    timezone: str = "UTC"
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: Container[date] = field(default_factory=frozenset)
    end_of_day: time = time(17, 0)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after ``day``."""
        candidate = day + timedelta(days=1)
        for _ in range(366 * 2):
            if self.is_business_day(candidate):
                return candidate
            candidate += timedelta(days=1)
        raise ValueError("the business calendar has no working day within two years")

    def end_of_next_business_day(self, moment: datetime) -> datetime:
        """The deadline for a report made at ``moment`` (aware), returned in UTC."""
        local_day = moment.astimezone(self.zone).date()
        due_day = self.next_business_day(local_day)
        local_due = datetime.combine(due_day, self.end_of_day, tzinfo=self.zone)
        return local_due.astimezone(UTC)


def workdays_from_names(names: Iterable[str]) -> frozenset[int]:
    """Map ``["mon", "tue"]`` to weekday numbers; unknown names raise ValueError."""
    result = set()
    for name in names:
        key = name.strip().lower()[:3]
        if key not in WEEKDAY_NAMES:
            raise ValueError(f"'{name}' is not a day of the week (use mon, tue, ... sun)")
        result.add(WEEKDAY_NAMES.index(key))
    return frozenset(result)
