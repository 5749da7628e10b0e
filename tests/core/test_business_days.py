from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.core.business_days import BusinessCalendar, workdays_from_names

CAL = BusinessCalendar("America/Chicago", workdays_from_names(["mon", "tue", "wed", "thu", "fri"]),
                       frozenset({date(2026, 1, 19)}), time(17, 0))


@pytest.mark.parametrize(("made", "due"), [
    # Monday 14:00 Chicago -> Tuesday 17:00 Chicago (23:00 UTC)
    (datetime(2026, 1, 5, 20, 0, tzinfo=UTC), datetime(2026, 1, 6, 23, 0, tzinfo=UTC)),
    # Friday evening -> Monday
    (datetime(2026, 1, 9, 23, 0, tzinfo=UTC), datetime(2026, 1, 12, 23, 0, tzinfo=UTC)),
    # Friday before a Monday holiday (MLK day 2026-01-19) -> Tuesday
    (datetime(2026, 1, 16, 18, 0, tzinfo=UTC), datetime(2026, 1, 20, 23, 0, tzinfo=UTC)),
    # 02:00 UTC Tuesday is still Monday evening in Chicago -> due Tuesday
    (datetime(2026, 1, 6, 2, 0, tzinfo=UTC), datetime(2026, 1, 6, 23, 0, tzinfo=UTC)),
    # Saturday -> Monday
    (datetime(2026, 1, 10, 15, 0, tzinfo=UTC), datetime(2026, 1, 12, 23, 0, tzinfo=UTC)),
])
def test_end_of_next_business_day(made: datetime, due: datetime) -> None:
    assert CAL.end_of_next_business_day(made) == due


def test_daylight_saving_is_respected() -> None:
    # In July Chicago is UTC-5, so 17:00 local is 22:00 UTC.
    made = datetime(2026, 7, 6, 15, 0, tzinfo=UTC)
    assert CAL.end_of_next_business_day(made) == datetime(2026, 7, 7, 22, 0, tzinfo=UTC)


def test_unknown_day_names_are_refused() -> None:
    with pytest.raises(ValueError, match="not a day"):
        workdays_from_names(["mon", "funday"])
