"""Hearing the reported person: "collect input from any individual being reported".

When a case opens, and again when a motion is put to the vote, the subject is told
privately what the case is about and asked for their side, with a deadline
(``[policy] statement_days``) and one reminder. They may write and edit the statement
until the decision is communicated; each version is kept in the audit log, the latest on
the case, and the committee's thread is shown each one.

What the subject is told never comes from the committee's summary (for a report it is the
reporter's own words, which may identify them): it is a fixed description of how the
case arose and, for a reported message, their own message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.errors import InvalidInput, InvalidState, NotPermitted, PlatformError
from bot.core.markup import Trusted
from bot.core.models import (
    ActionKind,
    Actor,
    AuditEntry,
    Case,
    CaseOrigin,
    CaseStatus,
    Motion,
    Report,
)
from bot.core.ports import Audience, Notice, NoticeKind, Tx
from bot.core.services._context import (
    Context,
    after_commit,
    audit,
    cancel,
    identity_of,
    mention,
    schedule,
    try_dm,
    when,
)
from bot.core.services.audiences import alert_staff_about

log = logging.getLogger(__name__)

STATEMENT_LIMIT = 3000
"""Characters in a statement: room for a full account, short enough to read in one go,
and the most a form field holds on both platforms (Slack's text input stops at 3000,
Discord's at 4000)."""
REMIND_BEFORE = timedelta(days=2)
SHOWN = 1000  # characters of the statement in /case show (a Discord reply holds 2000)
_ABOUT = {CaseOrigin.REPORT: "statement_about_report",
          CaseOrigin.INCIDENT: "statement_about_incidents",
          CaseOrigin.ESCALATION: "statement_about_incidents",
          CaseOrigin.STAFF: "statement_about_staff"}


@dataclass(frozen=True, slots=True)
class StatementDraft:
    """What the statement form shows: the case, the text so far, the limit."""

    case_id: str
    current: str
    limit: int = STATEMENT_LIMIT


async def announce(ctx: Context, case: Case, notice: Notice) -> None:
    """Post in the case's thread (the committee channel if it has none); never fatal."""
    platform = ctx.platforms.home
    try:
        if case.thread is not None:
            await ctx.platforms.get(case.thread.platform).post_in(case.thread, notice)
        else:
            await platform.post(Audience.COMMITTEE, notice)
    except PlatformError as exc:
        log.warning("case %s: could not post to the committee: %s", case.id, exc)


async def case_by_ref(tx: Tx, ref: str) -> Case:
    from bot.core.services.cases import load_case  # cases imports this module

    return await load_case(tx, ref)


class HearingService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def ask(self, case: Case, motion: Motion | None = None) -> Case:
        """Ask the subject for their statement (on opening), or tell them a motion is now
        before the committee (with ``motion``). The first ask sets the deadline and the
        one reminder."""
        ctx = self._ctx
        now = ctx.now()
        action = None
        async with ctx.storage.transaction() as tx:
            current = await case_by_ref(tx, case.id)
            if current.statement_due_at is None:
                due = now + ctx.policy.statement_window
                current = replace(current, statement_due_at=due)
                await tx.update(current)
                action = await schedule(tx, ctx, ActionKind.STATEMENT_REMINDER, current.id,
                                        due - min(REMIND_BEFORE, (due - now) / 2))
            about = await self._about(tx, current)
        after_commit(ctx, action)
        if motion is None:
            text = ctx.messages.render("statement_request", case=current.id, about=about,
                                       deadline=self._deadline(current), limit=STATEMENT_LIMIT)
        else:
            text = ctx.messages.render(
                "statement_motion", case=current.id, closes=when(ctx, current.subject,
                                                                 motion.closes_at),
                status=self._status_for_subject(current))
        await self._dm(current, text, "the request for their statement" if motion is None
                       else "the notice that a motion is before the committee")
        return current

    async def remind(self, case_id: str) -> None:
        """The one reminder, if the statement has not come and the case is still open."""
        async with self._ctx.storage.transaction() as tx:
            case = await tx.get(Case, case_id)
        if case is None or case.status is not CaseStatus.OPEN or case.subject_statement:
            return
        text = self._ctx.messages.render("statement_reminder", case=case.id,
                                         deadline=self._deadline(case))
        await self._dm(case, text, "the reminder to give their statement")

    async def draft(self, actor: Actor, ref: str) -> StatementDraft:
        """What the form opens with; refused (before any form) to anyone who may not write."""
        async with self._ctx.storage.transaction() as tx:
            case = await case_by_ref(tx, ref)
            await self._check_writer(tx, case, actor)
        return StatementDraft(case.id, case.subject_statement or "")

    async def submit(self, actor: Actor, ref: str, statement: str) -> tuple[Case, bool]:
        """Record the subject's statement (a new version if they had one); returns the case
        and whether it replaced an earlier version."""
        text = statement.strip()
        if not text:
            raise InvalidInput("Please write your statement; an empty one was not saved.")
        if len(text) > STATEMENT_LIMIT:
            raise InvalidInput(f"Your statement is {len(text)} characters long; the limit is "
                               f"{STATEMENT_LIMIT}. Please shorten it; nothing was saved.")
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            case = await case_by_ref(tx, ref)
            await self._check_writer(tx, case, actor)
            version = await tx.count(AuditEntry, subject_id=case.id,
                                     action="case.statement") + 1
            updated = replace(case, subject_statement=text, statement_at=ctx.now())
            await tx.update(updated)
            await audit(tx, ctx, "case.statement", "case", case.id, actor=actor.person,
                        details=f"version {version}: {text}")
            await cancel(tx, ActionKind.STATEMENT_REMINDER, case.id)  # heard: no reminder
        edited = case.subject_statement is not None
        await announce(ctx, updated, Notice(NoticeKind.INFO, ctx.messages.render(
            "statement_posted", case=updated.id, text=text,
            edited=f" (version {version}, replacing the earlier one)" if edited else ""),
            subject_id=updated.id))
        return updated, edited

    async def _check_writer(self, tx: Tx, case: Case, actor: Actor) -> None:
        """Only the subject (through any of their linked accounts), only while open."""
        if await identity_of(tx, actor.person) != await identity_of(tx, case.subject):
            raise NotPermitted(f"Only the person case {case.id} is about can give a statement "
                               "on it.")
        if case.status is CaseStatus.CLOSED:
            raise InvalidState(f"Case {case.id} was closed without a decision; there is "
                               "nothing more to add to it.")
        if case.status is not CaseStatus.OPEN:
            raise InvalidState(f"The decision on case {case.id} was already communicated, so "
                               "the statement can no longer be changed. If you disagree with "
                               "the decision, you may appeal it.")

    async def _about(self, tx: Tx, case: Case) -> Trusted:
        """How the case arose, for the subject: never the summary, never the reporter."""
        ctx = self._ctx
        about = ctx.messages.render(_ABOUT[case.origin])
        if case.report_id is None:
            return about
        report = await tx.get(Report, case.report_id)
        if report is None or report.message is None or not report.message_excerpt \
                or report.target != case.subject:
            return about
        return ctx.messages.render("statement_about_message", about=about,
                                   excerpt=report.message_excerpt[:500])

    def _deadline(self, case: Case) -> Trusted:
        return when(self._ctx, case.subject, case.statement_due_at)

    def _status_for_subject(self, case: Case) -> Trusted:
        ctx = self._ctx
        if case.subject_statement:
            return ctx.messages.render("statement_status_received")
        return ctx.messages.render("statement_status_missing", limit=STATEMENT_LIMIT)

    async def _dm(self, case: Case, text: str, what: str) -> bool:
        notice = Notice(NoticeKind.STATEMENT_REQUEST, text, subject_id=case.id,
                        title=f"Case {case.id}")
        if await try_dm(self._ctx, case.subject, notice):
            return True
        await self.unreachable(case, what)
        return False

    async def unreachable(self, case: Case, what: str) -> None:
        """A DM to the subject failed: record it on the case and ask staff to reach them
        another way (the protocols' "email the members involved")."""
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            current = await case_by_ref(tx, case.id)
            if current.subject_unreachable_at is None:
                await tx.update(replace(current, subject_unreachable_at=ctx.now()))
            await audit(tx, ctx, "case.subject_unreachable", "case", case.id, actor=None,
                        details=what)
        text = ctx.messages.render("subject_unreachable", case=case.id,
                                   subject=mention(ctx, case.subject), what=what)
        # In the staff queue, unless the subject reads it (a member of staff): then in
        # the case's private thread, which the subject is never in.
        await alert_staff_about(ctx, current, Notice(NoticeKind.STAFF_ALERT, text,
                                                     subject_id=case.id))

    def tally_note(self, case: Case) -> Trusted:
        """The line under a motion's tally: was the subject heard?"""
        ctx = self._ctx
        if case.subject_statement:
            return ctx.messages.render("tally_statement_received",
                                       at=when(ctx, case.thread, case.statement_at))
        if case.subject_unreachable_at is not None:
            return ctx.messages.render("tally_statement_unreachable")
        return ctx.messages.render("tally_statement_missing", due=when(ctx, case.thread,
                                                                      case.statement_due_at))


def statement_lines(ctx: Context, case: Case,
                    format_time: Callable[[datetime], str]) -> list[Trusted]:
    """The subject's statement as ``/case show`` gives it (masked and neutralised; a long
    one is cut, its whole text being in the case thread)."""
    messages = ctx.messages
    lines = []
    if case.subject_statement and case.statement_at:
        cut = len(case.subject_statement) > SHOWN
        lines.append(messages.render(
            "case_view_statement", at=Trusted(format_time(case.statement_at)),
            text=case.subject_statement[:SHOWN], cut=messages.render("case_view_cut")
            if cut else ""))
    elif case.statement_due_at:
        lines.append(messages.render("case_view_no_statement",
                                     due=Trusted(format_time(case.statement_due_at))))
    if case.subject_unreachable_at:
        lines.append(messages.render(
            "case_view_unreachable", at=Trusted(format_time(case.subject_unreachable_at))))
    return lines
