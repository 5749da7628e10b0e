"""Reading a linked message with the permissions of the person who linked it.

The bot sees channels its members do not (the committee's, staff's, private threads).
Discord computes a member's access from the guild's roles and each channel's permission
overwrites; discord.py does that computation from its cache (``permissions_for``), the
same way the client decides what to show. A thread inherits its parent's permissions;
a private thread is readable only by the people in it (or who manage threads).
"""

from __future__ import annotations

import discord

from bot.core.errors import PlatformForbidden
from bot.core.identity import MessageRef, PersonRef, PlatformName
from bot.core.ports import SeenMessage
from bot.discord_io import refs
from bot.discord_io.errors import discord_call

Readable = discord.abc.GuildChannel | discord.Thread


class DiscordLinkReader:
    """The ``MessageReader`` port on discord.py."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def read_as(self, reader: PersonRef, message: MessageRef) -> SeenMessage | None:
        if reader.platform != PlatformName.DISCORD or reader.space != message.space:
            return None
        guild = self._client.get_guild(int(message.space))
        if guild is None:
            return None
        member = await self._member(guild, int(reader.id))
        channel = await self._channel(guild, int(message.channel))
        if member is None or channel is None or not await self._can_read(channel, member):
            return None
        if not isinstance(channel, discord.abc.Messageable):
            return None  # a category or forum itself holds no messages
        try:
            async with discord_call("read the linked message", missing_ok=True):
                found = await channel.fetch_message(int(message.id))
                return SeenMessage(refs.person(guild.id, found.author), found.content)
        except PlatformForbidden:
            return None
        return None  # 404: no such message

    @staticmethod
    async def _member(guild: discord.Guild, user_id: int) -> discord.Member | None:
        """Fresh from the API, so a role removed a minute ago no longer counts."""
        async with discord_call("look up the member", missing_ok=True):
            return await guild.fetch_member(user_id)
        return None

    @staticmethod
    async def _channel(guild: discord.Guild, channel_id: int) -> Readable | None:
        cached = guild.get_channel_or_thread(channel_id)
        if cached is not None:
            return cached
        try:
            async with discord_call("look up the channel", missing_ok=True):
                fetched = await guild.fetch_channel(channel_id)
                return fetched if fetched.guild.id == guild.id else None
        except (PlatformForbidden, discord.InvalidData):
            return None
        return None

    @staticmethod
    async def _can_read(channel: Readable, member: discord.Member) -> bool:
        try:
            permissions = channel.permissions_for(member)
        except discord.ClientException:  # a thread whose parent is not cached
            return False
        if not (permissions.view_channel and permissions.read_message_history):
            return False
        if isinstance(channel, discord.Thread) and channel.is_private() \
                and not permissions.manage_threads:
            async with discord_call("check the thread's members", missing_ok=True):
                await channel.fetch_member(member.id)
                return True
            return False
        return True
