"""Committee terms: staggered, three years, nonrenewable."""

from __future__ import annotations

from datetime import date


def term_end(start: date, years: int) -> date:
    """The day a term ends; 29 February rolls to 28 February in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)
