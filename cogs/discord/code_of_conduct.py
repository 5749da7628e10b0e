"""``/code``: read the Code as tailored for this channel; staff publish and track acceptance."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.flows.code import CodeFlows
from bot.discord_io import flows, refs
from bot.discord_io.commands import STAFF
from bot.discord_io.context import actor_of, settings_of

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot


class CodeOfConduct(commands.Cog):
    code = app_commands.Group(name="code", description="The Code of Conduct", guild_only=True)
    # Staff's commands are their own top-level group: Discord hides a command by its
    # top-level default permissions, and /code show must stay visible to everyone.
    code_admin = app_commands.Group(name="code-admin", description="Staff: publish the Code "
                                    "and track acceptance", guild_only=True,
                                    default_permissions=STAFF)

    def __init__(self, bot: CocBot) -> None:
        self.bot = bot

    @property
    def flows(self) -> CodeFlows:
        return CodeFlows(self.bot.app.services)

    @code.command(name="show", description="Read the Code of Conduct for this channel")
    async def show(self, interaction: discord.Interaction) -> None:
        here = refs.place(settings_of(interaction).guild_id, interaction.channel_id or 0)
        await flows.run(interaction, self.flows.show(here))

    @code_admin.command(name="publish", description="Publish the edited Code; members are "
                                                    "asked to accept it again")
    async def publish(self, interaction: discord.Interaction, summary: str) -> None:
        await flows.run(interaction, self.flows.publish(
            actor_of(interaction), summary, flows.InteractionDirectory(interaction)))

    @code_admin.command(name="status", description="Who has not accepted the current Code")
    async def status(self, interaction: discord.Interaction) -> None:
        await flows.run(interaction, self.flows.status(
            actor_of(interaction), flows.InteractionDirectory(interaction)))


async def setup(bot: CocBot) -> None:
    await bot.add_cog(CodeOfConduct(bot))
