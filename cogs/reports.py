"""Participants' reports: ``/report`` and the "Report message" / "Report user" actions.

Every reply is ephemeral, so nobody else sees that a report was made or by whom.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import CocBotError, InvalidInput
from bot.core.identity import MessageRef, PersonRef
from bot.core.services import ReportDraft
from bot.discord_io import flows, refs
from bot.discord_io.context import person_of
from bot.discord_io.links import DiscordLinkReader
from bot.discord_io.views import reply_error

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot


class ReportModal(discord.ui.Modal, title="Report to staff (private)"):
    reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="What happened?", style=discord.TextStyle.paragraph, max_length=1500)
    anonymous: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Stay anonymous, even to staff? (yes/no)", max_length=3, default="no")

    def __init__(self, target: PersonRef | None, message: MessageRef | None = None,
                 excerpt: str | None = None, channel_id: int | None = None) -> None:
        super().__init__()
        self.target, self.message, self.excerpt, self.channel_id = (
            target, message, excerpt, channel_id)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        try:
            anonymous = _yes_no(str(self.anonymous.value))
            guild = interaction.guild_id or 0
            draft = ReportDraft(
                reason=str(self.reason.value), anonymous=anonymous, target=self.target,
                message=self.message, message_excerpt=self.excerpt,
                message_link=refs.message_link(self.message) if self.message else None,
                channel=refs.place(guild, self.channel_id) if self.channel_id else None)
            await flows.submit_report(interaction, draft)
        except CocBotError as exc:
            await reply_error(interaction, exc)


def _yes_no(text: str) -> bool:
    cleaned = text.strip().lower()
    if cleaned in ("yes", "y"):
        return True
    if cleaned in ("no", "n", ""):
        return False
    raise InvalidInput("Please answer 'yes' or 'no' to staying anonymous.")


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

    @app_commands.command(name="report", description="Report a message or a person to staff, "
                                                     "privately")
    @app_commands.describe(reason="What happened", member="Who you are reporting",
                           message_link="Link to the message (right-click › Copy Message Link)",
                           anonymous="Hide your name even from staff")
    @app_commands.guild_only()
    async def report(self, interaction: discord.Interaction, reason: str,
                     member: discord.Member | None = None, message_link: str | None = None,
                     anonymous: bool = False) -> None:
        guild = self.bot.settings.guild_id
        message = refs.parse_message_link(message_link, guild) if message_link else None
        target = person_of(interaction, member) if member else None
        excerpt = None
        if message is not None:  # read only if the reporter can read it themselves
            seen = await self.bot.app.services.reports.read_linked(
                DiscordLinkReader(self.bot), person_of(interaction, interaction.user), message)
            excerpt = seen.text
            target = target or seen.author
        await flows.submit_report(interaction, ReportDraft(
            reason=reason, anonymous=anonymous, target=target, message=message,
            message_excerpt=excerpt, message_link=message_link,
            channel=refs.place(guild, int(message.channel)) if message else
            refs.place(guild, interaction.channel_id) if interaction.channel_id else None))

    async def report_message(self, interaction: discord.Interaction,
                             message: discord.Message) -> None:
        guild = self.bot.settings.guild_id
        await interaction.response.send_modal(ReportModal(
            person_of(interaction, message.author),
            refs.message_ref(guild, message.channel.id, message.id),
            message.content, message.channel.id))

    async def report_user(self, interaction: discord.Interaction,
                          member: discord.Member) -> None:
        await interaction.response.send_modal(ReportModal(
            person_of(interaction, member), channel_id=interaction.channel_id))


async def setup(bot: CocBot) -> None:
    await bot.add_cog(Reports(bot))
