"""Abuse of reporting: a violation of the Code by itself.

"Any participants who abuse the reporting process will be considered in violation of this
Code of Conduct." When one person's reports have been dismissed in bad faith
``[policy] bad_faith_warning_threshold`` times within ``bad_faith_window_days`` (counted
since their last such incident), they get an incident citing the abuse-of-reporting
clause, with a private explanation, and it counts toward escalation like any incident.

An anonymous reporter stays anonymous through all of it: the incident is recorded against
their sealed reference (:func:`~bot.core.identity.sealed_person`), which every summary,
case thread and log shows as their pseudonym; the machine alone unseals it, to address the
explanation and to count the incident toward escalation with the person's others.

Named and anonymous dismissals are counted apart: an incident against a named person
that counted their anonymous reports, or one against a pseudonym right after a named
dismissal, would tell staff that the named person reports anonymously.
"""

from __future__ import annotations

from bot.core.identity import PersonRef, sealed_person
from bot.core.markup import Trusted
from bot.core.models import (
    Actor,
    Incident,
    IncidentKind,
    Report,
    ReportStatus,
    Severity,
)
from bot.core.ports import Notice, NoticeKind, Tx
from bot.core.services._committee import sealed_refs, tags_of
from bot.core.services._context import Context, accounts_of
from bot.core.services.incidents import IncidentDraft, IncidentOutcome, IncidentService

ABUSE_CLAUSE = "abuse-of-reporting"
HOW_TO_ASK = "If you have questions, reply to staff or use /report to reach an administrator."


class AbuseOfReporting:
    def __init__(self, ctx: Context, incidents: IncidentService) -> None:
        self._ctx = ctx
        self._incidents = incidents

    async def after_bad_faith(self, actor: Actor, report: Report) -> IncidentOutcome | None:
        """Called when ``actor`` dismissed ``report`` in bad faith: record the incident once
        the threshold is reached (``None`` before, and for a reporter the bot cannot know)."""
        async with self._ctx.storage.transaction() as tx:
            if report.reporter is not None:
                subject = report.reporter
                subjects = await accounts_of(tx, subject)
                dismissed = await tx.find(Report, reporter__in=subjects,
                                          status=ReportStatus.DISMISSED_BAD_FAITH)
            elif report.reporter_sealed is not None and report.reporter_tag is not None:
                account = tx.sealer.open(report.reporter_sealed)
                subject = sealed_person(account.platform, report.reporter_tag)
                subjects = await sealed_refs(tx, account)
                dismissed = await tx.find(Report, reporter_tag__in=await tags_of(tx, account),
                                          status=ReportStatus.DISMISSED_BAD_FAITH)
            else:
                return None
            count = await self._since_last(tx, subjects, dismissed)
        if count < self._ctx.policy.bad_faith_warning_threshold:
            return None
        days = self._ctx.policy.bad_faith_window.days
        return await self._incidents.handle(actor, IncidentDraft(
            subject=subject, kind=IncidentKind.WARNING, clause_id=ABUSE_CLAUSE,
            severity=Severity.MINOR,
            note=f"{count} reports dismissed in bad faith within {days} days",
            notice=self._explanation(report, count)))

    async def _since_last(self, tx: Tx, subjects: list[PersonRef],
                          dismissed: list[Report]) -> int:
        """Dismissals in the window after the last abuse-of-reporting incident against
        ``subjects`` (each incident answers its own run of dismissals)."""
        since = self._ctx.now() - self._ctx.policy.bad_faith_window
        earlier = await tx.find(Incident, subject__in=subjects, clause_id=ABUSE_CLAUSE,
                                reversed_at=None, created_at__gte=since)
        if earlier:
            since = max(since, max(i.created_at for i in earlier))
        return sum(1 for r in dismissed if r.handled_at is not None and r.handled_at > since)

    def _explanation(self, report: Report, count: int) -> Notice:
        ctx = self._ctx
        clause = ctx.code.clause(ABUSE_CLAUSE)
        profile = ctx.profiles.for_place(report.channel.key if report.channel else None)
        text = ctx.messages.render(
            "bad_faith_warning_dm", count=count, space_name=Trusted(profile.space_name),
            clause_title=Trusted(clause.title), clause_text=Trusted(clause.render(profile)),
            how_to_ask=Trusted(HOW_TO_ASK))
        return Notice(NoticeKind.INFO, text, subject_id=report.id,
                      title=f"About your reports in {profile.space_name}")
