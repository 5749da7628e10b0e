"""The transparency report as pages (Markdown and HTML) with its PNG charts, written to a
folder all at once.

Everything shown comes from a :class:`TransparencyReport`, which holds published
(suppressed) values only; labels are the Code's clause titles, automod rule names and
fixed words, escaped all the same. The folder is written beside its destination under a
temporary name and renamed into place when complete, so a failure leaves nothing
half-written.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from pathlib import Path

from bot.core.errors import InvalidInput
from bot.core.rules.disclosure import Cell, Shown
from bot.core.services.transparency import Table, TransparencyReport
from bot.records.report_charts import automod_chart, table_chart

FORMATS = ("md", "html")


@dataclass(frozen=True, slots=True)
class Chart:
    name: str  # file name under charts/
    title: str
    png: bytes


def shown(cell: Cell, min_cell: int) -> str:
    """A cell as the reader sees it."""
    if cell.shown is Shown.SMALL:
        return f"fewer than {min_cell}"
    if cell.shown is Shown.HIDDEN:
        return "not shown"
    return str(cell.value)


def rule_text(min_cell: int) -> str:
    return (f"No count that could point at a person is published: counts from 1 to "
            f"{min_cell - 1} are shown as \u201cfewer than {min_cell}\u201d, and where a "
            "total would let such a count be worked out from the others, more counts are "
            "\u201cnot shown\u201d too. Incidents staff reversed as mistakes are not counted.")


def period_text(report: TransparencyReport) -> str:
    last = (report.end - timedelta(days=1)).date()
    return (f"1 January {report.year} to {last:%d %B %Y} ({report.timezone}); "
            f"generated {report.generated_at:%Y-%m-%d}.")


def median_text(report: TransparencyReport) -> str:
    hours = report.response.median_hours
    if hours is None:
        return (f"Median time to the first response: not published (fewer than "
                f"{report.min_cell} reports were answered).")
    return f"Median time to the first response: {hours:.1f} hours."


def charts_of(report: TransparencyReport) -> list[Chart]:
    found = []
    for table in (*report.tables, report.response.table):
        png = table_chart(table)
        if png is not None:
            found.append(Chart(f"{table.key}.png", table.title, png))
    png = automod_chart(report.automod)
    if png is not None:
        found.append(Chart("automod_reversals.png", "Automod detections reversed by staff",
                           png))
    return found


def _md(text: str) -> str:
    """Markdown-safe text: markup characters escaped, no line breaks, no raw HTML."""
    flat = " ".join(str(text).split())
    for char in "\\`*_{}[]<>#|":
        flat = flat.replace(char, "\\" + char)
    return flat


def _md_table(table: Table, k: int, chart: str | None) -> list[str]:
    lines = [f"## {_md(table.title)}", ""]
    if table.note:
        lines += [_md(table.note), ""]
    lines += ["| | count |", "|---|---:|"]
    lines += [f"| {_md(c.label)} | {shown(c, k)} |" for c in table.counts.cells]
    lines += [f"| **total** | **{shown(table.counts.total, k)}** |", ""]
    if chart:
        lines += [f"![{_md(table.title)}](charts/{chart})", ""]
    return lines


def markdown(report: TransparencyReport, organization: str, charts: Iterable[Chart]) -> str:
    names = {chart.name for chart in charts}
    k = report.min_cell

    def chart(table: Table) -> str | None:
        return f"{table.key}.png" if f"{table.key}.png" in names else None

    lines = [f"# Transparency report {report.year}: {_md(organization)}", "",
             _md(period_text(report)), "", _md(rule_text(k)), ""]
    for table in report.tables:
        lines += _md_table(table, k, chart(table))
    lines += _md_table(report.response.table, k, chart(report.response.table))
    lines += [_md(median_text(report)), "", "## Automod", "",
              "| rule | detections | reversed by staff | reversal rate |", "|---|---:|---:|---:|"]
    lines += [f"| {_md(row.rule)} | {shown(row.detections, k)} | {shown(row.reversed, k)} | "
              f"{_rate(row.rate)} |" for row in report.automod]
    detections, reversed_ = report.automod_totals
    lines += [f"| **total** | **{shown(detections, k)}** | **{shown(reversed_, k)}** | |", ""]
    if "automod_reversals.png" in names:
        lines += ["![Automod detections reversed by staff](charts/automod_reversals.png)", ""]
    return "\n".join(lines)


def _rate(rate: float | None) -> str:
    return "not shown" if rate is None else f"{rate:.0%}"


_STYLE = """body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}td.n{text-align:right}
th{background:#f4f4f4}.muted{color:#555}img{max-width:100%;margin:.5rem 0}"""


def _html_rows(cells: Iterable[tuple[str, ...]], total: tuple[str, ...]) -> str:
    rows = ["<tr><td>" + escape(first) + "</td>" +
            "".join(f'<td class="n">{escape(v)}</td>' for v in rest) + "</tr>"
            for first, *rest in cells]
    rows.append("<tr><th>" + escape(total[0]) + "</th>" +
                "".join(f'<th class="n">{escape(v)}</th>' for v in total[1:]) + "</tr>")
    return "".join(rows)


def _img(chart: Chart | None) -> str:
    if chart is None:
        return ""
    data = base64.b64encode(chart.png).decode("ascii")
    return f'<img alt="{escape(chart.title)}" src="data:image/png;base64,{data}">'


def html_page(report: TransparencyReport, organization: str, charts: Iterable[Chart]) -> str:
    """One self-contained page: charts embedded, no script, no external file."""
    by_name = {chart.name: chart for chart in charts}
    k = report.min_cell
    parts = [f"<h1>Transparency report {report.year}: {escape(organization)}</h1>",
             f"<p>{escape(period_text(report))}</p>",
             f'<p class="muted">{escape(rule_text(k))}</p>']
    for table in (*report.tables, report.response.table):
        parts.append(f"<h2>{escape(table.title)}</h2>")
        if table.note:
            parts.append(f'<p class="muted">{escape(table.note)}</p>')
        parts.append("<table><tr><th></th><th>count</th></tr>" + _html_rows(
            ((c.label, shown(c, k)) for c in table.counts.cells),
            ("total", shown(table.counts.total, k))) + "</table>")
        parts.append(_img(by_name.get(f"{table.key}.png")))
    parts.append(f"<p>{escape(median_text(report))}</p><h2>Automod</h2>")
    detections, reversed_ = report.automod_totals
    parts.append("<table><tr><th>rule</th><th>detections</th><th>reversed by staff</th>"
                 "<th>reversal rate</th></tr>" + _html_rows(
                     ((row.rule, shown(row.detections, k), shown(row.reversed, k),
                       _rate(row.rate)) for row in report.automod),
                     ("total", shown(detections, k), shown(reversed_, k), "")) + "</table>")
    parts.append(_img(by_name.get("automod_reversals.png")))
    title = escape(f"Transparency report {report.year}: {organization}")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{_STYLE}</style></head><body>\n"
            + "\n".join(part for part in parts if part) + "\n</body></html>\n")


def write_report(report: TransparencyReport, organization: str, folder: Path,
                 formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write ``transparency-<year>.md``/``.html`` and ``charts/*.png`` into ``folder``
    (which must not exist, or be empty), all or nothing; returns the files written."""
    folder = folder.expanduser()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InvalidInput(f"{folder} already exists and is not an empty folder; choose a "
                           "new one so no earlier report is overwritten.")
    charts = charts_of(report)
    pages: dict[str, Callable[[], str]] = {
        "md": lambda: markdown(report, organization, charts),
        "html": lambda: html_page(report, organization, charts)}
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        (staging / "charts").mkdir()
        for chart in charts:
            (staging / "charts" / chart.name).write_bytes(chart.png)
        for fmt in formats:
            (staging / f"transparency-{report.year}.{fmt}").write_text(pages[fmt](),
                                                                      encoding="utf-8")
        with contextlib.suppress(FileNotFoundError):
            folder.rmdir()  # an empty folder given as the destination
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(path for path in folder.rglob("*") if path.is_file())
