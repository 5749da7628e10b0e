"""The Member Review Committee, counsel and the decision: recuse, move, vote, overrule,
communicate the decision, apply a carried sanction.

Who may do each is decided by the services (seated, eligible, free of conflict, counsel);
these flows only turn the result into the reply the person reads. Reaction votes arrive
through the platforms' reaction events: :meth:`CommitteeFlows.reaction` records them and
says what the voter alone must be told when a vote does not count.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.durations import parse_duration
from bot.core.errors import InvalidInput
from bot.core.flows._base import FlowBase, problems
from bot.core.flows._outcome import Outcome
from bot.core.identity import MessageRef, PersonRef
from bot.core.markup import Trusted
from bot.core.models import Actor, Case
from bot.core.services import ProposedSanction
from bot.core.services._context import Reach, when
from bot.core.services.cases import VOTE_EMOJI
from bot.core.services.public_statements import clean_statement

log = logging.getLogger(__name__)
DEFAULT_MOTION_CLAUSE = "no-harassment"


@dataclass(frozen=True, slots=True)
class Refused:
    """A reaction on a motion that is not a counted vote: the front-end takes it back where
    the platform allows it and tells the voter ``text`` privately (never in the thread,
    which would single out an ineligible member, an anonymous reporter among them)."""

    motion: str
    text: str


class CommitteeFlows(FlowBase):
    async def recuse(self, actor: Actor, case: str, reason: str) -> Outcome:
        recusal = await self._services.cases.recuse(actor, self._case_ref(case), reason)
        return Outcome(text=self._say("reply_recused", case=recusal.case_id))

    async def motion(self, actor: Actor, case: str, text: str, *,
                     suspend_for: str | None = None, clause: str | None = None,
                     review: str | None = None, statement: str | None = None) -> Outcome:
        """Put a motion; ``suspend_for`` (30d, permanent) makes it a sanction that can be
        applied with one click once carried, citing ``clause``; a permanent one may carry
        a ``review`` period (1y). A ``statement`` is voted on with the motion and offered
        for publishing only once the motion carried and can no longer be overruled."""
        self._review_needs_suspension(suspend_for, review)
        sanction = ProposedSanction(suspend_for, clause or DEFAULT_MOTION_CLAUSE,
                                    review or None) if suspend_for else None
        motion = await self._services.cases.propose(actor, self._case_ref(case), text,
                                                    sanction, statement=statement or None)
        return Outcome(text=self._say("reply_motion_open", motion=motion.id))

    def check_motion(self, *, suspend_for: str | None, clause: str | None,
                     review: str | None = None,
                     statement: str | None = None) -> dict[str, str]:
        """What :meth:`motion` would refuse in a form's ``duration``, ``clause``,
        ``review`` and ``statement``."""
        checks: dict[str, Callable[[], object]] = {}
        if suspend_for:
            checks["duration"] = lambda: parse_duration(suspend_for)
        if clause:
            checks["clause"] = lambda: self._ctx.code.clause(clause)
        if review and review.strip():
            checks["review"] = lambda: self._check_motion_review(suspend_for, review)
        if statement:
            checks["statement"] = lambda: clean_statement(statement)
        return problems(**checks)

    def _review_needs_suspension(self, suspend_for: str | None, review: str | None) -> None:
        """A review period belongs to the suspension a motion decides; alone it would be
        dropped without a word, so it is refused (the service refuses a timed one)."""
        if review and review.strip() and not suspend_for:
            raise InvalidInput(self._say("motion_review_needs_suspension"))

    def _check_motion_review(self, suspend_for: str | None, review: str) -> None:
        self._review_needs_suspension(suspend_for, review)
        self._check_review(suspend_for, review)

    async def movable_cases(self, actor: Actor) -> tuple[Case, ...]:
        """The open cases ``actor`` may put a motion on (seated, free of conflict)."""
        work = await self._services.overview.committee_work(actor)
        return work.cases if work is not None else ()

    async def overrule(self, actor: Actor, case: str, reason: str) -> Outcome:
        motion = await self._services.decisions.overrule(actor, self._case_ref(case), reason)
        return Outcome(text=self._say("reply_overruled", motion=motion.id))

    async def decide(self, actor: Actor, case: str, *,
                     without_statement: str | None = None) -> Outcome:
        """Communicate the carried decision to the person; that starts the appeal window,
        unless their DMs are closed (then staff tell them another way and say so).
        ``without_statement``: the reason to decide before the subject was heard (the
        service refuses that without one, while their statement deadline runs)."""
        decided, reached = await self._services.decisions.decide(
            actor, self._case_ref(case), without_statement=without_statement)
        if reached is Reach.DM and decided.appeal_deadline:
            return Outcome(text=self._say(
                "reply_decision_sent",
                deadline=when(self._ctx, actor.person, decided.appeal_deadline)))
        if reached is Reach.EMAIL:
            return Outcome(text=self._say("reply_decision_emailed", case=decided.id))
        return Outcome(text=self._say("reply_decision_undelivered", case=decided.id))

    async def apply(self, actor: Actor, motion: str) -> Outcome:
        """The Apply button under a carried motion that decides a suspension; a permanent
        one carried with a review period gets its review date now."""
        sanction = await self._services.decisions.apply_sanction(actor, motion)
        return Outcome(text=self._say(
            "reply_applied", ref=sanction.id, end=when(self._ctx, actor.person, sanction.ends_at),
            review=self._say("reply_applied_review",
                             date=when(self._ctx, actor.person, sanction.review_at))
            if sanction.review_at else ""))

    async def reaction(self, voter: PersonRef, message: MessageRef, emoji: str, label: str,
                       *, added: bool) -> Refused | None:
        """A reaction added to or removed from ``message``; ``emoji`` is its Unicode form
        (empty for a custom one), ``label`` how the platform writes it for the voter.

        Only a reaction on a motion matters. A vote emoji is a vote (removing it withdraws
        the vote if it is still the current one); anything else there is refused.
        """
        cases = self._services.cases
        motion = await cases.motion_for_message(message)
        if motion is None:
            return None
        choice = VOTE_EMOJI.get(emoji)
        if choice is None:
            return self._refused(label, motion.id, self._say("vote_emoji_only")) \
                if added else None
        if not added:
            await cases.retract(voter, motion.id, choice)
            return None
        outcome = await cases.vote(voter, motion.id, choice)
        if outcome.counted:
            return None
        log.info("vote on %s not counted: %s", motion.id, outcome.notice)
        # The service's reason is the bot's own text (a conflict template), shown as is.
        return self._refused(label, motion.id, Trusted(outcome.reason))

    def _refused(self, label: str, motion: str, reason: Trusted) -> Refused:
        return Refused(motion, self._say("vote_not_counted", reaction=label, motion=motion,
                                         reason=reason))
