"""Appeals to the Executive Committee, within 60 days of the decision being communicated."""

from __future__ import annotations

from dataclasses import replace

from bot.core.errors import (
    DeadlinePassed,
    InvalidInput,
    InvalidState,
    NotFound,
    NotPermitted,
    PlatformError,
)
from bot.core.identity import PersonRef, is_sealed, sealed_person
from bot.core.messages import safe
from bot.core.models import (
    ActionKind,
    Actor,
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    CommunicationChannel,
    Office,
    Role,
    Sanction,
    SanctionStatus,
)
from bot.core.ports import Notice, NoticeKind
from bot.core.refs import new_ref, normalise_ref
from bot.core.rules.conflicts import CaseAction
from bot.core.rules.windows import appeal_window_open
from bot.core.services._committee import (
    ensure_free_to_act,
    holds_office,
    reporter_matches,
    tags_of,
)
from bot.core.services._context import (
    UNNAMED,
    Context,
    Reach,
    audit,
    cancel,
    identity_of,
    mention,
    reach,
    when,
)
from bot.core.services.audiences import alert_staff_about, post_appeal
from bot.core.services.cases import load_case
from bot.core.services.sanctions import SanctionService


class AppealService:
    def __init__(self, ctx: Context, sanctions: SanctionService | None = None) -> None:
        self._ctx = ctx
        self._sanctions = sanctions

    async def file(self, appellant: PersonRef, case_ref: str, reason: str) -> Appeal:
        """Accept an appeal from someone involved, inside the window; refuse with the date."""
        ctx = self._ctx
        reason = reason.strip()
        if len(reason) < 10:
            raise InvalidInput("Please describe the reason for the appeal and why the decision "
                               "should be changed (at least a sentence).")
        now = ctx.now()
        async with ctx.storage.transaction() as tx:
            case = await load_case(tx, case_ref)
            is_subject = await identity_of(tx, case.subject) == await identity_of(tx, appellant)
            if not (is_subject or await reporter_matches(tx, case, appellant)):
                raise NotFound(f"There is no case '{case_ref}' that involves you.")
            # The anonymous reporter appealing stays anonymous: stored sealed, never named.
            anonymous = not is_subject and case.reporter is None
            if case.communicated_at is None or case.appeal_deadline is None:
                raise InvalidState(f"Case {case.id} has no decision to appeal yet.")
            if not appeal_window_open(now, case.communicated_at, ctx.policy.appeal_window,
                                      ctx.calendar.zone):
                raise DeadlinePassed(
                    f"The appeal window for case {case.id} closed on "
                    f"{when(ctx, appellant, case.appeal_deadline)} (the end of the "
                    f"{ctx.policy.appeal_window.days}th day after the decision was "
                    "communicated), so the decision is final.",
                    deadline=case.appeal_deadline)
            if case.status is CaseStatus.FINAL:
                raise InvalidState(f"Case {case.id} is final; its appeal was already decided.")
            mine = {"appellant_tag__in": await tags_of(tx, appellant)} if anonymous \
                else {"appellant": appellant}
            if await tx.count(Appeal, case_id=case.id, status=AppealStatus.PENDING, **mine):
                raise InvalidState(f"Your appeal of case {case.id} is already with the "
                                   "Executive Committee.")
            appeal = Appeal(id=new_ref("A"), case_id=case.id, appellant=appellant,
                            reason=reason[:4000], filed_at=now)
            if anonymous:
                sealed = tx.sealer.seal(appellant)
                appeal = replace(appeal, appellant=None, appellant_sealed=sealed.box,
                                 appellant_tag=sealed.tag)
            await tx.insert(appeal)
            await tx.update(replace(case, status=CaseStatus.APPEALED))
            await audit(tx, ctx, "appeal.filed", "appeal", appeal.id,
                        actor=UNNAMED if anonymous else appellant, details=case.id)
        # A named reporter is shown to staff and nobody else, the Executive included.
        named = ctx.messages.render("anonymous_appellant") if anonymous \
            else mention(ctx, appellant) if is_subject \
            else ctx.messages.render("named_reporter_appellant")
        text = ctx.messages.render("appeal_filed", ref=appeal.id, case=case.id,
                                   appellant=named, reason=appeal.reason,
                                   deadline=when(ctx, None, case.appeal_deadline))
        await post_appeal(ctx, case, appeal, Notice(NoticeKind.APPEAL_FILED, text,
                                                    subject_id=appeal.id,
                                                    title=f"Appeal {appeal.id}"))
        return appeal

    async def decide(self, actor: Actor, ref: str, outcome: AppealStatus, reason: str) -> Appeal:
        """The Executive Committee's decision; with it the case is final."""
        ctx = self._ctx
        if not outcome.decided:
            raise InvalidInput("Choose upheld, modified or overturned.")
        if not reason.strip():
            raise InvalidInput("Please give the reason for the decision; the appellant gets it.")
        async with ctx.storage.transaction() as tx:
            if not (actor.has(Role.EXECUTIVE) or await holds_office(
                    tx, actor.person, Office.EXECUTIVE, ctx.now().date())):
                raise NotPermitted("Only the Executive Committee decides appeals.")
            appeal = await tx.get(Appeal, normalise_ref(ref))
            if appeal is None:
                raise NotFound(f"There is no appeal '{ref}'.")
            case = await load_case(tx, appeal.case_id)
            await ensure_free_to_act(tx, ctx, case, actor.person, CaseAction.DECIDE_APPEAL,
                                     appeal)
            if appeal.status.decided:
                raise InvalidState(f"Appeal {appeal.id} was already decided "
                                   f"({appeal.status.value}).")
            decided = replace(appeal, status=outcome, decided_by=actor.person,
                              decided_at=ctx.now(), decision_reason=reason.strip())
            await tx.update(decided)
            appellant = appeal.appellant  # a sealed one is opened only to address the DM
            if appellant is None and appeal.appellant_sealed is not None:
                appellant = tx.sealer.open(appeal.appellant_sealed)
            # With two people appealing one case, it is final only once both are decided.
            if not await tx.count(Appeal, case_id=case.id, status=AppealStatus.PENDING):
                await tx.update(replace(case, status=CaseStatus.FINAL, final_at=ctx.now()))
                await cancel(tx, ActionKind.APPEAL_WINDOW_CLOSE, case.id)
            await audit(tx, ctx, f"appeal.{outcome.value}", "appeal", appeal.id,
                        actor=actor.person, reason=decided.decision_reason)
        if outcome is AppealStatus.OVERTURNED:
            await self._undo_sanctions(case, decided)
        elif outcome is AppealStatus.MODIFIED:
            await alert_staff_about(ctx, case, Notice(
                NoticeKind.STAFF_ALERT,
                f"Appeal {appeal.id} modified the decision on case {case.id}: "
                f"{safe(decided.decision_reason)}\nPlease adjust any suspension from this case by "
                "hand (/unsuspend, then /suspend with the new terms).", subject_id=appeal.id))
        text = ctx.messages.render("appeal_decided_dm", ref=appeal.id, case=case.id,
                                   outcome=outcome.value, reason=decided.decision_reason)
        notice = Notice(NoticeKind.APPEAL_DECIDED_DM, text, subject_id=appeal.id)
        if appellant is not None:
            decided = await self._tell_appellant(case, decided, appellant, notice)
        if case.subject != appellant:
            await self._tell(case, decided, case.subject, notice)
        return decided

    async def _tell_appellant(self, case: Case, appeal: Appeal, account: PersonRef,
                              notice: Notice) -> Appeal:
        """The outcome to the appellant; recorded as communicated once it reached them (at
        once by DM; by e-mail when the mail server accepts it, :meth:`emailed`). An
        anonymous appellant (the case's anonymous reporter) is addressed by the report's
        seal, so no outbox row holds their account."""
        tag = _sealed_tag(case, appeal)
        who = sealed_person(account.platform, tag) if tag else account
        if await self._tell(case, appeal, who, notice) is not Reach.DM:
            return appeal
        return await self._communicated(appeal, CommunicationChannel.DM) or appeal

    async def _tell(self, case: Case, appeal: Appeal, person: PersonRef,
                    notice: Notice) -> Reach:
        """A DM, an e-mail if their DMs are closed, or else staff asked to tell them."""
        ctx = self._ctx
        reached = await reach(ctx, person, notice, sealed=is_sealed(person))
        if reached is Reach.NONE:
            text = ctx.messages.render("appeal_outcome_undelivered", ref=appeal.id,
                                       case=case.id, subject=mention(ctx, person))
            await alert_staff_about(ctx, case,
                           Notice(NoticeKind.STAFF_ALERT, text, subject_id=appeal.id))
        return reached

    async def emailed(self, appeal_id: str, recipient: PersonRef) -> Appeal | None:
        """The mail server accepted an e-mail carrying an appeal's outcome: if it went to
        the appellant, the outcome is communicated now, by e-mail."""
        async with self._ctx.storage.transaction() as tx:
            appeal = await tx.get(Appeal, appeal_id)
            case = await tx.get(Case, appeal.case_id) if appeal else None
        if appeal is None or case is None or not appeal.status.decided:
            return None
        tag = _sealed_tag(case, appeal)
        to_appellant = is_sealed(recipient) and recipient.id == tag if tag \
            else recipient == appeal.appellant
        if not to_appellant:
            return None
        return await self._communicated(appeal, CommunicationChannel.EMAIL)

    async def _communicated(self, appeal: Appeal,
                            via: CommunicationChannel) -> Appeal | None:
        """Record, once, when and how the outcome reached the appellant."""
        ctx = self._ctx
        updated = replace(appeal, communicated_at=ctx.now(), communicated_via=via)
        async with ctx.storage.transaction() as tx:
            if not await tx.update_if(updated, communicated_at=None):
                return None
            await audit(tx, ctx, "appeal.communicated", "appeal", appeal.id, actor=None,
                        details=f"via={via.value}")
        return updated

    async def _undo_sanctions(self, case: Case, appeal: Appeal) -> None:
        """An overturned decision stops restricting the person at once."""
        if self._sanctions is None:
            return
        async with self._ctx.storage.transaction() as tx:
            active = await tx.find(Sanction, case_id=case.id, status=SanctionStatus.ACTIVE)
        for sanction in active:
            try:
                await self._sanctions.lift(None, sanction.id,
                                           f"appeal {appeal.id} overturned the decision")
            except PlatformError as exc:  # the lift stays due; staff must finish it
                await alert_staff_about(self._ctx, case, Notice(
                    NoticeKind.STAFF_ALERT,
                    f"Appeal {appeal.id} overturned case {case.id}, but suspension "
                    f"{sanction.id} could not be lifted ({exc}). Please /unsuspend by hand.",
                    subject_id=sanction.id))

    async def close_window(self, case_ref: str) -> Case | None:
        """Scheduler entry point: a window that closed with no appeal makes the case final."""
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            case = await tx.get(Case, normalise_ref(case_ref))
            if case is None or case.status is not CaseStatus.DECIDED:
                return None
            if case.appeal_deadline is None or ctx.now() < case.appeal_deadline:
                return None
            final = replace(case, status=CaseStatus.FINAL, final_at=ctx.now())
            await tx.update(final)
            await audit(tx, ctx, "case.final", "case", case.id, actor=None,
                        reason="appeal window closed without an appeal")
        return final


def _sealed_tag(case: Case, appeal: Appeal) -> str | None:
    """The seal an anonymous appellant is reached by: their report's (the case's), which
    always opens to an account; None for a named appellant."""
    if appeal.appellant is not None:
        return None
    return case.reporter_tag or appeal.appellant_tag
