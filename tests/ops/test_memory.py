"""The collector's thresholds that ``coc-bot run`` sets (``bot.ops.memory``)."""

from __future__ import annotations

import gc

from bot.ops.memory import THRESHOLDS, tune_collector


def test_the_young_generation_is_large_enough_for_a_flood_in_flight() -> None:
    before = gc.get_threshold()
    try:
        tune_collector()
        assert gc.get_threshold() == THRESHOLDS
        assert THRESHOLDS[0] >= 10_000  # a second of a flood's events dies young
    finally:
        gc.set_threshold(*before)
