"""The Code of Conduct: read it as tailored for a channel, accept it; staff publish a new
version (members are asked to accept it again) and see who has not accepted yet."""

from __future__ import annotations

from bot.core.flows._base import FlowBase
from bot.core.flows._directory import Directory
from bot.core.flows._outcome import Outcome
from bot.core.identity import PersonRef, PlaceRef
from bot.core.markup import Trusted
from bot.core.models import Actor
from bot.core.services._context import mention

# How many people a status reply names before it only counts the rest.
STATUS_NAMES = 80


class CodeFlows(FlowBase):
    async def show(self, here: PlaceRef) -> Outcome:
        """The Code as members of ``here`` read it, with the Accept button of the current
        version."""
        profile = self._ctx.profiles.for_place(
            here.key, f"{here.platform.value}:{here.space}")
        version = await self._services.code.current()
        return Outcome(text=self._ctx.code.render(profile),
                       accept=version.id if version is not None else None)

    async def accept(self, person: PersonRef, version: str) -> Outcome:
        accepted = await self._services.code.accept(person, version)
        return Outcome(text=self._say("reply_code_accepted", version=accepted.version_id))

    async def publish(self, actor: Actor, summary: str, directory: Directory) -> Outcome:
        """Publish the edited Code and ask every member of the space to accept it."""
        code = self._services.code
        version = await code.publish(actor, summary)
        result = await code.prompt(await directory.members(), by=actor.person)
        return Outcome(text=self._say("reply_code_published", version=version.id,
                                      count=result.queued))

    async def status(self, actor: Actor, directory: Directory) -> Outcome:
        """Staff: how many members accepted the current Code, and who has not yet."""
        code = self._services.code
        code.require_tracker(actor)
        result = await code.status(actor, await directory.members())
        named = result.pending[:STATUS_NAMES]
        pending = Trusted(", ".join(mention(self._ctx, p) for p in named)) if named \
            else self._say("code_status_nobody")
        more = len(result.pending) - len(named)
        return Outcome(text=self._say(
            "reply_code_status", version=result.version.id, accepted=len(result.accepted),
            waiting=len(result.pending), pending=pending,
            more=self._say("code_status_more", count=more) if more else ""))
