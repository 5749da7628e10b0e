from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.durations import Duration, parse_duration
from bot.core.errors import InvalidDuration


@pytest.mark.parametrize(("text", "length"), [
    ("30m", timedelta(minutes=30)), ("12h", timedelta(hours=12)), ("7d", timedelta(days=7)),
    ("2w", timedelta(weeks=2)), (" 7D ", timedelta(days=7)), ("permanent", None),
    ("Permanent", None),
])
def test_valid_durations(text: str, length: timedelta | None) -> None:
    assert parse_duration(text).length == length


@pytest.mark.parametrize("text", ["-1d", "0", "0d", "999y", "", "   ", "7 days please", "7",
                                  "d7", "1.5d", "9999999d", "200w"])
def test_nonsense_is_refused_with_advice(text: str) -> None:
    with pytest.raises(InvalidDuration) as err:
        parse_duration(text)
    assert "30m" in str(err.value) or "permanent" in str(err.value)


def test_end_and_description() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_duration("2w").end_from(start) == datetime(2026, 1, 15, tzinfo=UTC)
    assert parse_duration("permanent").end_from(start) is None
    assert parse_duration("2w").describe() == "2 weeks"
    assert parse_duration("36h").describe() == "36 hours"
    assert Duration(None).describe() == "permanent"


@given(st.text(max_size=20))
def test_parse_never_raises_anything_but_invalid_duration(text: str) -> None:
    try:
        result = parse_duration(text)
    except InvalidDuration:
        return
    assert result.permanent or (result.length is not None and result.length > timedelta(0))
