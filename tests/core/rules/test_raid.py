"""The pure raid rule: when findings are too fast, per channel or across a space."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.identity import PersonRef, PlaceRef, PlatformName
from bot.core.rules.raid import RaidPolicy, RateWatch, Wave

T0 = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
POLICY = RaidPolicy(channel_violations=5, space_violations=8, window=timedelta(seconds=10))
SOMEONE = PersonRef(PlatformName.DISCORD, "100", "u1")


def place(channel: str, space: str = "100") -> PlaceRef:
    return PlaceRef(PlatformName.DISCORD, space, channel)


def test_one_channel_past_its_threshold_is_hot() -> None:
    watch = RateWatch(POLICY)
    heats = [watch.observe(place("general"), T0 + timedelta(seconds=n), SOMEONE)
             for n in range(5)]
    assert [bool(h) for h in heats] == [False] * 4 + [True]
    assert heats[-1].channel and not heats[-1].space


def test_a_space_wide_flood_spread_over_channels_is_hot() -> None:
    watch = RateWatch(POLICY)
    heats = [watch.observe(place(f"c{n % 4}"), T0, SOMEONE) for n in range(8)]
    assert not any(h.channel for h in heats) and heats[-1].space


def test_the_window_slides_and_spaces_do_not_mix() -> None:
    watch = RateWatch(POLICY)
    for n in range(4):
        watch.observe(place("general"), T0 + timedelta(seconds=3 * n), SOMEONE)
    # the first finding has left the 10-second window by now
    assert not watch.observe(place("general"), T0 + timedelta(seconds=12), SOMEONE)
    for _ in range(7):
        watch.observe(place(f"x{_}", space="other"), T0, SOMEONE)
    assert not watch.observe(place("y", space="100"), T0 + timedelta(seconds=12), SOMEONE)


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=40))
def test_hot_exactly_when_the_window_ending_now_holds_the_threshold(offsets: list[int]) -> None:
    times = [T0 + timedelta(seconds=o) for o in sorted(offsets)]
    watch = RateWatch(POLICY)
    for index, moment in enumerate(times):
        heat = watch.observe(place("general"), moment, SOMEONE)
        in_window = [t for t in times[:index + 1] if t > moment - POLICY.window]
        assert heat.channel == (len(in_window) >= POLICY.channel_violations)


def test_the_authors_just_before_a_wave_are_known() -> None:
    watch = RateWatch(POLICY)
    people = [PersonRef(PlatformName.DISCORD, "100", f"u{n}") for n in range(3)]
    for person in people:
        watch.observe(place("general"), T0, person)
    assert watch.recent_authors(place("general")) == set(people)


def test_a_wave_counts_and_ends_after_quiet() -> None:
    wave = Wave("W-1", "discord:100", T0, T0)
    wave.add(place("general"), SOMEONE, "advertising", True, T0 + timedelta(seconds=2))
    wave.add(place("general"), SOMEONE, "advertising", False, T0 + timedelta(seconds=3))
    assert (wave.removed, wave.not_deleted, len(wave.accounts)) == (1, 1, 1)
    assert wave.top_channels() == [place("general")] and wave.top_rules() == ["advertising"]
    assert not wave.over(T0 + timedelta(seconds=20), timedelta(seconds=30))
    assert wave.over(T0 + timedelta(seconds=33), timedelta(seconds=30))


@pytest.mark.parametrize("bad", [
    {"channel_violations": 1}, {"window": timedelta(0)},
    {"quiet": timedelta(seconds=5)}, {"slow_mode_seconds": 0}])
def test_a_policy_that_cannot_work_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RaidPolicy(**bad)  # type: ignore[arg-type]
