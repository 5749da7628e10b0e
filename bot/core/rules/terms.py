"""Committee terms: staggered, three years, nonrenewable.

"Staggered" is checked by fiscal year: a body of seven loses at most a few members in any
one year, so it never has to re-learn its work all at once. The limit is per fiscal year
(the association plans by it), not per calendar year.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date


def term_end(start: date, years: int) -> date:
    """The day a term ends; 29 February rolls to 28 February in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def fiscal_year(day: date, start: tuple[int, int]) -> int:
    """The fiscal year ``day`` falls in, named by the calendar year in which it begins
    (with a 1 September start, 2027-06-30 is in fiscal year 2026)."""
    month, first = start
    begins = (day.month, day.day) >= (month, first)
    return day.year if begins else day.year - 1


def overlaps(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Whether two half-open terms ``[start, end)`` share a day (``None``: open-ended)."""
    return (other_end is None or start < other_end) and (end is None or other_start < end)


def endings_per_year(ends: Iterable[date], start: tuple[int, int]) -> Counter[int]:
    """How many terms end in each fiscal year."""
    return Counter(fiscal_year(end, start) for end in ends)


def crowded_years(ends: Iterable[date], start: tuple[int, int], limit: int) -> dict[int, int]:
    """The fiscal years in which more than ``limit`` terms end, with how many."""
    return {year: n for year, n in sorted(endings_per_year(ends, start).items()) if n > limit}
