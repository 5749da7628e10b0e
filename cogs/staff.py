"""Staff actions: remove content, suspend and unsuspend, history, cases, the roster."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import CocBotError
from bot.core.models import Office, Severity
from bot.core.services import RefKind
from bot.core.services.cases import render_case
from bot.core.services.people import render_history
from bot.discord_io import flows, refs
from bot.discord_io.commands import STAFF, references
from bot.discord_io.context import (
    actor_of,
    person_of,
    require_staff,
)
from cogs._common import clause_autocomplete

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot


log = logging.getLogger(__name__)


class Staff(commands.Cog):
    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """A suspended member who left and rejoined gets the suspension back."""
        if member.guild.id != self.bot.settings.guild_id or member.bot:
            return
        try:
            again = await self.bot.app.services.sanctions.reapply(
                refs.person(member.guild.id, member))
        except CocBotError as exc:
            log.warning("could not re-apply suspensions to %s: %s", member.id, exc)
            return
        if again:
            log.info("re-applied %s to %s after a rejoin", [s.id for s in again], member.id)

    def __init__(self, bot: CocBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name="Remove message", callback=self.remove_menu)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name="remove", description="Staff: remove a message and explain "
                                                     "the Code to its author")
    @app_commands.describe(message_link="Link to the message", clause="Part of the Code broken",
                           note="Optional note included in the DM",
                           confirm="Required when the author is staff or on the committee")
    @app_commands.autocomplete(clause=clause_autocomplete)
    @app_commands.guild_only()
    @app_commands.default_permissions(STAFF)
    async def remove(self, interaction: discord.Interaction, message_link: str, clause: str,
                     note: str | None = None, confirm: bool = False) -> None:
        message = refs.parse_message_link(message_link, self.bot.settings.guild_id)
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.staff_flows(interaction).remove_message(
            actor_of(interaction), message, clause, flows.InteractionDirectory(interaction),
            note=note, confirmed=confirm))

    @app_commands.default_permissions(STAFF)
    async def remove_menu(self, interaction: discord.Interaction,
                          message: discord.Message) -> None:
        guild = self.bot.settings.guild_id
        await flows.show(interaction, flows.staff_flows(interaction).remove_menu(
            actor_of(interaction), refs.message_ref(guild, message.channel.id, message.id),
            refs.person(guild, message.author)))

    @app_commands.command(name="suspend", description="Staff: suspend a member, timed or "
                                                      "permanent")
    @app_commands.describe(duration="30m, 12h, 7d, 2w or permanent",
                           scope="This channel only, or the whole server",
                           reason="Sent to the member in writing", clause="Part of the Code",
                           channel="Channel for a channel suspension (default: this one)",
                           confirm="Required to act on staff or committee members")
    @app_commands.autocomplete(clause=clause_autocomplete)
    @app_commands.guild_only()
    @app_commands.default_permissions(STAFF)
    async def suspend(self, interaction: discord.Interaction, member: discord.Member,
                      duration: str, scope: Literal["channel", "server"], reason: str,
                      clause: str = "no-harassment", channel: discord.TextChannel | None = None,
                      confirm: bool = False) -> None:
        here = refs.place(self.bot.settings.guild_id, channel.id) if channel else None
        await flows.suspend(interaction, person_of(interaction, member), duration=duration,
                            scope=scope, reason=reason, here=here, clause_id=clause,
                            confirmed=confirm, member=member)

    @app_commands.command(name="unsuspend", description="Staff: lift a member's suspensions now")
    @app_commands.guild_only()
    @app_commands.default_permissions(STAFF)
    async def unsuspend(self, interaction: discord.Interaction, member: discord.Member,
                        reason: str = "lifted early by staff") -> None:
        actor = require_staff(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        lifted = await self.bot.app.services.sanctions.unsuspend(
            actor, person_of(interaction, member), reason)
        await flows.answer(interaction, f"Lifted {', '.join(s.id for s in lifted)}.")

    @app_commands.command(name="history", description="Staff: a member's incidents, "
                                                      "suspensions and cases")
    @app_commands.guild_only()
    @app_commands.default_permissions(STAFF)
    async def history(self, interaction: discord.Interaction, member: discord.User) -> None:
        actor = actor_of(interaction)
        result = await self.bot.app.services.people.history(actor, person_of(interaction, member))
        await flows.answer(interaction, render_history(result))

    incident = app_commands.Group(name="incident", description="Staff: incidents",
                                  guild_only=True, default_permissions=STAFF)

    @incident.command(name="reverse", description="Mark an incident (e.g. automod) a mistake")
    @app_commands.autocomplete(ref=references(RefKind.INCIDENT))
    async def incident_reverse(self, interaction: discord.Interaction, ref: str,
                               note: str) -> None:
        await flows.thinking(interaction)
        incident = await self.bot.app.services.incidents.reverse(actor_of(interaction), ref, note)
        await flows.answer(interaction, f"Incident {incident.id} reversed; it no longer counts.")

    roster = app_commands.Group(name="roster", description="Staff: committee roster",
                                guild_only=True, default_permissions=STAFF)

    @roster.command(name="appoint", description="Seat a committee member, counsel or executive")
    async def roster_appoint(self, interaction: discord.Interaction, member: discord.Member,
                             office: Literal["committee", "counsel", "executive"],
                             seat: app_commands.Range[int, 1, 99] | None = None) -> None:
        appointment = await self.bot.app.services.roster.appoint(
            actor_of(interaction), person_of(interaction, member), Office(office), seat=seat)
        term = f" seat {appointment.seat}, term ends {appointment.term_end}" \
            if appointment.seat else ""
        await flows.answer(interaction, f"{member.mention} appointed to {office}{term} "
                                        f"({appointment.id}).")

    @roster.command(name="show", description="Who holds which seat")
    async def roster_show(self, interaction: discord.Interaction) -> None:
        require_staff(interaction)
        roster = self.bot.app.services.roster
        lines = []
        for office in Office:
            for a in await roster.current(office):
                seat = f"seat {a.seat}, until {a.term_end}" if a.seat else ""
                lines.append(f"• {office.value}: <@{a.person.id}> {seat} ({a.id})")
        empty = await roster.empty_seats()
        lines.append(f"Empty seats: {', '.join(map(str, empty)) or 'none'}")
        await flows.answer(interaction, "\n".join(lines))

    # Staff's, and the committee's for `show`: an admin grants the committee role /case in
    # Integrations (README); the services refuse open/communicated to non-staff anyway.
    case = app_commands.Group(name="case", description="Committee cases", guild_only=True,
                              default_permissions=STAFF)

    @case.command(name="open", description="Staff: open a committee case about a member")
    async def case_open(self, interaction: discord.Interaction, member: discord.Member,
                        summary: str,
                        severity: Literal["serious", "severe"] = "serious") -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        opened = await self.bot.app.services.cases.open_by_staff(
            actor_of(interaction), person_of(interaction, member), summary, Severity(severity))
        await flows.answer(interaction, f"Case {opened.id} opened; the committee has a private "
                                        "thread for it.")

    @case.command(name="show", description="Staff or committee: a case's status")
    @app_commands.autocomplete(ref=references(RefKind.CASE))
    async def case_show(self, interaction: discord.Interaction, ref: str) -> None:
        actor = actor_of(interaction)
        if not (actor.is_staff or actor.roles):
            require_staff(interaction)
        found = await self.bot.app.services.cases.get(ref)
        await flows.answer(interaction, render_case(
            found, subject=f"<@{found.subject.id}>", format_time=discord.utils.format_dt))

    @case.command(name="communicated", description="Staff: the decision reached the person "
                                                   "another way; start the appeal window")
    @app_commands.autocomplete(ref=references(RefKind.CASE))
    async def case_communicated(self, interaction: discord.Interaction, ref: str) -> None:
        await flows.thinking(interaction)
        updated = await self.bot.app.services.decisions.mark_communicated(
            actor_of(interaction), ref)
        assert updated.appeal_deadline is not None
        await flows.answer(interaction, f"Recorded. Appeals are open until "
                                        f"{discord.utils.format_dt(updated.appeal_deadline)}.")


async def setup(bot: CocBot) -> None:
    await bot.add_cog(Staff(bot))
