"""Discord's own AutoMod: keep the bot's rules in line at start, and turn what they block
into incidents with the usual explanatory DM.

Discord sends one AUTO_MODERATION_ACTION_EXECUTION per action of a rule (block, alert,
timeout). Only the block of one of the bot's rules is recorded; the service also folds
the blocks of several rules for one message into one incident.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.core.durations import describe_timedelta
from bot.core.errors import CocBotError
from bot.core.services import BlockedMessage
from bot.discord_io import refs
from bot.discord_io.native_automod import NativeAutomod

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot

log = logging.getLogger(__name__)

# Mentions and bare snowflakes in the blocked text: the DM and the incident name nobody.
_MENTION = re.compile(r"<(@[!&]?|#)\d+>|\b\d{15,21}\b")
_LABELS = {"@": "@someone", "@!": "@someone", "@&": "@role", "#": "#channel"}
BLOCK = discord.AutoModRuleActionType.block_message
SYNC_WAIT = 30.0  # seconds an action event waits for the start-up sync


def without_ids(text: str) -> str:
    """``text`` with every mention and Discord id replaced by a neutral word."""
    return _MENTION.sub(lambda m: _LABELS.get(m.group(1) or "", "[id]"), text)


class NativeAutomodCog(commands.Cog):
    def __init__(self, bot: CocBot) -> None:
        self.bot = bot
        self.native = NativeAutomod(bot)
        self.synced = asyncio.Event()  # the first sync has finished (or was not possible)
        self._started = False

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Once per start: READY again after a reconnect changes nothing in the lists."""
        if self._started:
            return
        self._started = True
        guild = self.bot.get_guild(self.bot.settings.guild_id)
        try:
            if guild is not None:
                await self.native.sync(guild)
            else:
                await self.native.load()
        except discord.HTTPException as exc:
            log.warning("discord: native AutoMod rules could not be updated (%s %s); the "
                        "bot's own automod covers the lists", exc.status, exc.text)
        except CocBotError as exc:  # the database is unavailable: nothing to compare with
            log.warning("discord: native AutoMod rules not checked: %s", exc)
        finally:
            self.synced.set()

    @commands.Cog.listener()
    async def on_automod_action(self, execution: discord.AutoModAction) -> None:
        if execution.guild_id != self.bot.settings.guild_id or execution.action.type != BLOCK:
            return  # the alert and timeout of the same block say nothing new
        try:  # the rules' ids are known once the start-up sync has run
            await asyncio.wait_for(self.synced.wait(), SYNC_WAIT)
        except TimeoutError:
            await self.native.load()  # Discord is slow: the ids of the last sync
        category = self.native.rules.category_of(execution.rule_id)
        rule = self.bot.app.settings.automod.rules.get(category) if category else None
        if category is None or rule is None or execution.channel_id is None:
            return  # a rule staff made by hand: Discord's own log and alert cover it
        guild = self.bot.settings.guild_id
        timeout = self.bot.settings.native_automod.timeout
        event = BlockedMessage(
            author=refs.person(guild, discord.Object(execution.user_id)),
            channel=refs.place(guild, execution.channel_id), rule_id=category,
            clause_id=rule.clause_id, severity=rule.severity,
            text=without_ids(execution.content), label=_label(category),
            timed_out_for=_described(timeout) if self._times_out(execution.rule_id) else None)
        try:
            await self.bot.app.services.moderation.blocked(event)
        except CocBotError as exc:
            log.warning("could not record the AutoMod block in channel %s: %s",
                        execution.channel_id, exc)

    def _times_out(self, rule_id: int) -> bool:
        del rule_id  # every bot rule carries the same actions
        return self.bot.settings.native_automod.timeout is not None and self.native.timeout_on


def _described(length: timedelta | None) -> str | None:
    return describe_timedelta(length) if length is not None else None


def _label(category: str) -> str:
    return category.replace("-", " ")


async def setup(bot: CocBot) -> None:
    await bot.add_cog(NativeAutomodCog(bot))
