"""The Platform port over every Slack workspace the bot serves.

One Slack app can be installed in several workspaces; each installation has its own bot
token, and a token reaches only its own workspace's channels and people. The core speaks
of platform-qualified references (``slack:<team>:<id>``), so every call of the port is
routed here to the workspace its reference names: a DM to the person's workspace, a
staff notice to the queue of the workspace the matter came from, an edit or a deletion to
the message's workspace. The committee and the Executive Committee meet in one home
(``[committee] home``), so their channels, threads and votes go through the home
workspace's token, whichever workspace a case came from.

A reference to a workspace that is not configured is refused (``PlatformForbidden``):
nothing is sent with another workspace's token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import PlatformForbidden
from bot.core.identity import MessageRef, PersonRef, PlaceRef, PlatformName
from bot.core.markup import Trusted
from bot.core.models import Sanction
from bot.core.ports import Audience, ContextMessage, Notice
from bot.core.rules.raid import Restraint
from bot.slack_io.platform import SlackWorkspace


class SlackPlatform:
    """Routes the ``Platform`` port to the workspace each reference belongs to."""

    def __init__(self, workspaces: Mapping[str, SlackWorkspace], first: str,
                 home: str) -> None:
        if first not in workspaces or home not in workspaces:
            raise ValueError("the first and the home workspace must be among the workspaces")
        self._workspaces = dict(workspaces)
        self._first = first
        self._home = home

    # Which workspace ------------------------------------------------------------------

    @property
    def workspaces(self) -> tuple[SlackWorkspace, ...]:
        """Every workspace, the ``[slack]`` table's first."""
        first = self._workspaces[self._first]
        return (first, *(w for t, w in self._workspaces.items() if t != self._first))

    def at(self, team: str | None) -> SlackWorkspace:
        """The workspace ``team`` names (the first configured when None)."""
        found = self._workspaces.get(self._first if team is None else team)
        if found is None:
            raise PlatformForbidden(f"Slack workspace {team} is not in the configuration, so "
                                    "the bot holds no token for it; add it as "
                                    "[[slack.workspaces]] (see config/example.toml).")
        return found

    @property
    def home(self) -> SlackWorkspace:
        """Where the committee and the Executive Committee meet."""
        return self._workspaces[self._home]

    @property
    def name(self) -> PlatformName:
        return PlatformName.SLACK

    @property
    def team(self) -> str:
        return self._first

    @property
    def client(self) -> AsyncWebClient:
        """The first workspace's bot client."""
        return self.at(None).client

    @property
    def admin_client(self) -> AsyncWebClient | None:
        return self.at(None).admin_client

    # The port -------------------------------------------------------------------------

    def format_time(self, moment: datetime) -> str:
        return self.home.format_time(moment)

    def mention(self, person: PersonRef) -> Trusted:
        return self.home.mention(person)

    async def send_dm(self, person: PersonRef, notice: Notice) -> MessageRef:
        return await self.at(person.space).send_dm(person, notice)

    async def members(self, space: str | None = None) -> list[PersonRef]:
        return await self.at(space).members()

    async def post(self, audience: Audience, notice: Notice, *,
                   space: str | None = None) -> MessageRef:
        if audience is Audience.STAFF:
            return await self.at(space).post(audience, notice)
        return await self.home.post(audience, notice)

    async def post_in(self, place: PlaceRef, notice: Notice) -> MessageRef:
        return await self.at(place.space).post_in(place, notice)

    async def edit(self, message: MessageRef, notice: Notice) -> None:
        await self.at(message.space).edit(message, notice)

    async def delete_message(self, message: MessageRef) -> bool:
        return await self.at(message.space).delete_message(message)

    async def delete_messages(self, place: PlaceRef,
                              messages: Sequence[MessageRef]) -> set[MessageRef]:
        return await self.at(place.space).delete_messages(place, messages)

    async def restrain(self, place: PlaceRef, restraint: Restraint, slow_seconds: int) -> str:
        return await self.at(place.space).restrain(place, restraint, slow_seconds)

    async def release(self, place: PlaceRef, undo: str) -> None:
        await self.at(place.space).release(place, undo)

    async def read_context(self, message: MessageRef, before: int,
                           after: int) -> list[ContextMessage]:
        return await self.at(message.space).read_context(message, before, after)

    def check_restriction(self, sanction: Sanction) -> None:
        self.at(sanction.subject.space).check_restriction(sanction)

    async def restrict(self, sanction: Sanction) -> None:
        await self.at(sanction.subject.space).restrict(sanction)

    async def restore(self, sanction: Sanction) -> None:
        await self.at(sanction.subject.space).restore(sanction)

    async def in_audience(self, audience: Audience, person: PersonRef, *,
                          space: str | None = None) -> bool:
        """The staff queue of ``space`` (the person's own workspace when None); the
        committee's and the Executive's channels in the home. A workspace the bot does
        not serve has no channel of the bot's."""
        team = (space or person.space) if audience is Audience.STAFF else self._home
        found = self._workspaces.get(team)
        return found is not None and await found.in_audience(audience, person)

    async def open_private_thread(self, audience: Audience, title: str,
                                  members: Sequence[PersonRef], notice: Notice, *,
                                  separate: bool = False) -> PlaceRef:
        return await self.home.open_private_thread(audience, title, members, notice,
                                                   separate=separate)

    async def remove_from_thread(self, thread: PlaceRef, person: PersonRef) -> None:
        await self.at(thread.space).remove_from_thread(thread, person)

    async def add_reactions(self, message: MessageRef, emojis: Sequence[str]) -> None:
        await self.at(message.space).add_reactions(message, emojis)

    async def remove_reaction(self, message: MessageRef, emoji: str, person: PersonRef) -> None:
        await self.at(message.space).remove_reaction(message, emoji, person)
