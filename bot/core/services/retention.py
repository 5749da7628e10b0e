"""Retention: message text and evidence are kept only as long as the policy says.

Once a matter is over (a case's decision final, a report dismissed, an incident or report
never joined to a case), its words (kept messages, excerpts of removed or reported
messages, a dismissed report's reason) are purged after the configured period
(``[retention]``). What happened stays: the report, incident, case, votes and decision
remain, with their dates, clause and outcome, so counts and histories stay true. The
scheduler runs the sweep daily (``ActionKind.RETENTION_SWEEP``); ``coc-bot retention
--dry-run`` lists what would go. Each sweep that purges anything is on the audit log.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import Case, Evidence, Incident, Report, ReportStatus
from bot.core.ports import Tx
from bot.core.services._context import Context, audit

PURGED = "[purged]"
DISMISSED = (ReportStatus.DISMISSED, ReportStatus.DISMISSED_BAD_FAITH)


@dataclass(frozen=True, slots=True)
class Purge:
    """One record whose words go: what it is, why now, and how many kept messages."""

    subject_type: str
    subject_id: str
    rule: str
    since: datetime
    evidence: int
    text_fields: tuple[str, ...]

    def describe(self) -> str:
        words = ", ".join(self.text_fields) or "no text"
        return (f"{self.subject_type} {self.subject_id}: {self.rule} since "
                f"{self.since:%Y-%m-%d}; {self.evidence} kept messages, {words}")


class RetentionService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def sweep(self, *, dry_run: bool = False) -> list[Purge]:
        """Purge what is due (or, with ``dry_run``, only say what would go); one
        transaction, audited when anything was purged."""
        async with self._ctx.storage.transaction() as tx:
            due = await self._due(tx)
            if dry_run or not due:
                return due
            for purge in due:
                await self._purge(tx, purge)
            await audit(tx, self._ctx, "retention.purged", "retention",
                        self._ctx.now().date().isoformat(), actor=None,
                        details=f"{len(due)} records, "
                                f"{sum(p.evidence for p in due)} kept messages")
        return due

    async def _due(self, tx: Tx) -> list[Purge]:
        now = self._ctx.now()
        keep = self._ctx.policy.retention
        found: list[Purge] = []
        for case in await tx.find(Case, final_at__lte=now - keep.final_case):
            assert case.final_at is not None
            rule = "case final"
            if case.report_id:
                report = await tx.get(Report, case.report_id)
                if report is not None:
                    found.append(await _report(tx, report, rule, case.final_at, False))
            for incident in await tx.find(Incident, case_id=case.id):
                found.append(await _incident(tx, incident, rule, case.final_at))
        for report in await tx.find(Report, status__in=DISMISSED,
                                    handled_at__lte=now - keep.dismissed_report):
            assert report.handled_at is not None
            found.append(await _report(tx, report, "dismissed", report.handled_at, True))
        for report in await tx.find(Report, status=ReportStatus.ACTIONED, case_id=None,
                                    handled_at__lte=now - keep.closed_matter):
            assert report.handled_at is not None
            found.append(await _report(tx, report, "closed", report.handled_at, False))
        for incident in await tx.find(Incident, case_id=None,
                                      created_at__lte=now - keep.closed_matter):
            found.append(await _incident(tx, incident, "closed", incident.created_at))
        return [p for p in found if p.evidence or p.text_fields]

    @staticmethod
    async def _purge(tx: Tx, purge: Purge) -> None:
        for row in await tx.find(Evidence, subject_type=purge.subject_type,
                                 subject_id=purge.subject_id):
            await tx.delete(Evidence, row.id)
        if not purge.text_fields:
            return
        if purge.subject_type == "report":
            report = await tx.get(Report, purge.subject_id)
            assert report is not None
            reason = PURGED if "reason" in purge.text_fields else report.reason
            await tx.update(dataclasses.replace(report, message_excerpt=None, reason=reason))
        else:
            incident = await tx.get(Incident, purge.subject_id)
            assert incident is not None
            await tx.update(dataclasses.replace(incident, excerpt=None))


async def _report(tx: Tx, report: Report, rule: str, since: datetime,
                  with_reason: bool) -> Purge:
    fields = []
    if report.message_excerpt is not None:
        fields.append("message_excerpt")
    if with_reason and report.reason != PURGED:
        fields.append("reason")
    kept = await tx.count(Evidence, subject_type="report", subject_id=report.id)
    return Purge("report", report.id, rule, since, kept, tuple(fields))


async def _incident(tx: Tx, incident: Incident, rule: str, since: datetime) -> Purge:
    kept = await tx.count(Evidence, subject_type="incident", subject_id=incident.id)
    fields = ("excerpt",) if incident.excerpt is not None else ()
    return Purge("incident", incident.id, rule, since, kept, fields)
