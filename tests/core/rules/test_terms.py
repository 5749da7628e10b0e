"""Staggered terms: fiscal years, overlap and crowding, as properties."""

from __future__ import annotations

import calendar
from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st

from bot.core.rules.terms import crowded_years, fiscal_year, overlaps, term_end

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
starts = st.sampled_from([(1, 1), (7, 1), (9, 1), (10, 15), (12, 31)])


@given(days, starts)
def test_a_day_lies_within_its_fiscal_year(day: date, start: tuple[int, int]) -> None:
    year = fiscal_year(day, start)
    begins = date(year, *start)
    assert begins <= day < date(year + 1, *start)


def test_fiscal_year_named_by_the_year_it_begins() -> None:
    assert fiscal_year(date(2027, 6, 30), (9, 1)) == 2026
    assert fiscal_year(date(2027, 9, 1), (9, 1)) == 2027


@given(days, days, days, days)
def test_overlap_is_symmetric_and_matches_shared_days(a: date, b: date, c: date,
                                                      d: date) -> None:
    (s1, e1), (s2, e2) = sorted((a, b)), sorted((c, d))
    assume(s1 < e1 and s2 < e2)  # a term always lasts at least a day
    shared = max(s1, s2) < min(e1, e2)
    assert overlaps(s1, e1, s2, e2) == overlaps(s2, e2, s1, e1) == shared


@given(st.lists(days, max_size=20), starts, st.integers(min_value=1, max_value=5))
def test_crowded_years_are_exactly_those_over_the_limit(ends: list[date],
                                                        start: tuple[int, int],
                                                        limit: int) -> None:
    crowded = crowded_years(ends, start, limit)
    for year in {fiscal_year(end, start) for end in ends}:
        count = sum(1 for end in ends if fiscal_year(end, start) == year)
        assert (year in crowded) == (count > limit)
        if year in crowded:
            assert crowded[year] == count
    assert set(crowded) <= {fiscal_year(end, start) for end in ends}


@given(days, st.integers(min_value=1, max_value=10))
def test_a_term_ends_on_its_anniversary_or_28_february(start: date, years: int) -> None:
    end = term_end(start, years)
    assert end.year == start.year + years
    # 29 February stays 29 February in a leap year (2000 + 4), rolls to the 28th otherwise
    rolls = (start.month, start.day) == (2, 29) and not calendar.isleap(end.year)
    assert (end.month, end.day) == ((2, 28) if rolls else (start.month, start.day))
