"""The yearly transparency report: what the committee can publish about a year's work.

"A transparent, standardized process": reports received and how they ended, incidents by
clause of the Code and by platform, suspensions by length, cases, the committee's
decisions and counsel's overrules, appeals, how fast staff first answered reports against
the "next business day" promise, and how often staff reversed automod. The figures come
from the store's SQL aggregates (``Tx.statistics``), read in one transaction, and pass
through small-cell suppression (``bot.core.rules.disclosure``) before anything leaves
this module: a :class:`TransparencyReport` holds published values only, so no page or
chart drawn from it can show a count that points at a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from bot.core.code_text import ClauseSection
from bot.core.errors import InvalidInput, NotFound
from bot.core.identity import PlatformName
from bot.core.models import (
    AppealStatus,
    CaseOrigin,
    CaseStatus,
    IncidentKind,
    MotionStatus,
    ReportStatus,
)
from bot.core.ports import Tx
from bot.core.rules.disclosure import Cell, ProtectedCounts, Shown, protect
from bot.core.services._context import UNNAMED, Context, audit
from bot.core.statistics import FirstResponse, LengthBand, Measure, SuspensionOrigin

REPORT_OUTCOMES = {
    ReportStatus.OPEN.value: "not yet answered", ReportStatus.TRIAGED.value: "being handled",
    ReportStatus.ACTIONED.value: "action taken by staff",
    ReportStatus.ESCALATED.value: "referred to the committee",
    ReportStatus.DISMISSED.value: "dismissed",
    ReportStatus.DISMISSED_BAD_FAITH.value: "dismissed as made in bad faith"}
INCIDENT_KINDS = {IncidentKind.REMOVAL.value: "content removed",
                  IncidentKind.REDACTION.value: "content redacted",
                  IncidentKind.WARNING.value: "warning", IncidentKind.ALERT.value: "alert"}
CASE_ORIGINS = {CaseOrigin.REPORT.value: "from a report",
                CaseOrigin.INCIDENT.value: "from an incident",
                CaseOrigin.ESCALATION.value: "repeated minor incidents",
                CaseOrigin.STAFF.value: "opened by staff"}
CASE_STATUSES = {CaseStatus.OPEN.value: "still open",
                 CaseStatus.DECIDED.value: "decided, appeal window running",
                 CaseStatus.APPEALED.value: "under appeal", CaseStatus.FINAL.value: "final",
                 CaseStatus.CLOSED.value: "closed without a decision"}
MOTION_RESULTS = {MotionStatus.CARRIED.value: "carried", MotionStatus.FAILED.value: "failed",
                  MotionStatus.OVERRULED.value: "overruled by legal counsel"}
APPEAL_OUTCOMES = {AppealStatus.PENDING.value: "pending", AppealStatus.UPHELD.value: "upheld",
                   AppealStatus.MODIFIED.value: "decision modified",
                   AppealStatus.OVERTURNED.value: "decision overturned"}
PLATFORMS = {**{p.value: p.value.capitalize() for p in PlatformName}, "other": "other"}


@dataclass(frozen=True, slots=True)
class Table:
    """One published table: ``key`` names its chart file, ``counts`` its suppressed cells."""

    key: str
    title: str
    counts: ProtectedCounts
    note: str = ""


@dataclass(frozen=True, slots=True)
class AutomodRow:
    rule: str
    detections: Cell
    reversed: Cell

    @property
    def rate(self) -> float | None:
        """Reversed per detection, only when both counts are published."""
        if self.detections.value and self.reversed.published and self.reversed.value is not None:
            return self.reversed.value / self.detections.value
        return None


@dataclass(frozen=True, slots=True)
class Response:
    """First responses: the table (within the promise, late, not answered) and the median,
    published only when at least ``min_cell`` reports were answered."""

    table: Table
    median_hours: float | None


@dataclass(frozen=True, slots=True)
class TransparencyReport:
    year: int
    start: datetime
    end: datetime
    timezone: str
    generated_at: datetime
    min_cell: int
    tables: tuple[Table, ...]
    response: Response
    automod: tuple[AutomodRow, ...]
    automod_totals: tuple[Cell, Cell]  # detections, reversed

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def _labelled(found: Mapping[str, int], labels: Mapping[str, str]) -> dict[str, int]:
    """Every known label (zero when absent, so a table is complete), then any other."""
    counts = {text: found.get(key, 0) for key, text in labels.items()}
    for key, number in found.items():
        if key not in labels:
            counts[key] = counts.get(key, 0) + number
    return counts


class TransparencyService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def bounds(self, year: int) -> tuple[datetime, datetime]:
        """1 January to 1 January in the association's time zone, as UTC."""
        if not 2000 <= year <= 9998:
            raise InvalidInput(f"{year} is not a year the record can hold; give one like 2026.")
        zone = self._ctx.calendar.zone
        return tuple(datetime.combine(date(y, 1, 1), time(0), tzinfo=zone).astimezone(UTC)
                     for y in (year, year + 1))  # type: ignore[return-value]

    async def year(self, year: int, how: str) -> TransparencyReport:
        """The year's published figures; ``NotFound`` when nothing was recorded in it (so
        no empty report is written). Producing it is audited (``how``: who and how)."""
        start, end = self.bounds(year)
        if start >= self._ctx.now():
            raise InvalidInput(f"{year} has not begun yet; there is nothing to report.")
        async with self._ctx.storage.transaction() as tx:
            report = await self._build(tx, year, start, end)
            if report is not None:
                await audit(tx, self._ctx, "transparency.report", "year", str(year),
                            actor=UNNAMED, details=how)
        if report is None:
            raise NotFound(f"Nothing was recorded in {year}: no report, incident, "
                           "suspension, case, motion or appeal. No report was written.")
        return report

    async def _build(self, tx: Tx, year: int, start: datetime,
                     end: datetime) -> TransparencyReport | None:
        stats = tx.statistics
        found = {m: await stats.count_by(m, start, end) for m in Measure}
        first = await stats.first_response(start, end)
        rules = await stats.automod_reversals(start, end)
        if not any(sum(counts.values()) for counts in found.values()) and not rules:
            return None
        k = self._ctx.policy.report_min_cell
        cited = found[Measure.INCIDENTS_BY_CLAUSE]
        clauses = {c.id: f"{c.id}: {c.title}" for c in self._ctx.code.clauses
                   if c.section is not ClauseSection.DO or c.id in cited}  # the "do"s when cited

        def table(key: str, title: str, measure: Measure, labels: Mapping[str, str],
                  note: str = "") -> Table:
            return Table(key, title, protect(_labelled(found[measure], labels), k), note)

        tables = (
            table("reports", "Reports received, by how they ended", Measure.REPORTS_BY_OUTCOME,
                  REPORT_OUTCOMES),
            table("incidents_by_clause", "Incidents, by clause of the Code",
                  Measure.INCIDENTS_BY_CLAUSE, clauses,
                  "Incidents staff later reversed as mistakes are not counted."),
            table("incidents_by_platform", "Incidents, by platform",
                  Measure.INCIDENTS_BY_PLATFORM, PLATFORMS),
            table("incidents_by_kind", "Incidents, by action taken", Measure.INCIDENTS_BY_KIND,
                  INCIDENT_KINDS),
            table("suspensions_by_length", "Suspensions, by length",
                  Measure.SUSPENSIONS_BY_LENGTH, {b.value: b.value for b in LengthBand}),
            table("suspensions_by_origin", "Suspensions, by who decided them",
                  Measure.SUSPENSIONS_BY_ORIGIN, {o.value: o.value for o in SuspensionOrigin}),
            table("cases_by_origin", "Committee cases opened, by origin",
                  Measure.CASES_BY_ORIGIN, CASE_ORIGINS),
            table("cases_by_status", "Committee cases opened, by where they stand now",
                  Measure.CASES_BY_STATUS, CASE_STATUSES),
            table("decisions", "Committee decisions (motions closed), by result",
                  Measure.MOTIONS_BY_RESULT, MOTION_RESULTS,
                  "Legal counsel may overrule a majority vote that would put the "
                  "organization at risk."),
            table("appeals", "Appeals filed, by outcome", Measure.APPEALS_BY_OUTCOME,
                  APPEAL_OUTCOMES),
        )
        detections = protect({r.rule: r.detections for r in rules}, k)
        reversed_ = protect({r.rule: r.reversed for r in rules}, k)
        automod = tuple(AutomodRow(r.rule, d, v) for r, d, v in
                        zip(rules, detections.cells, reversed_.cells, strict=True))
        return TransparencyReport(
            year=year, start=start, end=end,
            timezone=self._ctx.calendar.timezone, generated_at=self._ctx.now(), min_cell=k,
            tables=tables, response=_response(first, k), automod=automod,
            automod_totals=(detections.total, reversed_.total))


def _response(first: FirstResponse, k: int) -> Response:
    counts = protect({"answered by the end of the next business day": first.within_promise,
                      "answered later": first.late, "not answered": first.unanswered}, k)
    median = None
    if first.median_seconds is not None and first.answered >= k:
        median = first.median_seconds / 3600
    return Response(Table("first_response", "Reports, by time to the first response", counts,
                          "The Code promises a response usually within the next business "
                          "day."), median)


__all__ = ["AutomodRow", "Cell", "Response", "Shown", "Table", "TransparencyReport",
           "TransparencyService"]
