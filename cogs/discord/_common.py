"""Helpers every cog uses: the app, clause autocomplete, the bot's own member."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.discord_io.context import app_of

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot


async def clause_autocomplete(interaction: discord.Interaction,
                              current: str) -> list[app_commands.Choice[str]]:
    code = app_of(interaction).settings.code
    return [app_commands.Choice(name=f"{c.title} ({c.id})"[:100], value=c.id)
            for c in code.matching(current)]


def bot_member(bot: CocBot) -> discord.Member | None:
    guild = bot.get_guild(bot.settings.guild_id)
    return guild.me if guild is not None else None

