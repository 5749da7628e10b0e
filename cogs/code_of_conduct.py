"""``/code``: read the Code as tailored for this channel; staff publish and track acceptance."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.models import CodeVersion
from bot.discord_io import flows, refs
from bot.discord_io.commands import STAFF
from bot.discord_io.context import actor_of, require_staff
from bot.discord_io.views import AcceptButton
from cogs._common import members_of

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

    @code.command(name="show", description="Read the Code of Conduct for this channel")
    async def show(self, interaction: discord.Interaction) -> None:
        app = self.bot.app
        guild = self.bot.settings.guild_id
        profile = app.settings.profiles.for_place(
            refs.place(guild, interaction.channel_id or 0).key, f"discord:{guild}")
        text = app.settings.code.render(profile)
        version = await app.services.code.current()
        view = discord.ui.View(timeout=None)
        if version is not None:
            view.add_item(AcceptButton(version.id))
        chunks = [text[i:i + 1900] for i in range(0, len(text), 1900)]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            if last and version is not None:
                await flows.answer(interaction, chunk, view=view)
            else:
                await flows.answer(interaction, chunk)

    @code_admin.command(name="publish", description="Publish the edited Code; members are "
                                                    "asked to accept it again")
    async def publish(self, interaction: discord.Interaction, summary: str) -> None:
        actor = require_staff(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        services = self.bot.app.services
        version = await services.code.publish(actor, summary)
        await self._prompt(interaction, version)

    async def _prompt(self, interaction: discord.Interaction, version: CodeVersion) -> None:
        guild = self.bot.settings.guild_id
        members = [refs.person(guild, m) for m in members_of(self.bot)]
        result = await self.bot.app.services.code.prompt(members)
        failed = f" {len(result.undeliverable)} could not be reached by DM." \
            if result.undeliverable else ""
        await flows.answer(interaction, f"Published {version.id}. Asked {result.sent} members "
                                        f"to accept it.{failed}")

    @code_admin.command(name="status", description="Who has not accepted the current Code")
    async def status(self, interaction: discord.Interaction) -> None:
        actor = actor_of(interaction)
        guild = self.bot.settings.guild_id
        members = [refs.person(guild, m) for m in members_of(self.bot)]
        result = await self.bot.app.services.code.status(actor, members)
        pending = ", ".join(f"<@{p.id}>" for p in result.pending[:80]) or "nobody"
        more = f" and {len(result.pending) - 80} more" if len(result.pending) > 80 else ""
        await flows.answer(interaction, f"**{result.version.id}**: {len(result.accepted)} "
                                        f"accepted, {len(result.pending)} not yet.\n"
                                        f"Not yet: {pending}{more}")


async def setup(bot: CocBot) -> None:
    await bot.add_cog(CodeOfConduct(bot))
