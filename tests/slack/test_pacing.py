"""Slack deletes paced to the method's tier: never more than the limit in any window."""

from __future__ import annotations

import asyncio

import pytest

from bot.slack_io.pacing import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_calls_beyond_the_tier_wait_their_turn_in_order() -> None:
    time = FakeTime()
    pacer = Pacer(3, 60.0, monotonic=time.monotonic, sleep=time.sleep)
    started: list[tuple[int, float]] = []

    async def call(n: int) -> None:
        await pacer.wait()
        started.append((n, time.now))

    await asyncio.gather(*(call(n) for n in range(7)))
    assert [n for n, _ in started] == list(range(7))
    moments = [t for _, t in started]
    for index in range(len(moments)):
        window = [t for t in moments[:index + 1] if t > moments[index] - 60.0]
        assert len(window) <= 3
    assert moments[:3] == [0.0, 0.0, 0.0] and moments[3] == 60.0 and moments[6] == 120.0


def test_a_pacer_that_could_never_let_a_call_through_is_refused() -> None:
    with pytest.raises(ValueError):
        Pacer(0, 60.0)
