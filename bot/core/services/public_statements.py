"""Public statements governed by the committee's vote.

The protocols: the committee "must agree on a response, including any communication to
membership or the public, by majority vote", and legal counsel may overrule it. So a
statement is part of a motion (voted on with it), and it becomes publishable only once
the motion carried *and* can no longer be overruled: counsel can overrule while the case
is open (``DecisionService.overrule``), and not once the decision was communicated
(``/decide``). Staff are then offered the statement to publish, by a button on a notice
in their channel; publishing before that moment is refused, so an overrule after
publishing cannot happen. A failed or overruled motion never reaches that point.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.core.durations import parse_duration, parse_review_period
from bot.core.errors import AlreadyDone, InvalidInput, InvalidState, NotFound, NotPermitted
from bot.core.identity import MessageRef
from bot.core.markup import Trusted
from bot.core.models import Actor, Case, CaseStatus, Motion, MotionStatus
from bot.core.ports import Audience, Notice, NoticeKind, Tx
from bot.core.refs import normalise_ref
from bot.core.rules.conflicts import CaseAction
from bot.core.services._committee import ensure_free_to_act
from bot.core.services._context import Context, audit, mention, try_post, when

log = logging.getLogger(__name__)
STATEMENT_LIMIT = 2000


def clean_statement(statement: str | None) -> str | None:
    """A proposed statement as stored; blank means none, too long is refused."""
    if statement is None or not statement.strip():
        return None
    cleaned = statement.strip()
    if len(cleaned) > STATEMENT_LIMIT:
        raise InvalidInput(f"A public statement can be at most {STATEMENT_LIMIT} characters "
                           f"(this one has {len(cleaned)}).")
    return cleaned


def clean_review(duration: str | None, review: str | None) -> str | None:
    """A review period is for a permanent suspension only, and must be a period."""
    if review is None or not review.strip():
        return None
    if duration is None or not parse_duration(duration).permanent:
        raise InvalidInput("A review period applies only to a permanent suspension: use "
                           "suspend=permanent with review=…, or leave review out.")
    return parse_review_period(review).text


def motion_terms(ctx: Context, motion: Motion) -> Trusted:
    """What the committee votes on besides the motion's words: the review period and the
    public statement (shown in the motion message, so nobody votes on it unseen)."""
    parts = []
    if motion.sanction_review:
        parts.append(ctx.messages.render("motion_review", period=motion.sanction_review))
    if motion.public_statement:
        parts.append(ctx.messages.render("motion_statement", statement=motion.public_statement))
    return Trusted("\n".join(parts))


class PublicStatementService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def offer(self, case: Case) -> bool:
        """Ask staff to publish the decided motion's statement; False if it has none."""
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            motion = await tx.get(Motion, case.decided_motion_id or "")
        if motion is None or motion.public_statement is None \
                or motion.statement_published_at is not None:
            return False
        configured = bool(ctx.announcements)
        text = ctx.messages.render(
            "statement_ready" if configured else "statement_unconfigured", case=case.id,
            motion=motion.id, statement=motion.public_statement)
        kind = NoticeKind.STATEMENT_READY if configured else NoticeKind.STAFF_ALERT
        return await try_post(ctx, None, Audience.STAFF, Notice(kind, text, motion.id))

    async def publish(self, actor: Actor, motion_ref: str) -> Motion:
        """Staff release the statement to the announcements channel(s), once."""
        ctx = self._ctx
        if not actor.is_staff:
            raise NotPermitted("Only staff can publish a statement the committee decided.")
        async with ctx.storage.transaction() as tx:
            motion, case = await _load(tx, motion_ref)
            await ensure_free_to_act(tx, ctx, case, actor.person, CaseAction.PUBLISH)
            _check_publishable(motion, case)
            if not ctx.announcements:
                raise InvalidState("Publishing is not configured: set [discord] "
                                   "announcements_channel_id or [slack] announcements_channel.")
            claimed = replace(motion, statement_published_at=ctx.now(),
                              statement_published_by=actor.person)
            if not await tx.update_if(claimed, statement_published_at=None,
                                      status=MotionStatus.CARRIED):
                raise AlreadyDone(f"The statement of motion {motion.id} was already published.")
        posted = await self._post(claimed)
        async with ctx.storage.transaction() as tx:
            if not posted:  # nothing went out: release the claim so staff can retry
                await tx.update_if(motion, statement_published_by=actor.person)
                raise InvalidState("The statement could not be posted (the platform did not "
                                   "answer); nothing was published. Please try again.")
            await audit(tx, ctx, "statement.published", "motion", motion.id,
                        actor=actor.person, details=" ".join(m.key for m in posted))
        return claimed

    async def _post(self, motion: Motion) -> list[MessageRef]:
        ctx = self._ctx
        text = ctx.messages.render("public_statement", statement=motion.public_statement)
        posted = []
        for name, place in ctx.announcements.items():
            if not ctx.platforms.has(name):
                continue
            try:
                posted.append(await ctx.platforms.get(name).post_in(
                    place, Notice(NoticeKind.INFO, text, motion.id)))
            except Exception as exc:  # one platform down must not hide the other's post
                log.warning("statement %s not posted on %s: %s", motion.id, name.value, exc)
        return posted

    def released(self, motion: Motion) -> str:
        """The staff reply after publishing: where and by whom, as recorded."""
        ctx = self._ctx
        return ctx.messages.render(
            "reply_statement_published", motion=motion.id,
            by=mention(ctx, motion.statement_published_by),
            at=when(ctx, motion.statement_published_by, motion.statement_published_at))


async def _load(tx: Tx, ref: str) -> tuple[Motion, Case]:
    motion = await tx.get(Motion, normalise_ref(ref))
    if motion is None:
        raise NotFound(f"There is no motion '{ref}'.")
    case = await tx.get(Case, motion.case_id)
    if case is None:  # pragma: no cover - a motion always has its case
        raise NotFound(f"There is no case '{motion.case_id}'.")
    return motion, case


def _check_publishable(motion: Motion, case: Case) -> None:
    if motion.public_statement is None:
        raise InvalidState(f"Motion {motion.id} carries no public statement.")
    if motion.statement_published_at is not None:
        raise AlreadyDone(f"The statement of motion {motion.id} was already published.")
    if motion.status is not MotionStatus.CARRIED:
        raise InvalidState(f"Motion {motion.id} is {motion.status.value}: only a statement "
                           "the committee carried, and counsel did not overrule, is published.")
    if case.status is CaseStatus.OPEN or case.decided_motion_id != motion.id:
        raise InvalidState(f"Case {case.id} is not decided yet, so counsel may still overrule "
                           f"motion {motion.id}. Communicate the decision with /decide first; "
                           "staff are then asked to publish.")
