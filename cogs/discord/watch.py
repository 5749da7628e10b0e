"""Every message and edit in the server goes through automod; nicknames are checked too.

This cog only translates discord.py events into ``WatchedMessage``; what is prohibited
and what happens is decided in ``bot.core``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.core.automod import MASS_MENTION_WEIGHT
from bot.core.errors import CocBotError
from bot.core.services import WatchedMessage
from bot.discord_io import refs

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot

log = logging.getLogger(__name__)


class Watch(commands.Cog):
    def __init__(self, bot: CocBot) -> None:
        self.bot = bot

    def _watched(self, message: discord.Message, *, edited: bool = False) -> WatchedMessage:
        assert message.guild is not None
        guild = message.guild.id
        author = message.author
        roles = frozenset(str(r.id) for r in getattr(author, "roles", ()))
        category = getattr(message.channel, "category_id", None)
        parent = getattr(message.channel, "parent", None)  # threads follow their channel
        category = category or getattr(parent, "category_id", None)
        return WatchedMessage(
            author=refs.person(guild, author),
            message=refs.message_ref(guild, message.channel.id, message.id),
            text=message.content, sent_at=(message.edited_at if edited and message.edited_at
                                           else message.created_at),
            category=refs.place(guild, category) if category else None, author_roles=roles,
            display_name=author.display_name,
            mentions=len(message.raw_mentions) + len(message.raw_role_mentions)
            + (MASS_MENTION_WEIGHT if message.mention_everyone else 0),
            mentioned_ids=tuple(refs.person(guild, discord.Object(i)).key
                                for i in message.raw_mentions),
            edited=edited)

    def _ours(self, message: discord.Message) -> bool:
        return (message.guild is not None and self.bot.serves(message.guild.id)
                and not message.author.bot and message.webhook_id is None
                and bool(message.content))

    async def _watch(self, message: discord.Message, *, edited: bool = False) -> None:
        try:
            await self.bot.app.services.moderation.watch(self._watched(message, edited=edited))
        except CocBotError as exc:
            log.warning("automod could not act on message %s: %s", message.id, exc)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None and self.bot.serves(message.guild.id):
            self.bot.saw(message)  # where a catch-up after fail-over would start
        if self._ours(message):
            await self._watch(message)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, event: discord.RawMessageUpdateEvent) -> None:
        message = event.message
        if self._ours(message) and message.edited_at is not None:
            await self._watch(message, edited=True)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if not self.bot.serves(after.guild.id) or after.bot \
                or before.display_name == after.display_name:
            return
        roles = frozenset(str(r.id) for r in after.roles)
        try:
            await self.bot.app.services.moderation.name_changed(
                refs.person(after.guild.id, after), after.display_name, roles)
        except CocBotError as exc:
            log.warning("impersonation check failed for %s: %s", after.id, exc)


async def setup(bot: CocBot) -> None:
    if bot.app.services.moderation.enabled:
        await bot.add_cog(Watch(bot))
