"""Appeals: filed by someone involved within the window, decided by the Executive Committee.

``/appeal file`` also works in a direct message with the bot, since a suspended person may
no longer be able to use commands in the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.flows.appeals import AppealFlows
from bot.core.services import RefKind
from bot.discord_io import flows
from bot.discord_io.commands import BOARD, references
from bot.discord_io.context import actor_of

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot


class Appeals(commands.Cog):
    appeal = app_commands.Group(name="appeal", description="Appeal a committee decision")
    # The Executive's command is its own top-level group: Discord hides a command by its
    # top-level default permissions, and /appeal must stay visible to everyone.
    appeals = app_commands.Group(name="appeals", description="Executive Committee: appeals",
                                 guild_only=True, default_permissions=BOARD)

    def __init__(self, bot: CocBot) -> None:
        self.bot = bot

    @property
    def flows(self) -> AppealFlows:
        return AppealFlows(self.bot.app.services)

    @appeal.command(name="file", description="Appeal a decision within 60 days of receiving it")
    @app_commands.describe(case="The case reference from the decision (C-...)",
                           reason="Why the decision should be changed")
    @app_commands.autocomplete(case=references(RefKind.APPEALABLE))
    async def file(self, interaction: discord.Interaction, case: str, reason: str) -> None:
        await flows.run(interaction, self.flows.file(actor_of(interaction).person, case,
                                                     reason))

    @appeals.command(name="decide", description="Decide an appeal")
    @app_commands.autocomplete(ref=references(RefKind.APPEAL))
    async def decide(self, interaction: discord.Interaction, ref: str,
                     outcome: Literal["upheld", "modified", "overturned"], reason: str) -> None:
        await flows.run(interaction, self.flows.decide(actor_of(interaction), ref, outcome,
                                                       reason))


async def setup(bot: CocBot) -> None:
    await bot.add_cog(Appeals(bot))
