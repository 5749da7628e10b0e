"""Hearing the subject on Discord: ``/case contact``, ``/case reply`` and
``/case end-contact`` for committee members, and the subject's DMs to the bot, relayed to
the case's thread while a conversation is open.

The ``/case`` group belongs to the staff cog (one top-level command per name); this cog
adds its subcommands to that group when it loads, so it must load after ``cogs.discord.staff``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import CocBotError, PlatformError
from bot.core.flows.relay import RelayFlows
from bot.core.services import RefKind
from bot.discord_io import flows, refs
from bot.discord_io.commands import references
from bot.discord_io.context import actor_of, app_of

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot

log = logging.getLogger(__name__)


def _relay(interaction: discord.Interaction) -> RelayFlows:
    return RelayFlows(app_of(interaction).services)


@app_commands.describe(case="The case reference (C-…)")
@app_commands.autocomplete(case=references(RefKind.CASE))
async def contact(interaction: discord.Interaction, case: str) -> None:
    await flows.thinking(interaction)
    await flows.show(interaction, await _relay(interaction).contact(actor_of(interaction), case))


@app_commands.describe(case="The case reference (C-…)",
                       text="What the subject reads, sent as the Member Review Committee")
@app_commands.autocomplete(case=references(RefKind.CASE))
async def reply(interaction: discord.Interaction, case: str, text: str) -> None:
    await flows.thinking(interaction)
    await flows.show(interaction, await _relay(interaction).reply(actor_of(interaction), case,
                                                                   text))


@app_commands.describe(case="The case reference (C-…)")
@app_commands.autocomplete(case=references(RefKind.CASE))
async def end_contact(interaction: discord.Interaction, case: str) -> None:
    await flows.thinking(interaction)
    await flows.show(interaction, await _relay(interaction).end(actor_of(interaction), case))


SUBCOMMANDS = (
    ("contact", "Committee: open a private conversation with the case's subject", contact),
    ("reply", "Committee: write to the case's subject as the committee", reply),
    ("end-contact", "Committee: end the conversation with the case's subject", end_contact),
)


class Hearing(commands.Cog):
    def __init__(self, bot: CocBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A DM to the bot: relayed if its author is in an open conversation, and the
        author is told either way (nobody is left thinking the committee read it)."""
        if message.guild is not None or message.author.bot:
            return
        # A DM names no server: the author as a member of each server the bot serves.
        servers = [s.guild_id for s in self.bot.settings.all_servers
                   if (guild := self.bot.get_guild(s.guild_id)) is not None
                   and guild.get_member(message.author.id) is not None]
        people = [refs.person(guild_id, message.author)
                  for guild_id in servers or [self.bot.settings.guild_id]]
        try:
            outcome = await RelayFlows(self.bot.app.services).from_subject(people,
                                                                           message.content)
            text = outcome.text or ""
        except CocBotError as exc:
            text = str(exc)
        try:
            await message.channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        except (discord.HTTPException, PlatformError) as exc:
            log.info("could not answer a DM: %s", exc)


async def setup(bot: CocBot) -> None:
    group = bot.tree.get_command("case")
    if not isinstance(group, app_commands.Group):
        raise RuntimeError("cogs.discord.hearing needs the /case group of "
                           "cogs.discord.staff: load it first")
    for name, description, callback in SUBCOMMANDS:
        group.add_command(app_commands.Command(name=name, description=description,
                                               callback=callback))
    await bot.add_cog(Hearing(bot))
