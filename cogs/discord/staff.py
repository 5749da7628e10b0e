"""Staff actions: remove content, suspend and unsuspend, history and linked accounts,
incidents, cases, the roster. Each parses the interaction, runs its flow
(``bot.core.flows``) and shows the outcome; the services decide who may."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import CocBotError
from bot.core.flows.cases import CaseFlows
from bot.core.flows.records import RecordFlows
from bot.core.flows.roster import RosterFlows
from bot.core.services import RefKind
from bot.discord_io import flows, refs
from bot.discord_io.commands import STAFF, references
from bot.discord_io.context import actor_of, person_of, settings_of
from cogs.discord._common import clause_autocomplete

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot


log = logging.getLogger(__name__)


class Staff(commands.Cog):
    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """A suspended member who left and rejoined gets the suspension back."""
        if not self.bot.serves(member.guild.id) or member.bot:
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
        message = refs.parse_message_link(message_link, settings_of(interaction).guild_id)
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.staff_flows(interaction).remove_message(
            actor_of(interaction), message, clause, flows.InteractionDirectory(interaction),
            note=note, confirmed=confirm))

    @app_commands.default_permissions(STAFF)
    async def remove_menu(self, interaction: discord.Interaction,
                          message: discord.Message) -> None:
        guild = settings_of(interaction).guild_id
        await flows.show(interaction, flows.staff_flows(interaction).remove_menu(
            actor_of(interaction), refs.message_ref(guild, message.channel.id, message.id),
            refs.person(guild, message.author)))

    @app_commands.command(name="suspend", description="Staff: suspend a member, timed or "
                                                      "permanent")
    @app_commands.describe(duration="30m, 12h, 7d, 2w or permanent",
                           scope="This channel only, or the whole server",
                           reason="Sent to the member in writing", clause="Part of the Code",
                           channel="Channel for a channel suspension (default: this one)",
                           confirm="Required to act on staff or committee members",
                           review="Permanent only: review after (1y, 6mo, 90d); the member "
                                  "is told the date")
    @app_commands.autocomplete(clause=clause_autocomplete)
    @app_commands.guild_only()
    @app_commands.default_permissions(STAFF)
    async def suspend(self, interaction: discord.Interaction, member: discord.Member,
                      duration: str, scope: Literal["channel", "server"], reason: str,
                      clause: str = "no-harassment", channel: discord.TextChannel | None = None,
                      confirm: bool = False, review: str | None = None) -> None:
        here = refs.place(settings_of(interaction).guild_id, channel.id) if channel else None
        await flows.suspend(interaction, person_of(interaction, member), duration=duration,
                            scope=scope, reason=reason, here=here, clause_id=clause,
                            confirmed=confirm, member=member, review=review)

    @app_commands.command(name="unsuspend", description="Staff: lift a member's suspensions now")
    @app_commands.describe(reason="Recorded (default: lifted early by staff)")
    @app_commands.guild_only()
    @app_commands.default_permissions(STAFF)
    async def unsuspend(self, interaction: discord.Interaction, member: discord.Member,
                        reason: str = "") -> None:
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.staff_flows(interaction).unsuspend(
            actor_of(interaction), person_of(interaction, member), reason))

    @app_commands.command(name="history", description="Staff: a member's incidents, "
                                                      "suspensions and cases")
    @app_commands.guild_only()
    @app_commands.default_permissions(STAFF)
    async def history(self, interaction: discord.Interaction, member: discord.User) -> None:
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.flows_of(interaction, RecordFlows).history(
            actor_of(interaction), person_of(interaction, member)))

    @app_commands.command(name="link", description="Staff: record that two accounts are one "
                                                   "person, so their histories merge")
    @app_commands.describe(member="The person's account here",
                           other="Their other account: a Slack user id (U…), a Discord user "
                                 "id, or platform:space:id")
    @app_commands.guild_only()
    @app_commands.default_permissions(STAFF)
    async def link(self, interaction: discord.Interaction, member: discord.User,
                   other: str) -> None:
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.flows_of(interaction, RecordFlows).link(
            actor_of(interaction), person_of(interaction, member), other,
            self.bot.app.spaces()))

    incident = app_commands.Group(name="incident", description="Staff: incidents",
                                  guild_only=True, default_permissions=STAFF)

    @incident.command(name="reverse", description="Mark an incident (e.g. automod) a mistake")
    @app_commands.autocomplete(ref=references(RefKind.INCIDENT))
    async def incident_reverse(self, interaction: discord.Interaction, ref: str,
                               note: str) -> None:
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.flows_of(
            interaction, RecordFlows).reverse_incident(actor_of(interaction), ref, note))

    roster = app_commands.Group(name="roster", description="Staff: committee roster",
                                guild_only=True, default_permissions=STAFF)

    @roster.command(name="appoint", description="Seat a committee member, counsel or executive")
    @app_commands.describe(seat="Committee seat number (default: the first empty one)",
                           term_start="The term's start, YYYY-MM-DD (default: today)",
                           confirm="Seat even though too many terms would end in one year")
    async def roster_appoint(self, interaction: discord.Interaction, member: discord.Member,
                             office: Literal["committee", "counsel", "executive"],
                             seat: app_commands.Range[int, 1, 99] | None = None,
                             term_start: str | None = None, confirm: bool = False) -> None:
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.flows_of(interaction, RosterFlows).appoint(
            actor_of(interaction), person_of(interaction, member), office, seat=seat,
            term_start=term_start, confirmed=confirm))

    @roster.command(name="show", description="Who holds which seat, and each seat's term")
    async def roster_show(self, interaction: discord.Interaction) -> None:
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.flows_of(interaction, RosterFlows).show(
            actor_of(interaction)))

    # Staff's, and the committee's for `show`: an admin grants the committee role /case in
    # Integrations (README); the services refuse open/communicated to non-staff anyway.
    case = app_commands.Group(name="case", description="Committee cases", guild_only=True,
                              default_permissions=STAFF)

    @case.command(name="open", description="Staff: open a committee case about a member")
    async def case_open(self, interaction: discord.Interaction, member: discord.Member,
                        summary: str,
                        severity: Literal["serious", "severe"] = "serious") -> None:
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.flows_of(interaction, CaseFlows).open(
            actor_of(interaction), person_of(interaction, member), summary, severity))

    @case.command(name="show", description="Staff or committee: a case's status")
    @app_commands.autocomplete(ref=references(RefKind.CASE))
    async def case_show(self, interaction: discord.Interaction, ref: str) -> None:
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.flows_of(interaction, CaseFlows).show(
            actor_of(interaction), ref))

    @case.command(name="file", description="Staff, committee or counsel: the case file, "
                                           "sent to you by DM (JSON and HTML)")
    @app_commands.autocomplete(ref=references(RefKind.CASE))
    async def case_file(self, interaction: discord.Interaction, ref: str) -> None:
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.flows_of(interaction, CaseFlows).file(
            actor_of(interaction), ref))

    @case.command(name="communicated", description="Staff: the decision reached the person "
                                                   "another way; start the appeal window")
    @app_commands.autocomplete(ref=references(RefKind.CASE))
    async def case_communicated(self, interaction: discord.Interaction, ref: str) -> None:
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.flows_of(interaction, CaseFlows).communicated(
            actor_of(interaction), ref))

    @case.command(name="close", description="Staff: close an open case without a decision "
                                            "(withdrawn, resolved by amends)")
    @app_commands.describe(reason="Why; recorded and told to the committee's thread")
    @app_commands.autocomplete(ref=references(RefKind.CASE))
    async def case_close(self, interaction: discord.Interaction, ref: str, reason: str) -> None:
        await flows.thinking(interaction)
        await flows.show(interaction, await flows.flows_of(interaction, CaseFlows).close(
            actor_of(interaction), ref, reason))


async def setup(bot: CocBot) -> None:
    await bot.add_cog(Staff(bot))
