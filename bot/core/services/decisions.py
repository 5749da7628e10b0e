"""Decisions: counsel's overrule, communicating the result, and the appeal clock.

The protocols start the 60-day appeal window when the decision is *communicated*, so the
moment is recorded only when the DM reached the person, when the mail server accepted the
e-mail sent because their DMs are closed, or when staff say they told them; with the way.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.core.durations import parse_duration, parse_review_period
from bot.core.errors import (
    AlreadyDone,
    InvalidInput,
    InvalidState,
    NotFound,
    NotPermitted,
    StatementAwaited,
)
from bot.core.identity import PersonRef
from bot.core.models import (
    ActionKind,
    Actor,
    Case,
    CaseStatus,
    CommunicationChannel,
    Motion,
    MotionStatus,
    Office,
    Role,
    Sanction,
    SanctionScope,
)
from bot.core.ports import Notice, NoticeKind
from bot.core.refs import normalise_ref
from bot.core.rules.conflicts import CaseAction
from bot.core.rules.windows import appeal_deadline
from bot.core.services._committee import ensure_free_to_act, holds_office
from bot.core.services._context import (
    Context,
    Reach,
    after_commit,
    audit,
    cancel,
    mention,
    reach,
    schedule,
    when,
)
from bot.core.services.cases import (
    UNHEARD_ACTION,
    UNHEARD_DUE_PREFIX,
    CaseService,
    load_case,
)
from bot.core.services.public_statements import PublicStatementService
from bot.core.services.sanctions import SanctionService, SuspensionRequest

_APPLYING = "applying"  # marks a motion whose sanction is being applied right now
OVERRIDE_MIN_WORDS = 3
"""Words in a reason to decide without the subject's statement: "a few words at least",
so "ok" or "now" (typed by accident) is not taken for a decision to skip the hearing."""
OVERRIDE_LIMIT = 500  # characters: it is posted in the case thread with the decision


class DecisionService:
    def __init__(self, ctx: Context, cases: CaseService, sanctions: SanctionService,
                 public_statements: PublicStatementService | None = None) -> None:
        self._ctx = ctx
        self._cases = cases
        self._sanctions = sanctions
        self._statements = public_statements or PublicStatementService(ctx)

    async def overrule(self, actor: Actor, ref: str, reason: str) -> Motion:
        """Legal counsel overrules the carried motion when it would put the organisation at risk."""
        if not reason.strip():
            raise InvalidInput("An overrule needs a written reason; it is recorded.")
        async with self._ctx.storage.transaction() as tx:
            if not (actor.has(Role.COUNSEL) or await holds_office(
                    tx, actor.person, Office.COUNSEL, self._ctx.now().date())):
                raise NotPermitted("Only legal counsel can overrule the committee.")
            case = await load_case(tx, ref)
            await ensure_free_to_act(tx, self._ctx, case, actor.person, CaseAction.OVERRULE)
            carried = await tx.find(Motion, case_id=case.id, status=MotionStatus.CARRIED,
                                    order_by="closed_at", descending=True, limit=1)
            if not carried:
                raise InvalidState(f"Case {case.id} has no carried motion to overrule.")
            if case.status is not CaseStatus.OPEN:
                raise InvalidState(f"Case {case.id} was already decided; use the appeal route.")
            motion = replace(carried[0], status=MotionStatus.OVERRULED,
                             overruled_by=actor.person, overrule_reason=reason.strip())
            await tx.update(motion)
            await audit(tx, self._ctx, "motion.overruled", "motion", motion.id,
                        actor=actor.person, reason=motion.overrule_reason)
        text = self._ctx.messages.render("overruled", case=case.id, motion=motion.id,
                                         reason=motion.overrule_reason)
        await self._cases.announce(case, Notice(NoticeKind.RESULT, text, subject_id=motion.id))
        return motion

    async def decide(self, actor: Actor, ref: str, *,
                     without_statement: str | None = None) -> tuple[Case, Reach]:
        """Communicate the carried motion to the subject; delivery starts the appeal window.

        The protocols have the committee hear the reported person first: while the subject
        has given no statement and their deadline has not passed, the decision is refused
        (:class:`StatementAwaited`) unless ``without_statement`` gives the reason to decide
        anyway, which is audited and shown in the case thread.

        Returns the case and how the decision is reaching the person. By DM: communicated
        now. By e-mail (their DMs are closed): communicated when the mail server accepts it
        (:meth:`emailed`). Neither: the case is decided but not yet communicated; staff
        tell the person another way and run :meth:`mark_communicated`.
        """
        if not (actor.has(Role.COMMITTEE) or actor.is_staff):
            raise NotPermitted("Only committee members or staff can communicate a decision.")
        reason = None if without_statement is None else self._override_reason(
            ref, without_statement)
        async with self._ctx.storage.transaction() as tx:
            case = await load_case(tx, ref)
            await ensure_free_to_act(tx, self._ctx, case, actor.person, CaseAction.DECIDE)
            if case.status is not CaseStatus.OPEN:
                raise InvalidState(f"Case {case.id} was already decided.")
            carried = await tx.find(Motion, case_id=case.id, status=MotionStatus.CARRIED,
                                    order_by="closed_at", descending=True, limit=1)
            if not carried:
                raise InvalidState(f"Case {case.id} has no carried motion (that was not "
                                   "overruled) to communicate.")
            unheard = self._awaiting_statement(case, actor, reason)  # overridden deadline
            decided = replace(case, status=CaseStatus.DECIDED, decision=carried[0].text,
                              decided_motion_id=carried[0].id)
            await tx.update(decided)
            if unheard is not None:
                await audit(tx, self._ctx, UNHEARD_ACTION, "case", case.id,
                            actor=actor.person, reason=reason,
                            details=f"{UNHEARD_DUE_PREFIX}{unheard.isoformat()}")
            await audit(tx, self._ctx, "case.decided", "case", case.id, actor=actor.person,
                        details=carried[0].id)
            await cancel(tx, ActionKind.STATEMENT_REMINDER, case.id)  # no longer asked
        if unheard is not None:
            await self._announce_unheard(decided, actor, unheard, reason or "")
        reached = await reach(self._ctx, case.subject, self._decision_notice(decided))
        if reached is Reach.DM:
            decided = await self.mark_communicated(None, decided.id)
        # Decided: counsel can no longer overrule, so a statement may now be published.
        await self._statements.offer(decided)
        return decided, reached

    def _override_reason(self, ref: str, given: str) -> str:
        """The reason to decide without the subject's statement: a few words, recorded and
        shown to the committee, so a blank or one-word reason is refused."""
        reason = " ".join(given.split())
        if len(reason.split()) < OVERRIDE_MIN_WORDS or len(reason) > OVERRIDE_LIMIT:
            raise InvalidInput(self._ctx.messages.render(
                "decide_override_reason", case=normalise_ref(ref) or ref,
                words=OVERRIDE_MIN_WORDS, limit=OVERRIDE_LIMIT))
        return reason

    def _awaiting_statement(self, case: Case, actor: Actor,
                            reason: str | None) -> datetime | None:
        """The subject's deadline if they are still within their time to be heard (no
        statement, a deadline in the future): refused then, unless a reason overrides it.
        None when nothing is awaited: a statement came, the deadline passed, or no
        deadline was ever set (the case then decides as it always did)."""
        due = case.statement_due_at
        if case.statement_at is not None or due is None or due <= self._ctx.now():
            return None
        if reason is not None:
            return due
        ctx = self._ctx
        raise StatementAwaited(ctx.messages.render(
            "decide_awaiting_statement", case=case.id, due=when(ctx, actor.person, due),
            unreachable=ctx.messages.render("decide_awaiting_unreachable")
            if case.subject_unreachable_at is not None else ""), due)

    async def _announce_unheard(self, case: Case, actor: Actor, due: datetime,
                                reason: str) -> None:
        """The committee sees, in the case thread, that its decision went out before the
        subject was heard, who chose that and why."""
        ctx = self._ctx
        text = ctx.messages.render("decided_without_statement", case=case.id,
                                   by=mention(ctx, actor.person),
                                   due=when(ctx, case.thread, due),
                                   reason=reason)
        await self._cases.announce(case, Notice(NoticeKind.RESULT, text, subject_id=case.id))

    def _decision_notice(self, case: Case) -> Notice:
        ctx = self._ctx
        deadline = appeal_deadline(ctx.now(), ctx.policy.appeal_window, ctx.calendar.zone)
        text = ctx.messages.render(
            "decision_dm", case=case.id, decision=case.decision,
            deadline=when(ctx, case.subject, deadline),
            appeal_route=f"use /appeal with reference {case.id}")
        return Notice(NoticeKind.DECISION_DM, text, subject_id=case.id,
                      title=f"Decision on case {case.id}")

    async def emailed(self, case_id: str, recipient: PersonRef) -> Case | None:
        """The mail server accepted the e-mail carrying the decision: it is communicated
        now, by e-mail. None if it was already recorded (staff told them meanwhile, or the
        operator e-mails decisions as well as DMing them)."""
        async with self._ctx.storage.transaction() as tx:
            case = await tx.get(Case, case_id)
        if case is None or case.subject != recipient:
            return None
        try:
            return await self.mark_communicated(None, case_id,
                                                via=CommunicationChannel.EMAIL)
        except (InvalidState, NotFound):
            return None

    async def mark_communicated(self, actor: Actor | None, ref: str, *,
                                via: CommunicationChannel | None = None) -> Case:
        """Record when (and how: ``via``, by default a DM from the bot or staff telling
        them another way) the decision reached the person; the appeal window starts now."""
        ctx = self._ctx
        via = via or (CommunicationChannel.STAFF if actor else CommunicationChannel.DM)
        if actor is not None and not actor.is_staff:
            raise NotPermitted("Only staff can record that a decision was communicated.")
        async with ctx.storage.transaction() as tx:
            case = await load_case(tx, ref)
            if actor is not None:
                await ensure_free_to_act(tx, ctx, case, actor.person, CaseAction.DECIDE)
            if case.status is not CaseStatus.DECIDED or case.communicated_at is not None:
                raise InvalidState(f"Case {case.id} is not awaiting communication.")
            now = ctx.now()
            updated = replace(case, communicated_at=now, communicated_via=via,
                              appeal_deadline=appeal_deadline(now, ctx.policy.appeal_window,
                                                              ctx.calendar.zone))
            if not await tx.update_if(updated, communicated_at=None):
                raise InvalidState(f"Case {case.id} is not awaiting communication.")
            await audit(tx, ctx, "case.communicated", "case", case.id,
                        actor=actor.person if actor else None, details=f"via={via.value}")
            assert updated.appeal_deadline is not None
            action = await schedule(tx, ctx, ActionKind.APPEAL_WINDOW_CLOSE, case.id,
                                    updated.appeal_deadline)
        after_commit(ctx, action)
        return updated

    async def apply_sanction(self, actor: Actor, motion_ref: str) -> Sanction:
        """Apply the suspension a carried motion decided, once."""
        if not (actor.is_staff or actor.has(Role.COMMITTEE)):
            raise NotPermitted("Only staff or committee members can apply a committee sanction.")
        async with self._ctx.storage.transaction() as tx:
            motion = await tx.get(Motion, normalise_ref(motion_ref))
            if motion is None:
                raise NotFound(f"There is no motion '{motion_ref}'.")
            case = await load_case(tx, motion.case_id)
            await ensure_free_to_act(tx, self._ctx, case, actor.person, CaseAction.APPLY)
        if motion.status is not MotionStatus.CARRIED:
            raise InvalidState(f"Motion {motion.id} is {motion.status.value}; only a carried "
                               "motion that was not overruled can be applied.")
        if motion.sanction_duration is None or motion.sanction_clause is None:
            raise InvalidState(f"Motion {motion.id} does not decide a suspension; use /suspend.")
        if motion.applied_sanction_id == _APPLYING:
            raise AlreadyDone(f"Motion {motion.id} is being applied right now; if no "
                              "suspension appears, apply it with /suspend.")
        if motion.applied_sanction_id is not None:
            raise AlreadyDone(f"Motion {motion.id} was already applied as "
                              f"{motion.applied_sanction_id}.")
        # Claim the motion first, so two clicks at once cannot suspend the person twice.
        async with self._ctx.storage.transaction() as tx:
            if not await tx.update_if(replace(motion, applied_sanction_id=_APPLYING),
                                      applied_sanction_id=None, status=MotionStatus.CARRIED):
                raise AlreadyDone(f"Motion {motion.id} was already applied.")
        review = parse_review_period(motion.sanction_review).after(self._ctx.now()) \
            if motion.sanction_review else None
        try:
            sanction = await self._sanctions.suspend(actor, SuspensionRequest(
                subject=case.subject, duration=parse_duration(motion.sanction_duration),
                scope=SanctionScope.SPACE, reason=motion.text,
                clause_id=motion.sanction_clause, case_id=case.id, review_at=review,
                confirmed=True))
        except BaseException:
            async with self._ctx.storage.transaction() as tx:  # release the claim
                await tx.update_if(motion, applied_sanction_id=_APPLYING)
            raise
        async with self._ctx.storage.transaction() as tx:
            await tx.update_if(replace(motion, applied_sanction_id=sanction.id),
                               applied_sanction_id=_APPLYING)
        return sanction
