"""The committee's relayed conversation with a case's subject, for every platform.

Members use ``/case contact``, ``/case reply`` and ``/case end-contact``; the subject
writes to the bot in a DM and ends it with the button on the bot's first message. Members
answer with a command rather than by writing in the case thread, because the thread is
where the committee deliberates: nothing a member writes there can reach the subject by
accident, and the command works the same on Discord and Slack.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.flows._outcome import Outcome
from bot.core.identity import PersonRef
from bot.core.models import Actor
from bot.core.services import Services


class RelayFlows:
    def __init__(self, services: Services) -> None:
        self._services = services

    def _say(self, template: str, **values: object) -> str:
        return self._services.ctx.messages.render(template, **values)

    async def contact(self, actor: Actor, ref: str) -> Outcome:
        opened = await self._services.relay.open(actor, ref)
        case = opened.contact.case_id
        return Outcome(text=self._say("reply_contact_opened" if opened.delivered
                                      else "reply_contact_unreachable", case=case))

    async def reply(self, actor: Actor, ref: str, text: str) -> Outcome:
        sent = await self._services.relay.reply(actor, ref, text)
        return Outcome(text=self._say("reply_relayed" if sent.delivered
                                      else "reply_relay_undelivered",
                                      case=sent.contact.case_id))

    async def end(self, actor: Actor, ref: str) -> Outcome:
        """Either side ends it: the subject (the DM's button) or a member (a command)."""
        ended = await self._services.relay.end(actor.person, ref)
        return Outcome(text=self._say("reply_contact_ended", case=ended.case_id))

    async def from_subject(self, person: PersonRef | Sequence[PersonRef],
                           text: str) -> Outcome:
        """A DM to the bot: passed on within an open conversation, else said not to be.

        A DM belongs to no server: ``person`` may be the author's account in each space
        the bot serves them in, and the first with an open conversation relays it."""
        accounts = [person] if isinstance(person, PersonRef) else list(person)
        relayed = None
        for account in accounts:
            relayed = await self._services.relay.from_subject(account, text)
            if relayed is not None:
                break
        return Outcome(text=self._say("reply_passed_on" if relayed else
                                      "reply_no_conversation"))
