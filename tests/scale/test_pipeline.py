"""``benchmarks.pipeline`` at a small scale: the real bot against the fake Discord in its
own process, flooded with violations from a few dozen accounts. Every violation is deleted
and recorded exactly once, each author is told once, the flood is one wave with one alert
per channel, and nobody gets a second case. Times are not asserted (the benchmark prints
them); what must hold under load is."""

from __future__ import annotations

import argparse

import pytest

from benchmarks.pipeline import run


@pytest.mark.slow
async def test_a_flood_is_deleted_recorded_and_explained_exactly_once() -> None:
    result = await run(argparse.Namespace(rate=400, seconds=2.0, violating=0.5, authors=40,
                                          drain=60.0))
    violations = result["violations"]
    assert violations > 300
    assert result["deleted"] == result["incidents"] == result["distinct_incidents"] \
        == violations, result
    assert result["max_dms_per_author"] == 1 and result["authors_told"] == 40, result
    # the few findings before the wave started are summarised one by one; then one alert
    assert result["staff_posts"] <= 5 and result["committee_posts"] <= 5, result
    assert sum("Raid mode on" in post for post in result["first_staff_posts"]) == 1, result
    assert result["max_cases_per_person"] == 1, result
