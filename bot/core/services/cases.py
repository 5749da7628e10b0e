"""Committee cases: opening, the private thread, recusal, closing (motions and votes are
in ``_motions.py``, mixed into :class:`CaseService`).

Votes live in our tables; reactions are only input. The tally is recomputed from stored
votes each time, so a restart, an edited message or a replayed gateway event cannot
change a result silently.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.core.errors import (
    DuplicateRecord,
    InvalidInput,
    InvalidState,
    NotPermitted,
    PlatformError,
)
from bot.core.identity import PersonRef, is_sealed
from bot.core.models import (
    ActionKind,
    Actor,
    Case,
    CaseOrigin,
    CaseStatus,
    Motion,
    MotionStatus,
    Office,
    Recusal,
    Role,
    Severity,
)
from bot.core.ports import Audience, Notice, NoticeKind, Sealed
from bot.core.refs import log_fields, new_ref
from bot.core.rules.conflicts import CaseAction
from bot.core.services._committee import (
    Panel,
    ensure_free_to_act,
    holds_office,
    panel_for,
    reading_refusal,
)
from bot.core.services._context import (
    Context,
    audit,
    cancel,
    mention,
    require,
)
from bot.core.services._motions import (
    VOTE_EMOJI,
    Motions,
    ProposedSanction,
    VoteOutcome,
    load_case,
)
from bot.core.services.audiences import presence
from bot.core.services.hearing import HearingService
from bot.core.services.wishes import ask_wishes

log = logging.getLogger(__name__)
AUTOMATIC_ORIGINS = frozenset({CaseOrigin.ESCALATION, CaseOrigin.INCIDENT})
"""Cases the machine opens: at most one of them is open per person at a time."""
CASE_READERS = frozenset({Role.STAFF, Role.COMMITTEE, Role.COUNSEL, Role.EXECUTIVE})
# The audit entry of a decision communicated before the subject's statement deadline
# without their statement (``DecisionService.decide``); the case file reads it back.
UNHEARD_ACTION = "case.decided_without_statement"
UNHEARD_DUE_PREFIX = "statement due "


class CaseService(Motions):
    def __init__(self, ctx: Context, hearing: HearingService | None = None) -> None:
        self._ctx = ctx
        self._hearing = hearing or HearingService(ctx)

    async def open(self, opener: PersonRef | None, subject: PersonRef, summary: str, *,
                   origin: CaseOrigin, severity: Severity = Severity.SERIOUS,
                   reporter: PersonRef | Sealed | None = None,
                   report_id: str | None = None) -> Case:
        """Record a case and open its private thread with the eligible members only.

        A ``Sealed`` reporter (from an anonymous report) is stored sealed: the panel still
        leaves them out, and nothing names them.
        """
        summary = summary.strip()
        if not summary:
            raise InvalidInput("Please give the committee a short summary of the case.")
        case = Case(id=new_ref("C"), subject=subject, summary=summary[:2000], origin=origin,
                    severity=severity, opened_at=self._ctx.now(), opened_by=opener,
                    reporter=reporter if isinstance(reporter, PersonRef) else None,
                    reporter_sealed=reporter.box if isinstance(reporter, Sealed) else None,
                    reporter_tag=reporter.tag if isinstance(reporter, Sealed) else None,
                    report_id=report_id)
        try:
            async with self._ctx.storage.transaction() as tx:
                await tx.insert(case)
                await audit(tx, self._ctx, "case.opened", "case", case.id, actor=opener,
                            details=f"origin={origin.value} severity={severity.value}")
                panel = await panel_for(tx, case, self._ctx.now().date())
        except DuplicateRecord:
            if origin not in AUTOMATIC_ORIGINS:
                raise
            return await self._already_open(subject)
        opened = await self._open_thread(case, panel)
        await self._hearing.ask(opened)  # "collect input from any individual being reported"
        await ask_wishes(self._ctx, opened)  # and what the person harmed would welcome
        return await self.get(opened.id)

    async def _already_open(self, subject: PersonRef) -> Case:
        """The open automatic case a concurrent opening for ``subject`` won with: the
        database keeps one (``cases_one_open_automatic``), so a burst of incidents joins it
        rather than opening one case each."""
        async with self._ctx.storage.transaction() as tx:
            found = await tx.find(Case, subject=subject, status=CaseStatus.OPEN,
                                  origin__in=list(AUTOMATIC_ORIGINS))
        if not found:  # closed between the refusal and this read: a new one may open
            raise InvalidState(f"A case about {subject.key} was being opened at the same "
                               "moment; try again.")
        return found[0]

    async def open_by_staff(self, actor: Actor, subject: PersonRef, summary: str,
                            severity: Severity) -> Case:
        require(actor, Role.STAFF, "open committee cases")
        return await self.open(actor.person, subject, summary, origin=CaseOrigin.STAFF,
                               severity=severity)

    async def _kept_apart(self, case: Case) -> bool:
        """Whether the case must be discussed apart from the committee's channel (on
        Slack, where a thread is read by the whole channel): its subject or its named
        reporter reads that channel (or may: a lookup that failed), or the subject or the
        reporter is anonymous. An anonymous party's case is always apart, whoever they
        are, so that a separate place never tells the committee that one of them sits in
        the channel; a reporter in it would otherwise read the deliberation on their own
        report, which the conflict rule keeps from them."""
        if is_sealed(case.subject) or case.reporter_sealed is not None:
            return True
        for party in (case.subject, case.reporter):
            if party is not None and (
                    await presence(self._ctx, Audience.COMMITTEE, party)).keep_away:
                return True
        return False

    async def _open_thread(self, case: Case, panel: Panel) -> Case:
        """The thread text names no member and counts none: a member left out (as the
        case's anonymous reporter) must not be singled out by a list or a number."""
        ctx = self._ctx
        text = ctx.messages.render(
            "case_opened", ref=case.id, subject=mention(ctx, case.subject), summary=case.summary,
            origin=case.origin.value, severity=case.severity.value, quorum=ctx.policy.quorum,
            emergency="EMERGENCY: please convene as soon as practical."
            if case.severity is Severity.SEVERE else "",
        )
        home = ctx.platforms.home
        members = [p for p in [*panel.accounts.values(), *panel.counsel]
                   if p.platform is home.name]
        notice = Notice(NoticeKind.CASE_OPENED, text, subject_id=case.id,
                        title=f"Case {case.id}", mention_everyone=case.severity is Severity.SEVERE)
        apart = await self._kept_apart(case)
        try:
            thread = await home.open_private_thread(Audience.COMMITTEE, f"Case {case.id}",
                                                    members, notice, separate=apart)
        except PlatformError as exc:
            log.warning("case %s: thread not opened: %s", case.id, exc,
                        extra=log_fields(case.id))
            return case
        async with ctx.storage.transaction() as tx:
            updated = replace(case, thread=thread)
            await tx.update(updated)
        return updated

    async def get(self, ref: str) -> Case:
        async with self._ctx.storage.transaction() as tx:
            return await load_case(tx, ref)

    async def view(self, actor: Actor, ref: str) -> Case:
        """A case as staff, the committee, counsel or the Executive see it; nobody else
        learns even whether the reference exists."""
        if not (actor.is_staff or actor.roles & CASE_READERS):
            raise NotPermitted("Only staff, the committee, counsel or the Executive Committee "
                               "can look at a case.")
        async with self._ctx.storage.transaction() as tx:
            case = await load_case(tx, ref)
            refusal = await reading_refusal(tx, self._ctx, case, actor.person,
                                            "case_view_conflicted")
        if refusal is not None:
            raise refusal
        return case

    async def recuse(self, actor: Actor, ref: str, reason: str) -> Recusal:
        """A member declares a conflict: they leave the thread and none of their votes count."""
        if not reason.strip():
            raise InvalidInput("Please state the nature of the conflict; the protocols ask "
                               "members to inform the committee of it.")
        async with self._ctx.storage.transaction() as tx:
            case = await load_case(tx, ref)
            if not await holds_office(tx, actor.person, Office.COMMITTEE, self._ctx.now().date()):
                raise NotPermitted("Only seated committee members can recuse from a case.")
            key = Recusal.key_for(case.id, actor.person)
            if await tx.get(Recusal, key) is not None:
                raise InvalidState(f"You have already recused yourself from case {case.id}.")
            recusal = Recusal(id=key, case_id=case.id, member=actor.person,
                              reason=reason.strip(), declared_at=self._ctx.now())
            await tx.insert(recusal)
            await audit(tx, self._ctx, "case.recusal", "case", case.id, actor=actor.person,
                        reason=recusal.reason)
            open_motions = await tx.find(Motion, case_id=case.id, status=MotionStatus.OPEN)
            carried = await tx.find(Motion, case_id=case.id, status=MotionStatus.CARRIED)
        if case.thread is not None:
            try:
                await self._ctx.platforms.get(case.thread.platform).remove_from_thread(
                    case.thread, actor.person)
            except PlatformError as exc:
                log.warning("case %s: could not remove recused member: %s", case.id, exc,
                            extra=log_fields(case.id))
        for motion in open_motions:
            await self.refresh_tally(motion.id)
        for motion in carried:  # their vote may have been the one that carried it
            await self.reconsider(motion.id)
        return recusal

    async def close(self, actor: Actor, ref: str, reason: str) -> Case:
        """Close a case with no decision (withdrawn, resolved by amends)."""
        require(actor, Role.STAFF, "close cases")
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please say why the case is closed without a decision; the "
                               "reason goes on the record.")
        async with self._ctx.storage.transaction() as tx:
            case = await load_case(tx, ref)
            await ensure_free_to_act(tx, self._ctx, case, actor.person, CaseAction.CLOSE)
            if case.status is not CaseStatus.OPEN:
                raise InvalidState(f"Case {case.id} is {case.status.value}, not open.")
            updated = replace(case, status=CaseStatus.CLOSED, final_at=self._ctx.now())
            await tx.update(updated)
            await audit(tx, self._ctx, "case.closed", "case", case.id, actor=actor.person,
                        reason=reason)
            await cancel(tx, ActionKind.STATEMENT_REMINDER, case.id)
            motions = await self.close_all(tx, updated)
        await self.show_closed(motions)
        await self.announce(updated, Notice(
            NoticeKind.INFO, self._ctx.messages.render("case_closed", case=updated.id,
                                                       reason=reason),
            subject_id=updated.id))
        return updated


__all__ = ["VOTE_EMOJI", "CaseService", "ProposedSanction", "VoteOutcome", "load_case"]
