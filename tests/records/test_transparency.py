"""The transparency report: exact figures from a seeded year, suppression of small cells,
real PNG charts, pages free of anyone's id or words, and a clear refusal for a year with
no data (nothing written)."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from matplotlib import image as mpimg

from bot.core.clock import FakeClock
from bot.core.errors import NotFound
from bot.core.models import AuditEntry
from bot.core.rules.disclosure import Cell, Shown
from bot.core.statistics import FirstResponse, LengthBand, Measure, RuleReversalCount
from bot.core.statistics import SuspensionOrigin as Origin
from bot.records.report_page import write_report
from storage import open_migrated
from tests.core.harness import TEST_SEAL_KEY, Harness, build_harness
from tests.records.conftest import cli
from tests.records.transparency_seed import END, SECRET_TEXT, START, Seed, seed_year

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HATE = "no-hate: No insults, attacks, microaggressions or hate"
HARASSMENT = "no-harassment: No harassment"
REPETITION = "no-unsolicited-repetition: No unsolicited or repetitive messages"


@dataclass
class Year:
    url: str
    seed: Seed
    harness: Harness

    @property
    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url, "COC_BOT_SEAL_KEYS": TEST_SEAL_KEY}


@pytest.fixture(params=["sqlite", "postgresql"])
def year_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same aggregates, in the same SQL, on both databases."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'coc.db'}"


@pytest.fixture
async def year(year_url: str) -> AsyncIterator[Year]:
    storage = await open_migrated(year_url)
    harness = await build_harness(FakeClock(datetime(2027, 1, 10, 15, 0, tzinfo=UTC)),
                                  storage)
    seed = await seed_year(storage)
    try:
        yield Year(year_url, seed, harness)
    finally:
        await storage.close()


async def test_the_sql_aggregates_match_the_seeded_year_exactly(year: Year) -> None:
    async with year.harness.storage.transaction() as tx:
        stats = tx.statistics
        found = {m: await stats.count_by(m, START, END) for m in Measure}
        first = await stats.first_response(START, END)
        rules = await stats.automod_reversals(START, END)
    assert found == {
        Measure.REPORTS_BY_OUTCOME: {"dismissed": 12, "actioned": 15, "escalated": 3,
                                     "dismissed_bad_faith": 2, "triaged": 11},
        Measure.INCIDENTS_BY_CLAUSE: {"no-hate": 15, "no-unsolicited-repetition": 12,
                                      "no-harassment": 4},
        Measure.INCIDENTS_BY_PLATFORM: {"discord": 19, "slack": 12},
        Measure.INCIDENTS_BY_KIND: {"removal": 27, "warning": 4},
        Measure.SUSPENSIONS_BY_LENGTH: {LengthBand.DAY: 10, LengthBand.WEEK: 12,
                                        LengthBand.MONTH: 11, LengthBand.PERMANENT: 3},
        Measure.SUSPENSIONS_BY_ORIGIN: {Origin.INTERIM: 11, Origin.COMMITTEE: 3,
                                        Origin.STAFF: 22},
        Measure.CASES_BY_ORIGIN: {"report": 3, "staff": 2},
        Measure.CASES_BY_STATUS: {"final": 3, "open": 2},
        Measure.MOTIONS_BY_RESULT: {"carried": 2, "overruled": 1},
        Measure.APPEALS_BY_OUTCOME: {"upheld": 1},
    }
    # The first response is the earliest handling (10 were triaged at 2 h, closed at 100 h).
    assert first == FirstResponse(received=43, answered=43, within_promise=30,
                                  median_seconds=7200.0)
    assert rules == [RuleReversalCount("slurs", 20, 5), RuleReversalCount("spam", 12, 0)]


def _cells(report_table: object) -> dict[str, str]:
    from bot.core.services.transparency import Table

    assert isinstance(report_table, Table)
    return {c.label: _show(c) for c in (*report_table.counts.cells, report_table.counts.total)}


def _show(cell: Cell) -> str:
    return str(cell.value) if cell.published else cell.shown.value


async def test_published_figures_suppress_small_cells_and_their_complements(
        year: Year) -> None:
    report = await year.harness.services.transparency.year(2026, "test")
    assert _cells(report.table("reports")) == {
        "not yet answered": "0", "being handled": "hidden", "action taken by staff": "15",
        "referred to the committee": "small", "dismissed": "12",
        "dismissed as made in bad faith": "small", "total": "43"}
    by_clause = _cells(report.table("incidents_by_clause"))
    assert {label: shown for label, shown in by_clause.items() if shown != "0"} == {
        HATE: "15", REPETITION: "hidden", HARASSMENT: "small", "total": "31"}
    assert _cells(report.table("incidents_by_platform")) == {
        "Discord": "19", "Slack": "12", "other": "0", "total": "31"}
    assert _cells(report.table("suspensions_by_length")) == {
        LengthBand.DAY: "hidden", LengthBand.WEEK: "hidden", LengthBand.MONTH: "hidden",
        LengthBand.LONGER: "0", LengthBand.PERMANENT: "small", "total": "36"}
    assert _cells(report.table("decisions")) == {
        "carried": "small", "failed": "0", "overruled by legal counsel": "small",
        "total": "small"}
    assert _cells(report.response.table) == {
        "answered by the end of the next business day": "30", "answered later": "13",
        "not answered": "0", "total": "43"}
    assert report.response.median_hours == 2.0
    slurs, spam = report.automod
    assert slurs.detections.value == 20 and slurs.reversed.shown is Shown.SMALL
    assert slurs.rate is None and spam.rate == 0.0
    async with year.harness.storage.transaction() as tx:
        assert await tx.count(AuditEntry, action="transparency.report", subject_id="2026") == 1


async def test_no_hidden_cell_can_be_worked_out_from_its_total(year: Year) -> None:
    """In every table: the hidden cells are two or more, and no published cell is small."""
    report = await year.harness.services.transparency.year(2026, "test")
    k = report.min_cell
    for table in (*report.tables, report.response.table):
        cells = table.counts.cells
        hidden = [c for c in cells if not c.published]
        assert all(c.value == 0 or c.value is None or c.value >= k for c in cells), table.key
        if table.counts.total.published:
            assert len(hidden) != 1, table.key


async def test_cli_writes_pages_and_valid_png_charts_with_no_personal_data(
        year: Year, tmp_path: Path) -> None:
    out = tmp_path / "published"
    result = cli("report", "--year", "2026", "--out", str(out), env=year.env)
    assert result.returncode == 0, result.stderr
    markdown = (out / "transparency-2026.md").read_text(encoding="utf-8")
    page = (out / "transparency-2026.html").read_text(encoding="utf-8")
    assert "| action taken by staff | 15 |" in markdown
    assert "| referred to the committee | fewer than 10 |" in markdown
    assert "| being handled | not shown |" in markdown
    assert "Median time to the first response: 2.0 hours." in markdown
    assert "<td>referred to the committee</td><td class=\"n\">fewer than 10</td>" in page
    charts = sorted((out / "charts").glob("*.png"))
    assert {c.name for c in charts} >= {"reports.png", "incidents_by_platform.png",
                                        "first_response.png", "automod_reversals.png"}
    for chart in charts:
        data = chart.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 1000, chart.name
        pixels = mpimg.imread(io.BytesIO(data), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100
        assert chart.name in markdown
    _assert_nothing_personal(year.seed, [markdown, page, *(c.read_bytes().decode("latin-1")
                                                          for c in charts)])


def _assert_nothing_personal(seed: Seed, texts: list[str]) -> None:
    needles = {SECRET_TEXT, "C0SEEDCHANNEL", "T0SEED", "R-SEED", "I-SEED", "S-SEED",
               "C-SEED", "M-SEED", "A-SEED"}
    for person in seed.people:
        needles |= {person.id, person.key}
    for text in texts:
        for needle in needles:
            assert needle not in text, needle
        assert not re.search(r"\b7\d{9}\b", text)  # any seeded Discord user id


async def test_a_year_with_no_data_is_refused_and_nothing_is_written(
        year: Year, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="Nothing was recorded in 2024"):
        await year.harness.services.transparency.year(2024, "test")
    out = tmp_path / "empty"
    result = cli("report", "--year", "2024", "--out", str(out), env=year.env)
    assert result.returncode == 1 and "Nothing was recorded in 2024" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and _leftovers(tmp_path) == []


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".empty")]


async def test_an_existing_folder_is_never_overwritten(year: Year, tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    result = cli("report", "--year", "2026", "--out", str(out), env=year.env)
    assert result.returncode == 1 and "already exists" in result.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    async with year.harness.storage.transaction() as tx:
        assert await tx.count(AuditEntry, action="transparency.report") == 0


async def test_a_failed_write_leaves_no_half_written_folder(year: Year, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            ) -> None:
    report = await year.harness.services.transparency.year(2026, "test")

    def broken(*args: object) -> str:
        raise OSError("disk full")

    monkeypatch.setattr("bot.records.report_page.html_page", broken)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(OSError, match="disk full"):
        write_report(report, "Org", out / "partial")
    assert list(out.iterdir()) == []


async def test_a_smaller_threshold_publishes_more(tmp_path: Path) -> None:
    from dataclasses import replace

    storage = await open_migrated(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        harness = await build_harness(FakeClock(datetime(2027, 1, 10, tzinfo=UTC)), storage)
        harness.ctx.policy = replace(harness.ctx.policy, report_min_cell=3)
        await seed_year(storage)
        report = await harness.services.transparency.year(2026, "test")
        assert _cells(report.table("suspensions_by_length")) == {
            LengthBand.DAY: "10", LengthBand.WEEK: "12", LengthBand.MONTH: "11",
            LengthBand.LONGER: "0", LengthBand.PERMANENT: "3", "total": "36"}
    finally:
        await storage.close()
