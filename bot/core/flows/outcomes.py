"""Outcome flows: publishing a statement the committee decided, and the reporter's wishes.

Written once for both platforms; the services hold every permission rule (staff publish;
only the case's reporter answers the wishes question, by ``reporter_matches``).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.flows._outcome import Outcome
from bot.core.identity import PersonRef
from bot.core.models import Actor
from bot.core.services import Services


class OutcomeFlows:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._ctx = services.ctx

    async def publish_statement(self, actor: Actor, motion_ref: str) -> Outcome:
        """The staff notice's Publish button: post the statement once, record who and when."""
        statements = self._services.public_statements
        motion = await statements.publish(actor, motion_ref)
        released = statements.released(motion)
        return Outcome(text=released, queue_note=released)

    async def choose_wishes(self, person: PersonRef, case_ref: str,
                            values: Sequence[str]) -> Outcome:
        """The reporter's choice in the wishes DM."""
        await self._services.wishes.choose(person, case_ref, values)
        return Outcome(text=self._ctx.messages.render("reply_wishes"))

    async def write_wishes(self, person: PersonRef, case_ref: str, note: str) -> Outcome:
        """The reporter's own words, from the form behind "Something else"."""
        await self._services.wishes.write(person, case_ref, note)
        return Outcome(text=self._ctx.messages.render("reply_wishes"))
