"""Small-cell suppression: exact cases, and properties over any table of counts (no small
count published, none recoverable from the total by a reader who knows the rule)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.rules.disclosure import ProtectedCounts, Shown, needed, protect


def shown(result: ProtectedCounts) -> dict[str, str]:
    return {c.label: str(c.value) if c.published else c.shown.value
            for c in (*result.cells, result.total)}


def test_small_cells_say_fewer_than_and_a_complement_hides_with_them() -> None:
    assert shown(protect({"a": 4, "b": 12, "c": 15, "d": 0}, 10)) == {
        "a": "small", "b": "hidden", "c": "15", "d": "0", "total": "31"}


def test_two_small_cells_alone_are_not_enough_when_their_sum_pins_them() -> None:
    # 9 + 9 = 18: both could only be 9, so everything is hidden alike, zeros too.
    assert shown(protect({"a": 9, "b": 9, "c": 0}, 10)) == {
        "a": "hidden", "b": "hidden", "c": "hidden", "total": "18"}


def test_a_small_total_hides_every_non_zero_cell() -> None:
    assert shown(protect({"a": 3, "b": 4, "c": 0}, 10)) == {
        "a": "small", "b": "small", "c": "0", "total": "small"}


def test_nothing_small_means_nothing_hidden() -> None:
    assert shown(protect({"a": 10, "b": 0, "c": 55}, 10)) == {
        "a": "10", "b": "0", "c": "55", "total": "65"}


def test_bad_thresholds_and_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="min_cell"):
        protect({"a": 1}, 0)
    with pytest.raises(ValueError, match="negative"):
        protect({"a": -1, "b": 20}, 10)


def possible_values(result: ProtectedCounts, counts: dict[str, int], label: str,
                    k: int) -> set[int]:
    """Every value cell ``label`` could have, by brute force over what a reader knows."""
    assert result.total.value is not None
    hidden = [c.label for c in result.cells if not c.published]
    rest = result.total.value - sum(c.value or 0 for c in result.cells if c.published)
    everything = all(c.shown is Shown.HIDDEN for c in result.cells)

    def bounds(name: str) -> range:
        if everything:
            return range(0, rest + 1)
        shown_as = next(c.shown for c in result.cells if c.label == name)
        return range(1, k) if shown_as is Shown.SMALL else range(k, rest + 1)

    def fits(names: list[str], left: int) -> bool:
        if not names:
            return left == 0
        return any(fits(names[1:], left - v) for v in bounds(names[0]) if v <= left)

    others = [name for name in hidden if name != label]
    return {v for v in bounds(label) if fits(others, rest - v)}


@settings(max_examples=300, deadline=None)
@given(counts=st.dictionaries(st.sampled_from("abcde"), st.integers(0, 40), min_size=1,
                              max_size=5), k=st.integers(3, 11))
def test_no_small_count_is_published_or_can_be_worked_out(counts: dict[str, int],
                                                           k: int) -> None:
    result = protect(counts, k)
    for cell in result.cells:
        assert not (cell.published and cell.value and cell.value < k)
    if not result.total.published:
        assert 0 < sum(counts.values()) < k
        return
    assert result.total.value == sum(counts.values())
    for label, count in counts.items():
        if 0 < count < k:
            values = possible_values(result, counts, label, k)
            assert count in values and len(values) >= needed(k), (label, values)
