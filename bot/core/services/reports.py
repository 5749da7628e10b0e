"""Reports: intake from participants, the staff queue, triage and dismissal.

Confidentiality rule: a named reporter is shown only to staff. An anonymous reporter is
stored only sealed (``Sealer``): the machine still applies the rate limit and counts
bad-faith dismissals against an opaque pseudonym (abuse of reporting: ``abuse.py``), but
no person, staff included, and no audit entry ever learns who it was.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.core.automod import mask_personal
from bot.core.errors import InvalidInput, InvalidState, NotFound, RateLimited
from bot.core.identity import MessageRef, PersonRef, PlaceRef, pseudonym
from bot.core.models import (
    ActionKind,
    Actor,
    Case,
    CaseOrigin,
    Report,
    ReportStatus,
    Role,
    Severity,
)
from bot.core.ports import (
    Audience,
    MessageReader,
    Notice,
    NoticeKind,
    Sealed,
    SeenMessage,
    Tx,
)
from bot.core.refs import new_ref, normalise_ref
from bot.core.rules.rate_limit import retry_after
from bot.core.services._committee import ensure_not_own_matter, tags_of
from bot.core.services._context import (
    UNNAMED,
    Context,
    Located,
    accounts_of,
    after_commit,
    audit,
    cancel,
    mention,
    mention_place,
    require,
    require_staff_in,
    schedule,
    try_post,
    when,
)
from bot.core.services.audiences import Presence, presence
from bot.core.services.cases import CaseService
from bot.core.services.evidence import EvidenceService

MAX_REASON = 1500
MAX_EXCERPT = 500


@dataclass(frozen=True, slots=True)
class ReportDraft:
    """What a participant submits; the adapter fills in what the platform knows."""

    reason: str
    anonymous: bool = False
    target: PersonRef | None = None
    message: MessageRef | None = None
    message_excerpt: str | None = None
    message_link: str | None = None
    channel: PlaceRef | None = None


class ReportService:
    def __init__(self, ctx: Context, cases: CaseService | None = None,
                 evidence: EvidenceService | None = None) -> None:
        self._ctx = ctx
        self._cases = cases
        self._evidence = evidence or EvidenceService(ctx)
        # Set by Services.build (abuse.AbuseOfReporting, built on the incidents service,
        # which itself needs this one): what follows a dismissal in bad faith.
        self.on_bad_faith: Callable[[Actor, Report], Awaitable[object]] | None = None

    async def read_linked(self, reader: MessageReader, person: PersonRef,
                          message: MessageRef) -> SeenMessage:
        """A message someone linked, read only as far as they may read it themselves.

        The bot can read private channels its reporter cannot (the committee's, staff's,
        other people's conversations); copying such a message into the staff queue or a
        summary would leak it. "Not there" and "not yours to read" get one refusal, so the
        answer says nothing about what exists where.
        """
        seen = await reader.read_as(person, message)
        if seen is None:
            raise NotFound(self._ctx.messages.render("link_unreadable"))
        return seen

    async def escalate(self, actor: Actor, ref: str) -> Case:
        """Staff send a report to the committee: a case whose reporter is ineligible."""
        if self._cases is None:  # pragma: no cover - Services.build always wires it
            raise InvalidState("Escalation is not available in this process.")
        report = await self.get(actor, ref)
        async with self._ctx.storage.transaction() as tx:
            await self._not_own(tx, actor, report)
        if report.target is None:
            raise InvalidInput(f"Report {report.id} names no person for the committee.")
        if report.status not in (ReportStatus.OPEN, ReportStatus.TRIAGED):
            raise InvalidState(f"Report {report.id} was already handled "
                               f"({report.status.value.replace('_', ' ')}).")
        return await self._open_case(report, actor.person)

    async def _open_case(self, report: Report, by: PersonRef | None,
                         note: str | None = None) -> Case:
        """The committee's case for ``report`` (its reporter kept as the report has them:
        named, or still sealed), and the report closed as escalated to it; ``by`` None:
        the machine did it (``note`` says why)."""
        assert self._cases is not None and report.target is not None
        reporter: PersonRef | Sealed | None = report.reporter
        if report.reporter_sealed is not None and report.reporter_tag is not None:
            reporter = Sealed(report.reporter_sealed, report.reporter_tag)
        case = await self._cases.open(by, report.target, report.reason,
                                      origin=CaseOrigin.REPORT, reporter=reporter,
                                      report_id=report.id, severity=Severity.SERIOUS)
        await self.close(by, report.id, ReportStatus.ESCALATED, note or f"case {case.id}",
                         case_id=case.id)
        return case

    async def submit(self, reporter: PersonRef, draft: ReportDraft) -> Report:
        """File a report, queue it for staff, and start the next-business-day clock."""
        reason = _clean_reason(draft.reason)
        if draft.target is None and draft.message is None:
            raise InvalidInput("Please say who or which message you are reporting.")
        if draft.target == reporter:
            raise InvalidInput("You cannot report yourself. If you need help, contact staff.")
        now = self._ctx.now()
        report = Report(
            id=new_ref("R"), reporter=reporter, anonymous=draft.anonymous, reason=reason,
            created_at=now, due_at=self._ctx.calendar.end_of_next_business_day(now),
            target=draft.target, message=draft.message,
            message_excerpt=mask_personal(draft.message_excerpt or "")[:MAX_EXCERPT] or None,
            message_link=draft.message_link, channel=draft.channel,
        )
        bad_faith = 0
        async with self._ctx.storage.transaction() as tx:
            await self._check_rate(tx, reporter)
            if report.anonymous:  # from here on the report never holds the account
                sealed = tx.sealer.seal(reporter)
                report = replace(report, reporter=None, reporter_sealed=sealed.box,
                                 reporter_tag=sealed.tag)
                bad_faith = await tx.count(Report, reporter_tag=sealed.tag,
                                           status=ReportStatus.DISMISSED_BAD_FAITH)
            await tx.insert(report)
            await audit(tx, self._ctx, "report.filed", "report", report.id,
                        actor=UNNAMED if report.anonymous else reporter,
                        details="anonymous" if report.anonymous else None)
            action = await schedule(tx, self._ctx, ActionKind.REPORT_DUE, report.id,
                                    report.due_at)
        after_commit(self._ctx, action)
        if report.message is not None:  # first, before its author can delete it
            await self._evidence.capture(
                "report", report.id, report.message, excerpt=draft.message_excerpt,
                author=report.target, reporter_tag=report.reporter_tag)
        await self._route(report, reporter, bad_faith)
        return report

    async def _route(self, report: Report, reporter: PersonRef, bad_faith: int) -> None:
        """The staff queue, unless the person reported reads it (or that cannot be told):
        staff peers must not review one of their own, and the queue entry would show them
        the reporter's words. Such a report goes at once to the committee as a case (whose
        thread follows the conflict rules); the reporter's acknowledgement is the same."""
        place = report.target
        seen = Presence.OUT if place is None else await presence(
            self._ctx, Audience.STAFF, place, origin=origin_of(report))
        if not seen.keep_away or self._cases is None:
            await try_post(self._ctx, reporter, Audience.STAFF,
                           self.queue_notice(report, bad_faith=bad_faith))
            return
        await self._to_committee(report, seen)

    async def _to_committee(self, report: Report, seen: Presence) -> Case:
        """Escalate, by the machine, with the reason recorded (``report.escalated``, no
        actor): nothing about it is posted to staff, and a sealed reporter stays sealed."""
        assert self._cases is not None
        reason = self._ctx.messages.render(
            "routed_staff_subject" if seen is Presence.IN else "routed_staff_unknown")
        case = await self._open_case(report, None, str(reason))
        await self._cases.announce(case, Notice(NoticeKind.INFO, self._ctx.messages.render(
            "routed_case_note", ref=report.id, reason=reason), subject_id=case.id))
        return case

    def acknowledgement(self, report: Report) -> str:
        return self._ctx.messages.render(
            "report_received", ref=report.id, due=when(self._ctx, origin_of(report),
                                                       report.due_at))

    def queue_notice(self, report: Report, *, bad_faith: int = 0) -> Notice:
        """The staff queue entry. An anonymous reporter is a pseudonym, even to staff, with
        their record of reports dismissed in bad faith when they have one."""
        ctx = self._ctx
        reporter = mention(ctx, report.reporter)
        if report.reporter_tag is not None:
            name = pseudonym(report.reporter_tag)
            reporter = ctx.messages.render("anonymous_reporter", pseudonym=name)
            if bad_faith:
                reporter = ctx.messages.render("anonymous_bad_faith", pseudonym=name,
                                               count=bad_faith)
        text = ctx.messages.render(
            "report_queued", ref=report.id, reporter=reporter,
            target=mention(ctx, report.target) if report.target else "(a message)",
            channel=mention_place(report.channel), reason=report.reason,
            excerpt=report.message_excerpt or "", link=report.message_link or "",
            due=when(ctx, origin_of(report), report.due_at),
        )
        return Notice(NoticeKind.REPORT_QUEUED, text, subject_id=report.id,
                      title=f"Report {report.id}")

    async def get(self, actor: Actor, ref: str) -> Report:
        require(actor, Role.STAFF, "look at reports")
        async with self._ctx.storage.transaction() as tx:
            return await _load(tx, ref)

    async def dismiss(self, actor: Actor, ref: str, *, bad_faith: bool, note: str = "") -> Report:
        """Close a report without action; bad faith is recorded against the reporter."""
        require(actor, Role.STAFF, "dismiss reports")
        async with self._ctx.storage.transaction() as tx:
            report = await _load(tx, ref)
            await self._not_own(tx, actor, report)
            require_staff_in(actor, origin_of(report), "dismiss reports")
        status = ReportStatus.DISMISSED_BAD_FAITH if bad_faith else ReportStatus.DISMISSED
        report = await self.close(actor.person, ref, status, note or None)
        if bad_faith and self.on_bad_faith is not None:
            await self.on_bad_faith(actor, report)
        return report

    async def _not_own(self, tx: Tx, actor: Actor, report: Report) -> None:
        await ensure_not_own_matter(tx, self._ctx, actor.person, report.target,
                                    f"Report {report.id}")

    async def bad_faith_record(self, report: Report) -> str:
        """For an anonymous report dismissed in bad faith, its pseudonym's record, shown to
        the staff member who dismissed it (never the person); empty otherwise."""
        if report.reporter_tag is None or \
                report.status is not ReportStatus.DISMISSED_BAD_FAITH:
            return ""
        async with self._ctx.storage.transaction() as tx:
            count = await tx.count(Report, reporter_tag=report.reporter_tag,
                                   status=ReportStatus.DISMISSED_BAD_FAITH)
        return self._ctx.messages.render(
            "anonymous_bad_faith", pseudonym=pseudonym(report.reporter_tag), count=count)

    async def close(self, handler: PersonRef | None, ref: str, status: ReportStatus,
                    note: str | None, case_id: str | None = None) -> Report:
        """Move an open report to a final status (used by triage, removal, escalation)."""
        async with self._ctx.storage.transaction() as tx:
            report = await _load(tx, ref)
            if report.status not in (ReportStatus.OPEN, ReportStatus.TRIAGED):
                raise InvalidState(
                    f"Report {report.id} was already handled ({report.status.value})."
                )
            updated = replace(report, status=status, handled_by=handler,
                              handled_at=self._ctx.now(), resolution_note=note,
                              case_id=case_id or report.case_id)
            await tx.update(updated)
            await cancel(tx, ActionKind.REPORT_DUE, report.id)
            await audit(tx, self._ctx, f"report.{status.value}", "report", report.id,
                        actor=handler, reason=note)
        return updated

    async def triage(self, actor: Actor, ref: str, note: str = "") -> Report:
        """Acknowledge a report as being looked at; stops the overdue reminder."""
        require(actor, Role.STAFF, "triage reports")
        async with self._ctx.storage.transaction() as tx:
            report = await _load(tx, ref)
            await self._not_own(tx, actor, report)
            require_staff_in(actor, origin_of(report), "triage reports")
            if report.status is not ReportStatus.OPEN:
                raise InvalidState(f"Report {report.id} is {report.status.value}, not open.")
            updated = replace(report, status=ReportStatus.TRIAGED, handled_by=actor.person,
                              handled_at=self._ctx.now(), resolution_note=note or None)
            await tx.update(updated)
            await cancel(tx, ActionKind.REPORT_DUE, report.id)
            await audit(tx, self._ctx, "report.triaged", "report", report.id,
                        actor=actor.person, reason=note or None)
        return updated

    async def remind_if_overdue(self, ref: str) -> bool:
        """Scheduler entry point: remind staff of a report still untouched at its due time."""
        async with self._ctx.storage.transaction() as tx:
            report = await tx.get(Report, ref)
            if report is None or report.status is not ReportStatus.OPEN \
                    or report.reminded_at is not None:
                return False
            await tx.update(replace(report, reminded_at=self._ctx.now()))
            await audit(tx, self._ctx, "report.overdue_reminder", "report", ref, actor=None)
        text = self._ctx.messages.render(
            "report_overdue", ref=ref, due=when(self._ctx, origin_of(report), report.due_at),
            queue_link="")
        await try_post(self._ctx, origin_of(report), Audience.STAFF,
                       Notice(NoticeKind.REMINDER, text, subject_id=ref))
        return True

    async def bad_faith_count(self, person: PersonRef) -> int:
        """The person's NAMED reports dismissed in bad faith (what staff may know)."""
        async with self._ctx.storage.transaction() as tx:
            return await tx.count(Report, reporter=person,
                                  status=ReportStatus.DISMISSED_BAD_FAITH)

    async def _check_rate(self, tx: Tx, reporter: PersonRef) -> None:
        """One limit for a person's named and anonymous reports together (by tag)."""
        policy = self._ctx.policy
        now = self._ctx.now()
        since = now - policy.report_limit_window
        recent = await tx.find(Report, reporter__in=await accounts_of(tx, reporter),
                               created_at__gt=since)
        recent += await tx.find(Report, reporter_tag__in=await tags_of(tx, reporter),
                                created_at__gt=since)
        wait = retry_after([r.created_at for r in recent], now, policy.report_limit,
                           policy.report_limit_window)
        if wait is not None:
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            raise RateLimited(
                f"You have sent {policy.report_limit} reports recently; thank you. Staff are "
                f"looking at them. Please wait about {minutes} minute{'s' if minutes > 1 else ''} "
                "before sending "
                "another, or contact staff directly if something is urgent.",
                retry_after_seconds=wait.total_seconds(),
            )


def origin_of(report: Report) -> Located:
    """Where a report came from (its platform and space), without touching a sealed
    reporter: the reported message or channel first, as the place the matter happened."""
    located: Located | None = report.message or report.channel or report.target \
        or report.reporter
    if located is None:  # pragma: no cover - submit requires a target or a message
        raise InvalidState(f"Report {report.id} has no platform.")
    return located


async def _load(tx: Tx, ref: str) -> Report:
    report = await tx.get(Report, normalise_ref(ref))
    if report is None:
        raise NotFound(f"There is no report '{ref}'. Check the reference number.")
    return report


def _clean_reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise InvalidInput("Please describe what happened, so staff can act on your report.")
    if len(cleaned) > MAX_REASON:
        raise InvalidInput(
            f"Please keep the description under {MAX_REASON} characters "
            f"(it is {len(cleaned)}); staff can ask you for more."
        )
    return cleaned
