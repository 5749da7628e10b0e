"""The Member Review Committee: recusal, motions, reaction votes, counsel, decisions.

Reactions are input only. The vote is stored, the tally recomputed from stored votes, and
a reaction from anyone who may not vote is removed, never counted, and the voter is told
why by DM (only they see it: the reason may name their own conflict).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import CocBotError, PlatformError
from bot.core.flows.committee import CommitteeFlows, Refused
from bot.core.identity import PersonRef
from bot.core.ports import Notice, NoticeKind
from bot.core.services import RefKind
from bot.discord_io import flows, refs
from bot.discord_io.commands import BOARD, references
from bot.discord_io.context import actor_of
from cogs.discord._common import clause_autocomplete

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot

log = logging.getLogger(__name__)


class Committee(commands.Cog):
    def __init__(self, bot: CocBot) -> None:
        self.bot = bot

    @property
    def flows(self) -> CommitteeFlows:
        return CommitteeFlows(self.bot.app.services)

    @app_commands.command(name="recuse", description="Committee: declare a conflict of "
                                                     "interest in a case")
    @app_commands.autocomplete(case=references(RefKind.CASE))
    @app_commands.guild_only()
    @app_commands.default_permissions(BOARD)
    async def recuse(self, interaction: discord.Interaction, case: str, reason: str) -> None:
        await flows.run(interaction, self.flows.recuse(actor_of(interaction), case, reason))

    @app_commands.command(name="motion", description="Committee: put a motion to the vote")
    @app_commands.describe(text="The motion, e.g. 'Suspend for 30 days for harassment'",
                           suspend_for="Optional: a suspension the motion decides (30d, "
                                       "permanent) so it can be applied with one click",
                           clause="The part of the Code, with suspend_for",
                           review="With suspend_for permanent: review after (1y, 6mo, 90d)",
                           statement="Optional: a public statement, published only if the "
                                     "motion carries and is not overruled")
    @app_commands.autocomplete(clause=clause_autocomplete, case=references(RefKind.CASE))
    @app_commands.guild_only()
    @app_commands.default_permissions(BOARD)
    async def motion(self, interaction: discord.Interaction, case: str, text: str,
                     suspend_for: str | None = None, clause: str | None = None,
                     review: str | None = None, statement: str | None = None) -> None:
        await flows.run(interaction, self.flows.motion(
            actor_of(interaction), case, text, suspend_for=suspend_for, clause=clause,
            review=review, statement=statement))

    @app_commands.command(name="overrule", description="Legal counsel: overrule the "
                                                       "committee's carried motion")
    @app_commands.autocomplete(case=references(RefKind.CASE))
    @app_commands.guild_only()
    @app_commands.default_permissions(BOARD)
    async def overrule(self, interaction: discord.Interaction, case: str, reason: str) -> None:
        await flows.run(interaction, self.flows.overrule(actor_of(interaction), case, reason))

    @app_commands.command(name="decide", description="Communicate a case's decision to the "
                                                     "person; starts the appeal window")
    @app_commands.describe(without_statement="Only to decide before the subject's statement "
                                             "deadline: the reason (recorded, shown)")
    @app_commands.autocomplete(case=references(RefKind.CASE))
    @app_commands.guild_only()
    @app_commands.default_permissions(BOARD)
    async def decide(self, interaction: discord.Interaction, case: str,
                     without_statement: str | None = None) -> None:
        await flows.run(interaction, self.flows.decide(
            actor_of(interaction), case, without_statement=without_statement))

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        await self._reaction(event, added=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, event: discord.RawReactionActionEvent) -> None:
        await self._reaction(event, added=False)

    async def _reaction(self, event: discord.RawReactionActionEvent, *, added: bool) -> None:
        if event.guild_id is None or not self.bot.serves(event.guild_id) \
                or self.bot.user is None \
                or event.user_id == self.bot.user.id:
            return
        message = refs.message_ref(event.guild_id, event.channel_id, event.message_id)
        voter = refs.person(event.guild_id, discord.Object(event.user_id))
        emoji = str(event.emoji)
        try:
            refused = await self.flows.reaction(voter, message, emoji, emoji, added=added)
            if refused is not None:
                await self.bot.platform.remove_reaction(message, emoji, voter)
                await self._tell_voter(voter, refused)
        except CocBotError as exc:
            log.warning("reaction on %s not handled: %s", event.message_id, exc)

    async def _tell_voter(self, voter: PersonRef, refused: Refused) -> None:
        try:
            await self.bot.platform.send_dm(voter, Notice(NoticeKind.INFO, refused.text,
                                                          subject_id=refused.motion))
        except PlatformError as exc:
            log.info("could not tell a voter why their vote on %s did not count: %s",
                     refused.motion, exc)


async def setup(bot: CocBot) -> None:
    await bot.add_cog(Committee(bot))
