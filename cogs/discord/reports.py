"""Participants' reports: ``/report`` and the "Report message" / "Report user" actions.

Every reply is ephemeral, so nobody else sees that a report was made or by whom.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import CocBotError
from bot.core.flows.reports import ReportFlows, Seen
from bot.core.identity import PersonRef, PlaceRef
from bot.discord_io import flows, refs
from bot.discord_io.context import actor_of, app_of, person_of, settings_of
from bot.discord_io.views import reply_error

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot


class ReportModal(discord.ui.Modal, title="Report to staff (private)"):
    """The form a context action opens: about a message seen (``seen``) or a person."""

    reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="What happened?", style=discord.TextStyle.paragraph, max_length=1500)
    anonymous: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Stay anonymous, even to staff? (yes/no)", max_length=3, default="no")

    def __init__(self, *, seen: Seen | None = None, target: PersonRef | None = None,
                 here: PlaceRef | None = None) -> None:
        super().__init__()
        self.seen, self.target, self.here = seen, target, here

    async def on_submit(self, interaction: discord.Interaction) -> None:
        reports = ReportFlows(app_of(interaction).services)
        reporter = actor_of(interaction).person
        reason = str(self.reason.value)
        try:
            anonymous = reports.anonymous(str(self.anonymous.value))
            if self.seen is not None:
                flow = reports.report_seen(reporter, self.seen, reason=reason,
                                           anonymous=anonymous)
            else:
                flow = reports.report(reporter, flows.InteractionDirectory(interaction),
                                      reason=reason, anonymous=anonymous, target=self.target,
                                      here=self.here)
            await flows.run(interaction, flow)
        except CocBotError as exc:
            await reply_error(interaction, exc)


class Reports(commands.Cog):
    def __init__(self, bot: CocBot) -> None:
        self.bot = bot
        self.menus = [
            app_commands.ContextMenu(name="Report message", callback=self.report_message),
            app_commands.ContextMenu(name="Report user", callback=self.report_user),
        ]
        for menu in self.menus:
            bot.tree.add_command(menu)

    async def cog_unload(self) -> None:
        for menu in self.menus:
            self.bot.tree.remove_command(menu.name, type=menu.type)

    def _here(self, interaction: discord.Interaction) -> PlaceRef | None:
        channel = interaction.channel_id
        return refs.place(settings_of(interaction).guild_id, channel) if channel else None

    @app_commands.command(name="report", description="Report a message or a person to staff, "
                                                     "privately")
    @app_commands.describe(reason="What happened", member="Who you are reporting",
                           message_link="Link to the message (right-click › Copy Message Link)",
                           anonymous="Hide your name even from staff")
    @app_commands.guild_only()
    async def report(self, interaction: discord.Interaction, reason: str,
                     member: discord.Member | None = None, message_link: str | None = None,
                     anonymous: bool = False) -> None:
        message = refs.parse_message_link(message_link, settings_of(interaction).guild_id) \
            if message_link else None
        await flows.run(interaction, ReportFlows(self.bot.app.services).report(
            actor_of(interaction).person, flows.InteractionDirectory(interaction),
            reason=reason, anonymous=anonymous,
            target=person_of(interaction, member) if member else None, message=message,
            link=refs.message_link(message) if message else None, here=self._here(interaction)))

    async def report_message(self, interaction: discord.Interaction,
                             message: discord.Message) -> None:
        ref = refs.message_ref(settings_of(interaction).guild_id, message.channel.id,
                               message.id)
        await interaction.response.send_modal(ReportModal(seen=Seen(
            ref, refs.message_link(ref), person_of(interaction, message.author),
            message.content)))

    async def report_user(self, interaction: discord.Interaction,
                          member: discord.Member) -> None:
        await interaction.response.send_modal(ReportModal(
            target=person_of(interaction, member), here=self._here(interaction)))


async def setup(bot: CocBot) -> None:
    await bot.add_cog(Reports(bot))
