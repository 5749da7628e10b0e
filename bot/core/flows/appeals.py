"""Appeals: filed by someone involved inside the window, decided by the Executive
Committee. The window, who may appeal and who may decide are the service's rules."""

from __future__ import annotations

from bot.core.errors import InvalidInput
from bot.core.flows._base import FlowBase
from bot.core.flows._outcome import Outcome
from bot.core.identity import PersonRef
from bot.core.models import Actor, AppealStatus

OUTCOMES = (AppealStatus.UPHELD, AppealStatus.MODIFIED, AppealStatus.OVERTURNED)


class AppealFlows(FlowBase):
    async def file(self, appellant: PersonRef, case: str, reason: str) -> Outcome:
        appeal = await self._services.appeals.file(appellant, self._case_ref(case), reason)
        return Outcome(text=self._say("reply_appeal_filed", ref=appeal.id,
                                      case=appeal.case_id))

    async def decide(self, actor: Actor, ref: str, outcome: str, reason: str) -> Outcome:
        """``outcome`` as typed: upheld, modified or overturned."""
        chosen = next((o for o in OUTCOMES if o.value == outcome.strip().lower()), None)
        if chosen is None:
            raise InvalidInput(self._say("appeal_outcome_invalid"))
        decided = await self._services.appeals.decide(actor, ref, chosen, reason)
        return Outcome(text=self._say("reply_appeal_decided", ref=decided.id,
                                      outcome=chosen.value))
