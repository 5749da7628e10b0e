"""Small-cell suppression: no published count may point at a person.

The usual public-statistics rule. A count from 1 to ``min_cell - 1`` is not published
("fewer than 10": *primary* suppression). A table also publishes its total, so a hidden
cell could be worked out as the total minus the others: more cells are hidden
(*secondary* suppression, "not shown"), the smallest first, until a reader who knows the
rule (a small cell is 1 to ``min_cell - 1``, a cell hidden with it is at least
``min_cell``, the hidden cells add up to the total minus the published ones) could still
put each small cell at any of at least half the values from 1 to ``min_cell - 1`` (and
never fewer than two). :func:`feasible` is that reader's count.

If hiding every non-zero cell is not enough, every cell of the table, zeros included, is
"not shown" alike, so nobody can tell which were small or empty. A total under
``min_cell`` is itself "fewer than", and with it every non-zero cell. Otherwise the total
is always published, and the rule is a pure function of the counts: tables that share a
total (one year's incidents by clause and by platform) never disagree about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Shown(StrEnum):
    VALUE = "value"
    SMALL = "small"  # primary: 1 .. min_cell - 1
    HIDDEN = "hidden"  # secondary: hidden so a small cell cannot be derived


@dataclass(frozen=True, slots=True)
class Cell:
    """One published count: ``value`` is None unless ``shown`` is ``VALUE``."""

    label: str
    shown: Shown
    value: int | None

    @property
    def published(self) -> bool:
        return self.shown is Shown.VALUE


@dataclass(frozen=True, slots=True)
class ProtectedCounts:
    cells: tuple[Cell, ...]  # in the order the counts were given
    total: Cell


def _small(count: int, min_cell: int) -> bool:
    return 0 < count < min_cell


def needed(min_cell: int) -> int:
    """How many values each small cell must still be able to take."""
    return max(2, min_cell // 2)


def feasible(hidden_sum: int, small: int, secondary: int, min_cell: int) -> int:
    """How many values (1 .. min_cell - 1) one of ``small`` small cells could take, to a
    reader who knows the hidden cells add up to ``hidden_sum`` and that each of the
    ``secondary`` others hidden with them is at least ``min_cell``."""
    others_low = (small - 1) + secondary * min_cell
    others_high = (small - 1) * (min_cell - 1) if secondary == 0 else hidden_sum
    low = max(1, hidden_sum - others_high)
    high = min(min_cell - 1, hidden_sum - others_low)
    return max(0, high - low + 1)


def _safe(hidden: Mapping[str, int], small: set[str], min_cell: int) -> bool:
    if not hidden:
        return True
    secondary = len(set(hidden) - small)
    return len(hidden) >= 2 and feasible(sum(hidden.values()), len(small), secondary,
                                         min_cell) >= needed(min_cell)


def protect(counts: Mapping[str, int], min_cell: int, total_label: str = "total",
            ) -> ProtectedCounts:
    """Apply primary and secondary suppression to one table of counts and its total."""
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    total = sum(counts.values())
    if any(count < 0 for count in counts.values()):
        raise ValueError("counts cannot be negative")
    if _small(total, min_cell):
        return ProtectedCounts(
            tuple(Cell(label, Shown.SMALL, None) if count else Cell(label, Shown.VALUE, 0)
                  for label, count in counts.items()),
            Cell(total_label, Shown.SMALL, None))
    small = {label for label, count in counts.items() if _small(count, min_cell)}
    hidden = {label: counts[label] for label in small}
    candidates = sorted((count, label) for label, count in counts.items()
                        if count and label not in small)
    while not _safe(hidden, small, min_cell) and candidates:
        count, label = candidates.pop(0)
        hidden[label] = count
    everything = not _safe(hidden, small, min_cell)  # no cell left to hide with them

    def shown(label: str, count: int) -> Cell:
        if everything:
            return Cell(label, Shown.HIDDEN, None)
        if label not in hidden:
            return Cell(label, Shown.VALUE, count)
        return Cell(label, Shown.SMALL if label in small else Shown.HIDDEN, None)

    return ProtectedCounts(tuple(shown(label, count) for label, count in counts.items()),
                           Cell(total_label, Shown.VALUE, total))
