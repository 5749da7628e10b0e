"""The hot reads use the index chosen for them and never sort records in a temporary B-tree.

Each test runs the real service (``/history``, the monthly digest, the yearly automod
figures) against SQLite with a few records of every kind, records every statement it sends,
and asks SQLite for the plan of each (``EXPLAIN QUERY PLAN``). The plans do not depend on
how many rows there are (no ``ANALYZE`` statistics are kept), so a handful of records
checks what a million would get; ``benchmarks/growth.py`` measures the times.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.identity import PlaceRef, PlatformName
from bot.core.models import (
    Appeal,
    Case,
    CaseOrigin,
    Incident,
    IncidentKind,
    Report,
    ReportStatus,
    Sanction,
    SanctionScope,
    Severity,
)
from bot.core.services.digest import build_digest, month_before
from bot.core.statistics import Measure
from storage._statistics import AUTOMOD_BY_RULE, MINOR_BY_CHANNEL, MINOR_BY_CLAUSE, TALLIES
from storage.sqlite import SqliteStorage
from tests.core.harness import STAFF, Harness, person
from tests.storage.query_plans import Plan, Recorder, recording

SUBJECT = person(5)
CHANNEL = PlaceRef(PlatformName.DISCORD, "100", "700")


def _incident(n: int, at: datetime, **fields: object) -> Incident:
    values: dict[str, object] = {
        "id": f"I-{n}", "subject": SUBJECT, "kind": IncidentKind.REMOVAL,
        "clause_id": "no-hate", "severity": Severity.MINOR, "created_at": at,
        "automated": True, "channel": CHANNEL, "rule_id": "insults", **fields}
    return Incident(**values)  # type: ignore[arg-type]


@pytest.fixture
async def seeded(harness: Harness, clock: FakeClock) -> Harness:
    now = clock.now()
    async with harness.storage.transaction() as tx:
        for n in range(6):
            at = now - timedelta(days=n * 5)
            await tx.insert(_incident(n, at, reversed_at=at if n == 2 else None,
                                      rule_id=("insults", "flood")[n % 2]))
        await tx.insert(_incident(9, now, automated=False, rule_id=None,
                                  severity=Severity.SERIOUS))
        await tx.insert(Report(id="R-1", reporter=SUBJECT, anonymous=False, reason="r",
                               created_at=now, due_at=now - timedelta(days=1),
                               status=ReportStatus.DISMISSED_BAD_FAITH))
        await tx.insert(Report(id="R-2", reporter=person(6), anonymous=False, reason="r",
                               created_at=now, due_at=now - timedelta(days=1)))
        await tx.insert(Sanction(id="S-1", subject=SUBJECT, scope=SanctionScope.SPACE,
                                 starts_at=now, reason="r", clause_id="no-hate",
                                 interim=False, automated=False,
                                 ends_at=now + timedelta(days=3)))
        await tx.insert(Case(id="C-1", subject=SUBJECT, summary="s",
                             origin=CaseOrigin.STAFF, severity=Severity.SERIOUS,
                             opened_at=now))
        await tx.insert(Appeal(id="P-1", case_id="C-1", appellant=SUBJECT, reason="r",
                               filed_at=now))
    return harness


def _store(harness: Harness) -> SqliteStorage:
    assert isinstance(harness.storage, SqliteStorage)
    return harness.storage


PARTIAL_DAY = ("SEARCH incidents USING COVERING INDEX incidents_period "
               "(created_at>? AND created_at<?)")


def assert_no_sort(recorder: Recorder) -> None:
    """No record is sorted or read outside its range. Two reads may group in a temporary
    B-tree, because what they sort is bounded whatever the history's length: the per-day
    tallies of a period (a year is 366 x the labels: ``tallies_read_by_range``) and the
    incidents of a period's partial first or last day (``PARTIAL_DAY``: a day at most)."""
    assert recorder.plans, "nothing was read"
    for plan in recorder.plans:
        text = plan.text
        if plan.tables() == {TALLIES} or PARTIAL_DAY in text:
            text = text.replace("USE TEMP B-TREE FOR GROUP BY", "")
        assert "TEMP B-TREE" not in text, f"{plan.sql}\n{plan.text}"
        assert "SCAN " not in plan.text.replace("SCAN CONSTANT ROW", ""), (
            f"a whole table or index is read:\n{plan.sql}\n{plan.text}")


def tallies_read_by_range(recorder: Recorder, measures: set[str]) -> None:
    """Each measure's whole days are one range of the tallies' key: that measure, those days."""
    plans = recorder.reads_of(TALLIES)
    assert {m for p in plans for m in measures if f"'{m}'" in p.sql} == measures
    for plan in plans:
        assert "USING PRIMARY KEY (measure=? AND day>? AND day<?)" \
            in plan.text, f"{plan.sql}\n{plan.text}"


def partial_days_read_by_range(recorder: Recorder, count: int) -> None:
    """The incidents are read for the partial days only, from the covering index alone."""
    plans = recorder.reads_of("incidents")
    assert len(plans) == count
    for plan in plans:
        assert plan.text.startswith(PARTIAL_DAY), f"{plan.sql}\n{plan.text}"


