"""The committee's monthly digest, and the dates of the recurring reminders.

The protocols: monthly meetings where staff report minor incidents; a review of the Code
at the start of each fiscal year. The digest also surfaces what is slipping: reports past
due, open cases, pending appeals, suspensions ending soon, empty seats, and how often
staff reversed each automated rule (its false-positive rate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from bot.core.automod.stats import RuleReversals
from bot.core.markup import Trusted
from bot.core.models import (
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    Office,
    Report,
    ReportStatus,
    Sanction,
    SanctionStatus,
)
from bot.core.policy import Recurring
from bot.core.services._committee import serving
from bot.core.services._context import Context


@dataclass(frozen=True, slots=True)
class Digest:
    period_start: datetime
    period_end: datetime
    minor_by_clause: dict[str, int]
    minor_by_channel: dict[str, int]
    open_cases: list[str]
    pending_appeals: list[str]
    overdue_reports: list[str]
    ending_soon: list[str]
    empty_seats: list[int]
    rule_reversals: dict[str, tuple[int, int]]  # automod rule -> (detections, reversed)
    automod_rules: list[RuleReversals] = field(default_factory=list)  # worst rate first

    def render(self) -> Trusted:
        """Bot-written: ids, counts and channel links only, no member's words."""
        lines = [f"Period: {self.period_start:%Y-%m-%d} to {self.period_end:%Y-%m-%d}"]
        total = sum(self.minor_by_clause.values())
        lines.append(f"**Minor incidents:** {total}")
        lines += [f"• {clause}: {n}" for clause, n in sorted(self.minor_by_clause.items())]
        if self.minor_by_channel:
            lines.append("By channel: " + ", ".join(
                f"<#{ch.rsplit(':', 1)[-1]}> {n}"
                for ch, n in sorted(self.minor_by_channel.items())))
        lines.append(f"**Open cases:** {', '.join(self.open_cases) or 'none'}")
        lines.append(f"**Pending appeals:** {', '.join(self.pending_appeals) or 'none'}")
        lines.append(f"**Reports past due:** {', '.join(self.overdue_reports) or 'none'}")
        lines.append(f"**Suspensions ending within 7 days:** "
                     f"{', '.join(self.ending_soon) or 'none'}")
        lines.append("**Empty committee seats:** "
                     f"{', '.join(map(str, self.empty_seats)) or 'none'}")
        if self.automod_rules:
            lines.append("**Automod rules (detections / reversed by staff, worst first):**")
            lines += [f"• {row.describe()}" for row in self.automod_rules]
        return Trusted("\n".join(lines))


async def build_digest(ctx: Context, start: datetime, end: datetime) -> Digest:
    """Every figure read in one transaction. Incidents are counted by the store (SQL
    aggregates through ``Tx.statistics``), never loaded, so a month of a hundred thousand
    incidents costs one indexed scan and no memory. Automod's false positives: its
    detections this month and how many staff reversed (by now, even if the reversal came
    after the month ended)."""
    now = ctx.now()
    async with ctx.storage.transaction() as tx:
        stats = tx.statistics
        minor = await stats.minor_incidents(start, end)
        reversals = await stats.automod_reversals(start, end)
        open_cases = await tx.find(Case, status=CaseStatus.OPEN, order_by="opened_at")
        appeals = await tx.find(Appeal, status=AppealStatus.PENDING, order_by="filed_at")
        overdue = await tx.find(Report, status=ReportStatus.OPEN, due_at__lt=now,
                                order_by="due_at")
        ending = await tx.find(Sanction, status=SanctionStatus.ACTIVE, ends_at__gte=now,
                               ends_at__lte=now + ctx.policy.suspension_ending_soon,
                               order_by="ends_at")
        seated = {a.seat for a in await serving(tx, Office.COMMITTEE, now.date())}
    rules = sorted((RuleReversals(r.rule, r.detections, r.reversed) for r in reversals),
                   key=lambda r: (-r.rate, r.rule_id))
    return Digest(
        period_start=start, period_end=end,
        minor_by_clause=minor.by_clause, minor_by_channel=minor.by_channel,
        open_cases=[c.id for c in open_cases], pending_appeals=[a.id for a in appeals],
        overdue_reports=[r.id for r in overdue], ending_soon=[s.id for s in ending],
        empty_seats=[n for n in range(1, ctx.policy.committee_seats + 1) if n not in seated],
        rule_reversals={r.rule_id: (r.detections, r.reversed) for r in rules},
        automod_rules=rules)


def next_digest(ctx: Context, recurring: Recurring, after: datetime) -> tuple[str, datetime]:
    """The next digest moment strictly after ``after``, and its id (``YYYY-MM``)."""
    zone = ctx.calendar.zone
    local = after.astimezone(zone)
    year, month = local.year, local.month
    for _ in range(3):
        moment = datetime.combine(date(year, month, recurring.digest_day),
                                  recurring.digest_time, tzinfo=zone)
        if moment > local:
            return f"{year:04d}-{month:02d}", moment.astimezone(UTC)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("unreachable: a digest day exists every month")


def next_fiscal_year(ctx: Context, recurring: Recurring, after: datetime) -> tuple[str, datetime]:
    """The start of the next fiscal year (09:00 local), and its id (``FY2027``)."""
    zone = ctx.calendar.zone
    local = after.astimezone(zone)
    month, day = recurring.fiscal_year_start
    for year in (local.year, local.year + 1):
        moment = datetime.combine(date(year, month, day), recurring.digest_time, tzinfo=zone)
        if moment > local:
            return f"FY{year + (1 if month > 1 else 0)}", moment.astimezone(UTC)
    raise AssertionError("unreachable")


def month_before(moment: datetime) -> datetime:
    """The same moment one calendar month earlier (the digest's period start)."""
    year, month = (moment.year - 1, 12) if moment.month == 1 else (moment.year, moment.month - 1)
    return moment.replace(year=year, month=month, day=min(moment.day, 28))
