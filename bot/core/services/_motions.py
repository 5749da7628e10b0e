"""Motions and reaction votes on a case: proposing, the stored votes, the tally.

Votes live in our tables; reactions are only input. The tally is recomputed from stored
votes each time, so a restart, an edited message or a replayed gateway event cannot
change a result silently. Mixed into ``CaseService`` (``cases.py``), whose context and
hearing it uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from bot.core.durations import parse_duration
from bot.core.errors import InvalidInput, InvalidState, NotFound, NotPermitted, PlatformError
from bot.core.identity import MessageRef, PersonRef
from bot.core.models import (
    ActionKind,
    Actor,
    Case,
    CaseStatus,
    Motion,
    MotionStatus,
    SanctionScope,
    Vote,
    VoteChoice,
)
from bot.core.ports import Audience, Notice, NoticeKind, Tx
from bot.core.refs import log_fields, new_ref, normalise_ref
from bot.core.rules.conflicts import CaseAction
from bot.core.rules.voting import Ballot, Tally, tally
from bot.core.services._committee import (
    Panel,
    conflict_refusal,
    ensure_free_to_act,
    panel_for,
)
from bot.core.services._context import (
    Context,
    after_commit,
    audit,
    cancel,
    identity_of,
    schedule,
)
from bot.core.services.audiences import presence
from bot.core.services.hearing import HearingService
from bot.core.services.public_statements import clean_review, clean_statement, motion_terms

log = logging.getLogger(__name__)
VOTE_EMOJI = {"✅": VoteChoice.YES, "❌": VoteChoice.NO, "➖": VoteChoice.ABSTAIN}


@dataclass(frozen=True, slots=True)
class ProposedSanction:
    """A space-wide suspension a motion would impose: ``duration`` as typed (``30d``);
    a permanent one may carry a ``review`` period (``1y``)."""

    duration: str
    clause_id: str
    review: str | None = None


@dataclass(frozen=True, slots=True)
class VoteOutcome:
    """``reason`` is for the voter alone (it may name their own conflict); ``notice`` is
    what may be said where the committee sees it, and never says which conflict."""

    counted: bool
    reason: str
    motion: Motion
    tally: Tally
    notice: str = ""


class Motions:
    """The motion half of :class:`~bot.core.services.cases.CaseService`."""

    _ctx: Context
    _hearing: HearingService

    async def announce(self, case: Case, notice: Notice) -> None:
        """Post in the case's private thread (the committee channel if it has none and
        its subject does not read that channel: ``audiences.py``)."""
        platform = self._ctx.platforms.home
        try:
            if case.thread is not None:
                await platform.post_in(case.thread, notice)
            elif (await presence(self._ctx, Audience.COMMITTEE, case.subject)).keep_away:
                log.warning("case %s: an announcement was held back (no private thread, and "
                            "its subject reads the committee's channel)", case.id,
                            extra=log_fields(case.id))
            else:
                await platform.post(Audience.COMMITTEE, notice)
        except PlatformError as exc:
            log.warning("case %s: announcement failed: %s", case.id, exc,
                        extra=log_fields(case.id))

    async def propose(self, actor: Actor, ref: str, text: str,
                      sanction: ProposedSanction | None = None, *,
                      statement: str | None = None) -> Motion:
        """Put a motion to the committee in the case thread, with the voting reactions.

        A motion may carry a suspension (duration, clause, review period) so that, once
        carried, it can be applied with one click rather than retyped; and a public
        statement, voted on with it (``statements``).
        """
        ctx = self._ctx
        if not text.strip():
            raise InvalidInput("Please write the motion, e.g. 'Suspend for 30 days'.")
        if sanction is not None:
            parse_duration(sanction.duration)
            ctx.code.clause(sanction.clause_id)
        review = clean_review(sanction.duration if sanction else None,
                              sanction.review if sanction else None)
        public = clean_statement(statement)
        async with ctx.storage.transaction() as tx:
            case = await load_case(tx, ref)
            if case.status is not CaseStatus.OPEN:
                raise InvalidState(f"Case {case.id} is {case.status.value}; no new motions.")
            await ensure_free_to_act(tx, ctx, case, actor.person, CaseAction.PROPOSE)
            panel = await panel_for(tx, case, ctx.now().date())
            if await identity_of(tx, actor.person) not in panel.voting:
                raise NotPermitted("Only eligible committee members can propose a motion on "
                                   "this case.")
            now = ctx.now()
            motion = Motion(id=new_ref("M"), case_id=case.id, text=text.strip()[:1500],
                            proposed_by=actor.person, opened_at=now,
                            closes_at=now + ctx.policy.vote_window,
                            sanction_duration=sanction.duration if sanction else None,
                            sanction_scope=SanctionScope.SPACE if sanction else None,
                            sanction_clause=sanction.clause_id if sanction else None,
                            sanction_review=review, public_statement=public)
            await tx.insert(motion)
            await audit(tx, ctx, "motion.proposed", "motion", motion.id, actor=actor.person,
                        details=case.id)
            action = await schedule(tx, ctx, ActionKind.MOTION_CLOSE, motion.id,
                                    motion.closes_at)
        after_commit(ctx, action)
        posted = await self._post_motion(case, motion)
        await self._hearing.ask(case, posted)
        return posted

    async def _post_motion(self, case: Case, motion: Motion) -> Motion:
        ctx = self._ctx
        platform = ctx.platforms.home
        text = ctx.messages.render("motion", case=case.id, motion=motion.id, text=motion.text,
                                   closes=platform.format_time(motion.closes_at),
                                   quorum=ctx.policy.quorum, terms=motion_terms(ctx, motion))
        notice = Notice(NoticeKind.MOTION, text, subject_id=motion.id, title=f"Motion {motion.id}")
        if case.thread is not None:
            message = await platform.post_in(case.thread, notice)
        else:
            message = await platform.post(Audience.COMMITTEE, notice)
        await platform.add_reactions(message, list(VOTE_EMOJI))
        async with ctx.storage.transaction() as tx:
            updated = replace(motion, message=message)
            await tx.update(updated)
        return updated

    async def motion_for_message(self, message: MessageRef) -> Motion | None:
        async with self._ctx.storage.transaction() as tx:
            found = await tx.find(Motion, message=message, limit=1)
        return found[0] if found else None

    async def retract(self, voter: PersonRef, motion_id: str,
                      choice: VoteChoice) -> VoteOutcome | None:
        """A removed reaction withdraws the vote only if it is still the current one.

        A member switching from ✅ to ❌ adds ❌ (vote: no) and then removes ✅; that removal
        must not delete the new vote.
        """
        async with self._ctx.storage.transaction() as tx:
            current = await tx.get(Vote, Vote.key_for(normalise_ref(motion_id), voter))
        if current is None or current.choice is not choice:
            return None
        return await self.vote(voter, motion_id, None)

    async def vote(self, voter: PersonRef, motion_id: str,
                   choice: VoteChoice | None) -> VoteOutcome:
        """Record (or with ``None`` withdraw) a vote; ineligible votes are refused, not stored.

        Re-sending the same vote (a replayed gateway event) stores the same row again, so
        it can never count twice.
        """
        async with self._ctx.storage.transaction() as tx:
            motion = await _load_motion(tx, motion_id)
            case = await load_case(tx, motion.case_id)
            panel = await panel_for(tx, case, self._ctx.now().date())
            reason, notice = await self._vote_refusal(tx, case, motion, panel, voter)
            if reason:
                current = await _tally(tx, motion, panel, self._ctx.policy.quorum)
                return VoteOutcome(False, reason, motion, current, notice)
            key = Vote.key_for(motion.id, voter)
            if choice is None:
                await tx.delete(Vote, key)
            else:
                await tx.upsert(Vote(id=key, motion_id=motion.id, voter=voter, choice=choice,
                                     cast_at=self._ctx.now()))
            await audit(tx, self._ctx, "vote.withdrawn" if choice is None else "vote.cast",
                        "motion", motion.id, actor=voter,
                        details=None if choice is None else choice.value)
            result = await _tally(tx, motion, panel, self._ctx.policy.quorum)
        closed = await self._close_if_decided(motion, result, panel)
        if closed is None:  # a close shows the final tally itself
            await self._show_tally(motion, result)
        return VoteOutcome(True, "", closed or motion, result)

    async def _vote_refusal(self, tx: Tx, case: Case, motion: Motion, panel: Panel,
                            voter: PersonRef) -> tuple[str, str]:
        """Why a vote does not count: (for the voter, for the committee); empty if it does."""
        if motion.status is not MotionStatus.OPEN or case.status is not CaseStatus.OPEN:
            closed = f"Motion {motion.id} is closed ({motion.status.value})."
            if motion.status is MotionStatus.OPEN:
                closed = f"Case {case.id} is {case.status.value}; its motions take no votes."
            return closed, closed
        refusal = await conflict_refusal(tx, self._ctx, case, voter, CaseAction.VOTE)
        if refusal is not None:
            return refusal.message, ("only committee members with no conflict of interest "
                                     "in this case can vote on it.")
        if await identity_of(tx, voter) not in panel.eligible:
            not_seated = "Only eligible committee members can vote on this case."
            return not_seated, not_seated
        return "", ""

    async def _close_if_decided(self, motion: Motion, result: Tally, panel: Panel) -> Motion | None:
        """Close early only once no remaining vote could change the outcome."""
        outstanding = len(panel.voting) - result.participating
        if result.quorum_met and result.yes > result.no + outstanding:
            return await self.close_motion(motion.id, MotionStatus.CARRIED)
        if result.yes + outstanding <= result.no and \
                result.participating + outstanding >= result.quorum:
            return await self.close_motion(motion.id, MotionStatus.FAILED)
        return None  # still open; the window closes it with the result as it stands

    async def close_motion(self, motion_id: str, status: MotionStatus | None = None,
                           ) -> Motion | None:
        """Close a motion with its result as it stands; idempotent (None if already closed)."""
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            motion = await _load_motion(tx, motion_id)
            if motion.status is not MotionStatus.OPEN:
                return None
            case = await load_case(tx, motion.case_id)
            panel = await panel_for(tx, case, ctx.now().date())
            result = await _tally(tx, motion, panel, self._ctx.policy.quorum)
            final = status or (MotionStatus.CARRIED if result.carried else MotionStatus.FAILED)
            closed = replace(motion, status=final, closed_at=ctx.now())
            if not await tx.update_if(closed, status=MotionStatus.OPEN):
                return None
            await cancel(tx, ActionKind.MOTION_CLOSE, motion.id)
            await audit(tx, ctx, f"motion.{final.value}", "motion", motion.id, actor=None,
                        details=result.describe())
        text = ctx.messages.render(
            "motion_result", case=case.id, motion=motion.id, text=motion.text,
            result=final.value.upper(), tally=result.describe(),
            statement=ctx.messages.render("statement_pending") if
            final is MotionStatus.CARRIED and motion.public_statement else "")
        ready = final is MotionStatus.CARRIED and motion.sanction_duration is not None
        kind = NoticeKind.SANCTION_READY if ready else NoticeKind.RESULT
        await self._show_tally(closed, result)  # however it closed, the message says so
        await self.announce(case, Notice(kind, text, subject_id=motion.id))
        return closed

    async def reconsider(self, motion_id: str) -> Motion | None:
        """A carried motion whose result no longer stands once a recused member's vote
        stops counting: open again until its window ends (then failed), so the case is not
        communicated as decided by a vote that lacks its quorum or majority. Only while
        the case is open (a communicated decision goes the appeal route). None when the
        result still stands."""
        ctx = self._ctx
        action = None
        async with ctx.storage.transaction() as tx:
            motion = await _load_motion(tx, motion_id)
            case = await load_case(tx, motion.case_id)
            if motion.status is not MotionStatus.CARRIED or case.status is not CaseStatus.OPEN:
                return None
            panel = await panel_for(tx, case, ctx.now().date())
            result = await _tally(tx, motion, panel, ctx.policy.quorum)
            if result.carried:
                return None
            still_open = ctx.now() < motion.closes_at
            changed = replace(motion, status=MotionStatus.OPEN if still_open
                              else MotionStatus.FAILED,
                              closed_at=None if still_open else motion.closed_at)
            if not await tx.update_if(changed, status=MotionStatus.CARRIED):
                return None
            if still_open:
                action = await schedule(tx, ctx, ActionKind.MOTION_CLOSE, motion.id,
                                        motion.closes_at)
            await audit(tx, ctx, "motion.reopened" if still_open else "motion.failed",
                        "motion", motion.id, actor=None,
                        details=f"a recusal; {result.describe()}")
        if action is not None:
            after_commit(ctx, action)
        say = ctx.messages.render
        await self._show_tally(changed, result)
        await self.announce(case, Notice(NoticeKind.RESULT, say(
            "motion_no_longer_carried", case=case.id, motion=motion.id, tally=result.describe(),
            next=say("motion_reopened", closes=ctx.platforms.home.format_time(motion.closes_at))
            if still_open else say("motion_failed_after_recusal"),
            applied=say("motion_applied_stands", sanction=motion.applied_sanction_id)
            if motion.applied_sanction_id else ""), subject_id=motion.id))
        return changed

    async def close_all(self, tx: Tx, case: Case) -> list[Motion]:
        """Close every open motion of ``case`` (closed without a decision) as not carried,
        in the caller's transaction: a late vote or the window's end cannot carry them."""
        closed = []
        for motion in await tx.find(Motion, case_id=case.id, status=MotionStatus.OPEN):
            ended = replace(motion, status=MotionStatus.FAILED, closed_at=self._ctx.now())
            if await tx.update_if(ended, status=MotionStatus.OPEN):
                await cancel(tx, ActionKind.MOTION_CLOSE, motion.id)
                await audit(tx, self._ctx, "motion.failed", "motion", motion.id, actor=None,
                            details=f"case {case.id} closed without a decision")
                closed.append(ended)
        return closed

    async def show_closed(self, motions: list[Motion]) -> None:
        for motion in motions:
            await self._show_tally(motion, await self.tally_for(motion.id))

    async def refresh_tally(self, motion_id: str) -> Tally:
        async with self._ctx.storage.transaction() as tx:
            motion = await _load_motion(tx, motion_id)
            case = await load_case(tx, motion.case_id)
            panel = await panel_for(tx, case, self._ctx.now().date())
            result = await _tally(tx, motion, panel, self._ctx.policy.quorum)
        await self._show_tally(motion, result)
        return result

    async def _show_tally(self, motion: Motion, result: Tally) -> None:
        """Update the motion message in place so members see the count as it stands."""
        if motion.message is None:
            return
        ctx = self._ctx
        platform = ctx.platforms.get(motion.message.platform)
        text = ctx.messages.render("motion", case=motion.case_id, motion=motion.id,
                                   text=motion.text, closes=platform.format_time(motion.closes_at),
                                   quorum=ctx.policy.quorum, terms=motion_terms(ctx, motion))
        status = "" if motion.status is MotionStatus.OPEN else f" — {motion.status.value.upper()}"
        async with ctx.storage.transaction() as tx:
            heard = self._hearing.tally_note(await load_case(tx, motion.case_id))
        try:
            await platform.edit(motion.message, Notice(
                NoticeKind.MOTION,
                f"{text}\n\n{heard}\n**Tally:** {result.describe()}{status}",
                subject_id=motion.id, title=f"Motion {motion.id}"))
        except PlatformError as exc:
            log.warning("motion %s: tally not shown: %s", motion.id, exc,
                        extra=log_fields(motion.id, motion.case_id))

    async def tally_for(self, motion_id: str) -> Tally:
        async with self._ctx.storage.transaction() as tx:
            motion = await _load_motion(tx, motion_id)
            case = await load_case(tx, motion.case_id)
            panel = await panel_for(tx, case, self._ctx.now().date())
            return await _tally(tx, motion, panel, self._ctx.policy.quorum)


async def load_case(tx: Tx, ref: str) -> Case:
    case = await tx.get(Case, normalise_ref(ref))
    if case is None:
        raise NotFound(f"There is no case '{ref}'. Check the reference number.")
    return case


async def _load_motion(tx: Tx, ref: str) -> Motion:
    motion = await tx.get(Motion, normalise_ref(ref))
    if motion is None:
        raise NotFound(f"There is no motion '{ref}'.")
    return motion


async def _tally(tx: Tx, motion: Motion, panel: Panel, quorum: int) -> Tally:
    votes = await tx.find(Vote, motion_id=motion.id)
    ballots = [Ballot(await identity_of(tx, v.voter), v.choice, v.cast_at) for v in votes]
    return tally(ballots, panel.eligible, panel.recused, quorum)