def uses(plans: list[Plan], index: str) -> None:
    assert plans, f"no statement read the table {index} indexes"
    for plan in plans:
        assert f"INDEX {index} " in plan.text + " ", f"{plan.sql}\n{plan.text}"


async def test_history_reads_each_record_kind_in_index_order(seeded: Harness) -> None:
    async with recording(_store(seeded)) as recorder:
        history = await seeded.services.people.history(STAFF, SUBJECT)
    assert len(history.incidents) == 7 and history.bad_faith_reports == 1
    assert_no_sort(recorder)
    uses(recorder.reads_of("incidents"), "incidents_subject")
    uses(recorder.reads_of("sanctions"), "sanctions_subject_starts")
    uses(recorder.reads_of("cases"), "cases_subject_opened")
    uses(recorder.reads_of("appeals"), "appeals_appellant")
    # The bad-faith count: on the reporter, not on every dismissed report of everyone.
    [count] = recorder.reads_of("reports")
    assert "COVERING INDEX reports_reporter_status (reporter=? AND status=?)" in count.text


async def test_the_digest_counts_by_index_ranges_and_lists_in_index_order(
        seeded: Harness, clock: FakeClock) -> None:
    end = clock.now() + timedelta(seconds=1)
    async with recording(_store(seeded)) as recorder:
        digest = await build_digest(seeded.ctx, month_before(end), end)
    assert digest.minor_by_clause == {"no-hate": 5}  # one reversed, one serious
    assert digest.rule_reversals == {"insults": (3, 1), "flood": (3, 0)}
    assert digest.overdue_reports == ["R-2"] and digest.ending_soon == ["S-1"]
    assert_no_sort(recorder)
    # The month's whole days come from the tallies; its partial first and last days from
    # the incidents, each a range of the covering index: 3 measures x 2 ends.
    tallies_read_by_range(recorder, {MINOR_BY_CLAUSE, MINOR_BY_CHANNEL, AUTOMOD_BY_RULE})
    partial_days_read_by_range(recorder, 6)
    uses(recorder.reads_of("cases"), "cases_status")
    uses(recorder.reads_of("appeals"), "appeals_status")
    uses(recorder.reads_of("reports"), "reports_status_due")
    uses(recorder.reads_of("sanctions"), "sanctions_status_ends")
    uses(recorder.reads_of("appointments"), "appointments_office")


async def test_a_years_reversal_figures_read_no_incident_outside_the_year(
        seeded: Harness, clock: FakeClock) -> None:
    end = clock.now() + timedelta(seconds=1)
    start = end - timedelta(days=365)
    async with recording(_store(seeded)) as recorder, seeded.storage.transaction() as tx:
        rules = await tx.statistics.automod_reversals(start, end)
    assert [(r.rule, r.detections, r.reversed) for r in rules] == [
        ("flood", 3, 0), ("insults", 3, 1)]
    assert_no_sort(recorder)
    tallies_read_by_range(recorder, {AUTOMOD_BY_RULE})
    partial_days_read_by_range(recorder, 2)


PERIOD_INDEXES = {"incidents": "incidents_period", "reports": "reports_period",
                  "sanctions": "sanctions_period", "cases": "cases_period",
                  "motions": "motions_period", "appeals": "appeals_period"}


async def test_the_yearly_report_counts_read_only_the_years_index_range(
        seeded: Harness, clock: FakeClock) -> None:
    """``coc-bot report --year``: each grouped count reads the period's range of a covering
    index and nothing else: no table row, no sort in a temporary B-tree."""
    end = clock.now() + timedelta(seconds=1)
    start = end - timedelta(days=365)
    async with recording(_store(seeded)) as recorder, seeded.storage.transaction() as tx:
        found = {m: await tx.statistics.count_by(m, start, end) for m in Measure}
    assert found[Measure.INCIDENTS_BY_CLAUSE] == {"no-hate": 6}  # one reversed
    assert found[Measure.INCIDENTS_BY_PLATFORM] == {"discord": 6}
    assert found[Measure.REPORTS_BY_OUTCOME] == {"dismissed_bad_faith": 1, "open": 1}
    assert found[Measure.SUSPENSIONS_BY_LENGTH] == {"over 1 day, up to 7 days": 1}
    assert found[Measure.SUSPENSIONS_BY_ORIGIN] == {"by staff": 1}
    assert found[Measure.CASES_BY_ORIGIN] == {"staff": 1}
    assert found[Measure.APPEALS_BY_OUTCOME] == {"pending": 1}
    assert found[Measure.MOTIONS_BY_RESULT] == {}
    assert_no_sort(recorder)
    assert len(recorder.plans) == len(Measure)
    for table, index in PERIOD_INDEXES.items():
        plans = recorder.reads_of(table)
        uses(plans, index)
        for plan in plans:
            assert "COVERING INDEX" in plan.text and ">? AND " in plan.text, plan.text


async def test_a_period_before_any_record_counts_nothing(seeded: Harness) -> None:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    async with seeded.storage.transaction() as tx:
        minor = await tx.statistics.minor_incidents(start, start + timedelta(days=31))
        rules = await tx.statistics.automod_reversals(start, start + timedelta(days=365))
    assert minor.by_clause == {} and minor.by_channel == {} and rules == []
