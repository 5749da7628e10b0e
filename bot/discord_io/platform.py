"""The Platform port on discord.py.

Uses partial objects and raw routes keyed by id, so it works for people and channels that
are not in the cache (a member who left, a channel after a restart). Each call is wrapped
so that discord.py exceptions become the domain's PlatformError types.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import discord

from bot.core.clock import Clock
from bot.core.errors import PlatformForbidden
from bot.core.identity import MessageRef, PersonRef, PlaceRef, PlatformName
from bot.core.markup import Trusted
from bot.core.models import Sanction, SanctionScope
from bot.core.ports import Audience, ContextMessage, Notice, NoticeKind
from bot.core.rules.raid import Restraint
from bot.discord_io import audiences, raid, refs
from bot.discord_io.errors import discord_call
from bot.discord_io.views import view_for
from config.settings import DiscordSettings

log = logging.getLogger(__name__)

MAX_TIMEOUT = timedelta(days=28)
DENY_CHANNEL = discord.Permissions(view_channel=True, send_messages=True,
                                   send_messages_in_threads=True, add_reactions=True,
                                   create_public_threads=True, create_private_threads=True)
MEMBER_OVERWRITE: Literal[1] = 1
NO_PINGS = discord.AllowedMentions.none()
LIMIT = 2000


def _clip(text: str, limit: int = LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chunks(text: str, limit: int = LIMIT) -> list[str]:
    """Split a long text (a monthly digest) into messages Discord accepts, at line ends
    where possible, so nothing the committee needs is cut off."""
    pieces: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        while len(line) > limit:  # a single overlong line: cut it hard
            if current is not None:
                pieces.append(current)
                current = None
            pieces.append(line[:limit])
            line = line[limit:]
        if current is None:
            current = line
        elif len(current) + 1 + len(line) > limit:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}"
    if current is not None:
        pieces.append(current)
    return pieces


async def _send_all(channel: discord.abc.Messageable, notice: Notice,
                    mentions: discord.AllowedMentions) -> discord.Message:
    """Send every chunk; buttons go under the last one. Returns the first message."""
    parts = [part for part in chunks(notice.text) if part.strip()] or ["…"]  # no blank posts
    view = view_for(notice)
    first: discord.Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        extra: dict[str, Any] = {}
        if last and view is not None:
            extra["view"] = view
        if last and notice.attachments:  # uploaded with the message (multipart)
            extra["files"] = [discord.File(io.BytesIO(a.data), filename=a.filename)
                              for a in notice.attachments]
        if notice.nonce:  # an outbox row's id as an enforced nonce: Discord answers a
            # resend (after a crash between its reply and our commit) with the same message
            extra["nonce"] = f"{notice.nonce[:22]}{index}"
        sent = await channel.send(part, allowed_mentions=mentions, **extra)
        first = first or sent
    assert first is not None
    return first


class DiscordPlatform:
    """Every configured server through one client: each call acts in the server its
    person, place or message belongs to, with that server's settings (staff queue,
    suspended role); the committee's channels are the home server's."""

    def __init__(self, client: discord.Client, settings: DiscordSettings, clock: Clock) -> None:
        self._client = client
        self._settings = settings
        self._clock = clock

    def _server(self, space: str | None) -> DiscordSettings:
        """The settings of the server ``space`` names (the first server when None)."""
        if space is None:
            return self._settings
        found = self._settings.server(space)
        if found is None:
            raise PlatformForbidden(f"Discord server {space} is not in the configuration, so "
                                    "the bot does not act there.")
        return found

    def _audience_channel(self, audience: Audience, space: str | None) -> tuple[int, int]:
        """(guild, channel) of an audience: the staff queue of the matter's server; the
        committee's and the Executive's channels in the home server."""
        if audience is Audience.STAFF:
            server = self._server(space)
            return server.guild_id, server.staff_queue_channel_id
        home = self._settings.home
        channel = home.committee_channel_id if audience is Audience.COMMITTEE \
            else home.executive_channel_id
        if channel is None:
            raise PlatformForbidden(f"No {audience.value} channel is configured on Discord; "
                                    "set it in the home server's table ([committee] home).")
        return home.guild_id, channel

    @property
    def name(self) -> PlatformName:
        return PlatformName.DISCORD

    @property
    def guild_id(self) -> int:
        return self._settings.guild_id

    def format_time(self, moment: datetime) -> Trusted:
        return Trusted(discord.utils.format_dt(moment, "F"))

    def mention(self, person: PersonRef) -> Trusted:
        return Trusted(f"<@{person.id}>")

    def _channel(self, channel_id: int | str,
                 guild_id: int | str | None = None) -> discord.PartialMessageable:
        guild = int(guild_id) if guild_id is not None else self.guild_id
        return self._client.get_partial_messageable(int(channel_id), guild_id=guild)

    async def _send(self, channel_id: int | str, notice: Notice,
                    mentions: discord.AllowedMentions = NO_PINGS, *,
                    guild_id: int | str | None = None) -> MessageRef:
        channel = self._channel(channel_id, guild_id)
        async with discord_call("post a message"):
            first = await _send_all(channel, notice, mentions)
        guild = int(guild_id) if guild_id is not None else self.guild_id
        return refs.message_ref(guild, int(channel_id), first.id)

    async def send_dm(self, person: PersonRef, notice: Notice) -> MessageRef:
        async with discord_call("send a direct message"):
            dm = await self._client.create_dm(discord.Object(int(person.id)))
            sent = await _send_all(dm, notice, NO_PINGS)
        return refs.message_ref(self.guild_id, dm.id, sent.id)

    async def members(self, space: str | None = None) -> list[PersonRef]:
        """The guild's people (not bots), from the member cache the gateway keeps."""
        guild_id = int(space) if space else self.guild_id
        guild = self._client.get_guild(guild_id)
        return [refs.person(guild_id, m) for m in guild.members if not m.bot] \
            if guild is not None else []

    async def post(self, audience: Audience, notice: Notice, *,
                   space: str | None = None) -> MessageRef:
        guild, channel = self._audience_channel(audience, space)
        return await self._send(channel, notice, guild_id=guild)

    async def post_in(self, place: PlaceRef, notice: Notice) -> MessageRef:
        return await self._send(place.id, notice, guild_id=place.space)

    async def edit(self, message: MessageRef, notice: Notice) -> None:
        async with discord_call("update a message", missing_ok=True):
            partial = self._channel(message.channel, message.space).get_partial_message(
                int(message.id))
            await partial.edit(content=_clip(notice.text), allowed_mentions=NO_PINGS)

    async def delete_message(self, message: MessageRef) -> bool:
        async with discord_call("delete the message", missing_ok=True):
            await self._channel(message.channel, message.space).get_partial_message(
                int(message.id)).delete()
        return True

    async def delete_messages(self, place: PlaceRef,
                              messages: Sequence[MessageRef]) -> set[MessageRef]:
        return await raid.delete_many(self._client, place, messages, self._clock.now())

    async def restrain(self, place: PlaceRef, restraint: Restraint, slow_seconds: int) -> str:
        return await raid.restrain(self._client, self.guild_id, place, restraint, slow_seconds)

    async def release(self, place: PlaceRef, undo: str) -> None:
        await raid.release(self._client, self.guild_id, place, undo)

    async def read_context(self, message: MessageRef, before: int,
                           after: int) -> list[ContextMessage]:
        """The message and its neighbours: the message by id (None once deleted) and the
        channel's history before and after it, read at once (three REST calls)."""
        channel = self._channel(message.channel, message.space)
        pivot = discord.Object(int(message.id))

        async def itself() -> list[discord.Message]:
            try:
                return [await channel.fetch_message(pivot.id)]
            except discord.NotFound:
                return []

        async def around(count: int, *, later: bool) -> list[discord.Message]:
            if count <= 0:
                return []
            if later:
                return [m async for m in channel.history(limit=count, after=pivot)]
            return [m async for m in channel.history(limit=count, before=pivot)]

        async with discord_call("read the channel history"):
            earlier, same, newer = await asyncio.gather(
                around(before, later=False), itself(), around(after, later=True))
        found = sorted([*earlier, *same, *newer], key=lambda m: m.id)
        guild = int(message.space)
        return [self._seen(guild, m) for m in found]

    @staticmethod
    def _seen(guild: int, found: discord.Message) -> ContextMessage:
        return ContextMessage(
            message=refs.message_ref(guild, found.channel.id, found.id),
            author=refs.person(guild, found.author), sent_at=found.created_at,
            text=found.content,
            attachments=tuple((a.filename, a.url) for a in found.attachments))

    def check_restriction(self, sanction: Sanction) -> None:
        if sanction.scope is SanctionScope.SPACE and self._needs_role(sanction) \
                and self._server(sanction.subject.space).suspended_role_id is None:
            raise PlatformForbidden(
                "Discord timeouts last at most 28 days. For a longer or permanent server-wide "
                "suspension, set suspended_role_id in the [discord] config (a role denied "
                "access to every channel), or suspend for 28 days or less.")

    def _needs_role(self, sanction: Sanction) -> bool:
        return sanction.ends_at is None or sanction.ends_at - self._clock.now() > MAX_TIMEOUT

    async def restrict(self, sanction: Sanction) -> None:
        http = self._client.http
        user_id = int(sanction.subject.id)
        reason = f"coc-bot suspension {sanction.id}"
        # The server the person was suspended in, with its own suspended role: a
        # suspension in one server never touches another.
        server = self._server(sanction.subject.space)
        async with discord_call("suspend the member"):
            if sanction.scope is SanctionScope.CHANNEL and sanction.channel is not None:
                await http.edit_channel_permissions(
                    int(sanction.channel.id), user_id, "0", str(DENY_CHANNEL.value),
                    MEMBER_OVERWRITE, reason=reason)
            elif self._needs_role(sanction):
                assert server.suspended_role_id is not None
                await http.add_role(server.guild_id, user_id, server.suspended_role_id,
                                    reason=reason)
            else:
                assert sanction.ends_at is not None
                await http.edit_member(server.guild_id, user_id, reason=reason,
                                       communication_disabled_until=sanction.ends_at.isoformat())

    async def restore(self, sanction: Sanction) -> None:
        """Undo exactly what :meth:`restrict` did; a member who left counts as restored."""
        http = self._client.http
        user_id = int(sanction.subject.id)
        reason = f"coc-bot suspension {sanction.id} ended"
        server = self._server(sanction.subject.space)
        async with discord_call("restore the member's access", missing_ok=True):
            if sanction.scope is SanctionScope.CHANNEL and sanction.channel is not None:
                await http.delete_channel_permissions(int(sanction.channel.id), user_id,
                                                      reason=reason)
            elif server.suspended_role_id is not None and self._needs_role_at_start(
                    sanction):
                await http.remove_role(server.guild_id, user_id,
                                       server.suspended_role_id, reason=reason)
            else:
                await http.edit_member(server.guild_id, user_id, reason=reason,
                                       communication_disabled_until=None)

    @staticmethod
    def _needs_role_at_start(sanction: Sanction) -> bool:
        return sanction.ends_at is None or sanction.ends_at - sanction.starts_at > MAX_TIMEOUT

    async def in_audience(self, audience: Audience, person: PersonRef, *,
                          space: str | None = None) -> bool:
        return await audiences.in_audience(self._client, self._settings, audience, person,
                                           space)

    async def open_private_thread(self, audience: Audience, title: str,
                                  members: Sequence[PersonRef], notice: Notice, *,
                                  separate: bool = False) -> PlaceRef:
        """A private, non-invitable thread; only the given members are added (so it is
        already a place apart: ``separate`` changes nothing on Discord). Members with
        Manage Threads or Administrator see private threads all the same (README).

        An emergency ping goes to the parent channel, never inside the thread: a role
        mention there could pull in a member with a conflict of interest.
        """
        http = self._client.http
        guild, parent = self._audience_channel(audience, None)
        async with discord_call("open a private committee thread"):
            thread = await http.start_thread_without_message(
                parent, name=_clip(title, 100), auto_archive_duration=10080,
                type=discord.ChannelType.private_thread.value, invitable=False)
            thread_id = int(thread["id"])
            for member in members:
                await http.add_user_to_thread(thread_id, int(member.id))
        await self._send(thread_id, notice, guild_id=guild)
        role = self._settings.home.committee_role_id
        if notice.mention_everyone and role is not None:
            await self._send(parent, Notice(
                NoticeKind.INFO, f"<@&{role}> 🚨 Emergency: {title} needs the committee as soon "
                f"as practical. Eligible members were added to <#{thread_id}>."),
                # Exactly the committee role: nothing in the text is parsed for pings.
                mentions=discord.AllowedMentions(everyone=False, users=False,
                                                 roles=[discord.Object(role)],
                                                 replied_user=False), guild_id=guild)
        return refs.place(guild, thread_id)

    async def remove_from_thread(self, thread: PlaceRef, person: PersonRef) -> None:
        async with discord_call("remove the member from the thread", missing_ok=True):
            await self._client.http.remove_user_from_thread(int(thread.id), int(person.id))

    async def add_reactions(self, message: MessageRef, emojis: Sequence[str]) -> None:
        partial = self._channel(message.channel, message.space).get_partial_message(
            int(message.id))
        async with discord_call("add the voting reactions"):
            for emoji in emojis:
                await partial.add_reaction(emoji)

    async def remove_reaction(self, message: MessageRef, emoji: str, person: PersonRef) -> None:
        partial = self._channel(message.channel, message.space).get_partial_message(
            int(message.id))
        async with discord_call("remove a reaction", missing_ok=True):
            await partial.remove_reaction(emoji, discord.Object(int(person.id)))
