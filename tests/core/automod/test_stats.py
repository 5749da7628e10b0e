"""Per-rule reversal statistics for the digest."""

from __future__ import annotations

from bot.core.automod import reversal_counts, reversal_stats


def test_counts_per_rule() -> None:
    pairs = [("insults", False), ("insults", True), ("pii-email", True), ("insults", False)]
    assert reversal_counts(pairs) == {"insults": (3, 1), "pii-email": (1, 1)}


def test_worst_rule_first_with_rates() -> None:
    rows = reversal_stats([("a", False), ("b", True), ("b", False), ("c", False)])
    assert [(r.rule_id, r.detections, r.reversed) for r in rows] == [
        ("b", 2, 1), ("a", 1, 0), ("c", 1, 0)]
    assert rows[0].rate == 0.5
    assert rows[0].describe() == "b: 2 / 1 (50% reversed)"


def test_nothing_in_nothing_out() -> None:
    assert reversal_stats([]) == []
