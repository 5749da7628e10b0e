"""How often staff reverse each automated rule: the false-positive rate the digest shows.

A rule that staff keep reversing is doing harm (removing innocent messages, DMing people
who did nothing wrong); the number tells staff which rule to tune or turn off. Pure
functions over ``(rule_id, reversed)`` pairs, so any store can feed them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["RuleReversals", "reversal_counts", "reversal_stats"]


@dataclass(frozen=True, slots=True)
class RuleReversals:
    """Detections of one rule in a period and how many of them staff reversed."""

    rule_id: str
    detections: int
    reversed: int

    @property
    def rate(self) -> float:
        """Share reversed, 0.0 to 1.0 (0.0 when the rule never fired)."""
        return self.reversed / self.detections if self.detections else 0.0

    def describe(self) -> str:
        return f"{self.rule_id}: {self.detections} / {self.reversed} ({self.rate:.0%} reversed)"


def reversal_counts(pairs: Iterable[tuple[str, bool]]) -> dict[str, tuple[int, int]]:
    """``rule -> (detections, reversed)``, the shape ``Digest.rule_reversals`` holds."""
    counts: dict[str, tuple[int, int]] = {}
    for rule_id, was_reversed in pairs:
        total, undone = counts.get(rule_id, (0, 0))
        counts[rule_id] = (total + 1, undone + bool(was_reversed))
    return counts


def reversal_stats(pairs: Iterable[tuple[str, bool]]) -> list[RuleReversals]:
    """Per-rule statistics, worst reversal rate first (ties by rule id)."""
    rows = [RuleReversals(rule, total, undone)
            for rule, (total, undone) in reversal_counts(pairs).items()]
    return sorted(rows, key=lambda r: (-r.rate, r.rule_id))
