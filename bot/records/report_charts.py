"""The transparency report's charts: one PNG bar chart per table, drawn with matplotlib's
Agg canvas (no display, no global pyplot state, safe in a server process).

A chart is drawn from a published :class:`~bot.core.services.transparency.Table` only, so
it shows what the page shows: hidden cells are left out and counted in the caption,
never drawn at some height that would give their value away.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.core.services.transparency import AutomodRow, Table

_COLOUR = "#2f5d8a"
_WIDTH_INCHES = 7.0


def _bars(title: str, labels: Sequence[str], values: Sequence[float], caption: str,
          x_label: str, shown_as: Callable[[float], str] = "{:g}".format) -> bytes:
    height = 1.2 + 0.45 * max(len(labels), 1)
    figure = Figure(figsize=(_WIDTH_INCHES, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.barh(positions, values, color=_COLOUR)
    axes.set_yticks(positions, labels=[_short(label) for label in labels])
    axes.invert_yaxis()  # the table's order, top to bottom
    axes.set_title(title, fontsize=11, loc="left")
    axes.set_xlabel(x_label)
    axes.spines[["top", "right"]].set_visible(False)
    for position, value in zip(positions, values, strict=True):
        axes.annotate(shown_as(value), (value, position), xytext=(3, 0),
                      textcoords="offset points", va="center", fontsize=9)
    if caption:
        figure.text(0.01, 0.0, caption, fontsize=8, color="#555555", va="bottom")
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _short(label: str, limit: int = 48) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def counts_chart(title: str, counts: Mapping[str, int]) -> bytes | None:
    """Counts as bars, largest first (the monthly digest's chart, for the committee's
    private channel); None when every count is zero."""
    shown = sorted(((label, n) for label, n in counts.items() if n), key=lambda c: (-c[1], c[0]))
    if not shown:
        return None
    return _bars(title, [label for label, _ in shown], [float(n) for _, n in shown], "",
                 "count")


def table_chart(table: Table) -> bytes | None:
    """A bar per published, non-zero cell; None when there is none to draw."""
    shown = [(c.label, c.value) for c in table.counts.cells if c.published and c.value]
    hidden = sum(1 for c in table.counts.cells if not c.published)
    if not shown:
        return None
    caption = (f"{hidden} categor{'y' if hidden == 1 else 'ies'} not shown (small counts "
               "are suppressed)." if hidden else "")
    return _bars(table.title, [label for label, _ in shown],
                 [float(value) for _, value in shown if value is not None], caption, "count")


def automod_chart(rows: Sequence[AutomodRow]) -> bytes | None:
    """Each rule's reversal rate, for the rules whose counts are both published."""
    rated = [(row.rule, rate) for row in rows if (rate := row.rate) is not None]
    if not rated:
        return None
    hidden = len(rows) - len(rated)
    caption = (f"{hidden} rule{'' if hidden == 1 else 's'} not shown (small counts are "
               "suppressed)." if hidden else "")
    return _bars("Automod detections reversed by staff", [rule for rule, _ in rated],
                 [rate for _, rate in rated], caption, "share of detections reversed",
                 "{:.0%}".format)
