"""Durations typed by staff: ``30m``, ``12h``, ``7d``, ``2w`` or ``permanent``.

Suspension lengths are decided by people in a hurry; a typo must produce a clear refusal
rather than a suspension of the wrong length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.errors import InvalidDuration

_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
          "w": timedelta(weeks=1)}
_UNIT_NAMES = {"m": "minute", "h": "hour", "d": "day", "w": "week"}
_PATTERN = re.compile(r"(\d{1,6})([mhdw])")
MAX_DURATION = timedelta(days=3 * 366)
_HELP = "Use a number and a unit (30m, 12h, 7d, 2w) or 'permanent'."


@dataclass(frozen=True, slots=True)
class Duration:
    """A length of time, or ``None`` for permanent."""

    length: timedelta | None

    @property
    def permanent(self) -> bool:
        return self.length is None

    def end_from(self, start: datetime) -> datetime | None:
        return None if self.length is None else start + self.length

    def describe(self) -> str:
        if self.length is None:
            return "permanent"
        return describe_timedelta(self.length)


def describe_timedelta(delta: timedelta) -> str:
    """Human wording such as ``2 weeks`` or ``36 hours`` for DMs."""
    seconds = int(delta.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"{count} {_UNIT_NAMES[unit]}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def parse_duration(text: str) -> Duration:
    """Parse staff input; raise :class:`InvalidDuration` with advice on anything else."""
    cleaned = (text or "").strip().lower()
    if not cleaned:
        raise InvalidDuration(f"Please give a duration. {_HELP}")
    if cleaned in {"permanent", "perm", "forever"}:
        return Duration(None)
    match = _PATTERN.fullmatch(cleaned)
    if match is None:
        raise InvalidDuration(f"'{text.strip()}' is not a duration I understand. {_HELP}")
    amount, unit = int(match.group(1)), match.group(2)
    if amount == 0:
        raise InvalidDuration(f"A duration must be longer than zero. {_HELP}")
    length = amount * _UNITS[unit]
    if length > MAX_DURATION:
        raise InvalidDuration(
            f"'{text.strip()}' is longer than 3 years; use 'permanent' with a review date instead."
        )
    return Duration(length)


_REVIEW_PATTERN = re.compile(r"(\d{1,3})\s*(d|w|mo|y)")
_REVIEW_HELP = ("Give the review period as a number and a unit: 90d, 12w, 6mo or 1y "
                "(days, weeks, months, years).")
MAX_REVIEW = 10  # years: a longer "review" is no review at all


@dataclass(frozen=True, slots=True)
class ReviewPeriod:
    """How long after a permanent removal the committee reviews it (``1y``, ``6mo``).

    Months and years are calendar ones (a year after 29 February is 28 February), so the
    date told to the person is the date a person would count to.
    """

    text: str
    months: int = 0
    days: int = 0

    def after(self, start: datetime) -> datetime:
        month_index = start.month - 1 + self.months
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, _days_in(year, month))
        return start.replace(year=year, month=month, day=day) + timedelta(days=self.days)


def _days_in(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)  # noqa: DTZ001 - date arithmetic only
    return (following - timedelta(days=1)).day


def parse_review_period(text: str) -> ReviewPeriod:
    """Parse a review period; raise :class:`InvalidDuration` with advice on anything else
    (``6m`` is refused rather than guessed: minutes or months?)."""
    cleaned = (text or "").strip().lower().replace(" ", "")
    match = _REVIEW_PATTERN.fullmatch(cleaned)
    if match is None:
        hint = " ('m' could be minutes or months: write 6mo.)" if cleaned.endswith("m") else ""
        raise InvalidDuration(f"'{(text or '').strip()}' is not a review period I "
                              f"understand. {_REVIEW_HELP}{hint}")
    amount, unit = int(match.group(1)), match.group(2)
    if amount == 0:
        raise InvalidDuration(f"A review period must be longer than zero. {_REVIEW_HELP}")
    months = {"mo": amount, "y": 12 * amount}.get(unit, 0)
    days = {"d": amount, "w": 7 * amount}.get(unit, 0)
    if months > 12 * MAX_REVIEW or days > 366 * MAX_REVIEW:
        raise InvalidDuration(f"A review period can be at most {MAX_REVIEW} years.")
    return ReviewPeriod(f"{amount}{unit}", months, days)
