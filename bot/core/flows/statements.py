"""The reported person gives their side: the statement form, written once for every
platform. The button in the DM asks :meth:`StatementFlows.open_form`; the form's answer
goes to :meth:`StatementFlows.submit`. Who may write, and until when, is the service's."""

from __future__ import annotations

from bot.core.flows._outcome import Outcome, StatementForm
from bot.core.models import Actor
from bot.core.services import Services


class StatementFlows:
    def __init__(self, services: Services) -> None:
        self._services = services

    async def open_form(self, actor: Actor, ref: str) -> Outcome:
        """The form, with the statement so far; a refusal (not a form) to anyone else."""
        draft = await self._services.hearing.draft(actor, ref)
        return Outcome(statement=StatementForm(draft.case_id, draft.current, draft.limit))

    async def submit(self, actor: Actor, ref: str, text: str) -> Outcome:
        case, edited = await self._services.hearing.submit(actor, ref, text)
        return Outcome(text=self._services.ctx.messages.render(
            "reply_statement_saved", case=case.id,
            edited=" (it replaces your earlier one)" if edited else ""))
