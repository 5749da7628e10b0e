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
from bot.core.identity import PersonRef
from bot.core.ports import Notice, NoticeKind
from bot.core.services import ProposedSanction, RefKind
from bot.core.services.cases import VOTE_EMOJI
from bot.discord_io import flows, refs
from bot.discord_io.commands import BOARD, references
from bot.discord_io.context import actor_of
from cogs._common import clause_autocomplete

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot

log = logging.getLogger(__name__)


class Committee(commands.Cog):
    def __init__(self, bot: CocBot) -> None:
        self.bot = bot

    @property
    def services(self):  # type: ignore[no-untyped-def]
        return self.bot.app.services

    @app_commands.command(name="recuse", description="Committee: declare a conflict of "
                                                     "interest in a case")
    @app_commands.autocomplete(case=references(RefKind.CASE))
    @app_commands.guild_only()
    @app_commands.default_permissions(BOARD)
    async def recuse(self, interaction: discord.Interaction, case: str, reason: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.bot.app.services.cases.recuse(actor_of(interaction), case, reason)
        await flows.answer(interaction, f"You are recused from {case}; you have left its thread "
                                        "and none of your votes on it count.")

    @app_commands.command(name="motion", description="Committee: put a motion to the vote")
    @app_commands.describe(text="The motion, e.g. 'Suspend for 30 days for harassment'",
                           suspend_for="Optional: a suspension the motion decides (30d, "
                                       "permanent) so it can be applied with one click",
                           clause="The part of the Code, with suspend_for")
    @app_commands.autocomplete(clause=clause_autocomplete, case=references(RefKind.CASE))
    @app_commands.guild_only()
    @app_commands.default_permissions(BOARD)
    async def motion(self, interaction: discord.Interaction, case: str, text: str,
                     suspend_for: str | None = None, clause: str | None = None) -> None:
        sanction = ProposedSanction(suspend_for, clause or "no-harassment") \
            if suspend_for else None
        await interaction.response.defer(ephemeral=True, thinking=True)
        motion = await self.bot.app.services.cases.propose(actor_of(interaction), case, text,
                                                           sanction)
        await flows.answer(interaction, f"Motion {motion.id} is open for votes.")

    @app_commands.command(name="overrule", description="Legal counsel: overrule the "
                                                       "committee's carried motion")
    @app_commands.autocomplete(case=references(RefKind.CASE))
    @app_commands.guild_only()
    @app_commands.default_permissions(BOARD)
    async def overrule(self, interaction: discord.Interaction, case: str, reason: str) -> None:
        await flows.thinking(interaction)
        motion = await self.bot.app.services.decisions.overrule(actor_of(interaction), case,
                                                                reason)
        await flows.answer(interaction, f"Motion {motion.id} overruled; the reason is recorded.")

    @app_commands.command(name="decide", description="Communicate a case's decision to the "
                                                     "person; starts the appeal window")
    @app_commands.autocomplete(case=references(RefKind.CASE))
    @app_commands.guild_only()
    @app_commands.default_permissions(BOARD)
    async def decide(self, interaction: discord.Interaction, case: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        decided, delivered = await self.bot.app.services.decisions.decide(
            actor_of(interaction), case)
        if delivered and decided.appeal_deadline:
            await flows.answer(interaction, "Decision sent by DM. Appeals are open until "
                               f"{discord.utils.format_dt(decided.appeal_deadline)}.")
        else:
            await flows.answer(interaction, "The decision is recorded but their DMs are closed. "
                               "Tell them in writing another way, then run "
                               f"/case communicated {decided.id} to start the appeal window.")

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        await self._reaction(event, added=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, event: discord.RawReactionActionEvent) -> None:
        await self._reaction(event, added=False)

    async def _reaction(self, event: discord.RawReactionActionEvent, *, added: bool) -> None:
        if event.guild_id != self.bot.settings.guild_id or self.bot.user is None \
                or event.user_id == self.bot.user.id:
            return
        choice = VOTE_EMOJI.get(str(event.emoji))
        services = self.bot.app.services
        message = refs.message_ref(event.guild_id, event.channel_id, event.message_id)
        try:
            motion = await services.cases.motion_for_message(message)
            if motion is None or choice is None:
                if motion is not None and added:
                    await self.bot.platform.remove_reaction(message, str(event.emoji),
                                                            self._voter(event))
                return
            voter = self._voter(event)
            if added:
                outcome = await services.cases.vote(voter, motion.id, choice)
                if not outcome.counted:
                    log.info("vote on %s not counted: %s", motion.id, outcome.notice)
                    await self.bot.platform.remove_reaction(message, str(event.emoji), voter)
                    await self._tell_voter(voter, motion.id, outcome.reason)
            else:
                await services.cases.retract(voter, motion.id, choice)
        except CocBotError as exc:
            log.warning("reaction on %s not handled: %s", event.message_id, exc)

    async def _tell_voter(self, voter: PersonRef, motion_id: str, reason: str) -> None:
        try:
            await self.bot.platform.send_dm(voter, Notice(
                NoticeKind.INFO, f"Your vote on motion {motion_id} was not counted: {reason}",
                subject_id=motion_id))
        except PlatformError as exc:
            log.info("could not tell a voter why their vote on %s did not count: %s",
                     motion_id, exc)

    def _voter(self, event: discord.RawReactionActionEvent):  # type: ignore[no-untyped-def]
        return refs.person(self.bot.settings.guild_id, discord.Object(event.user_id))


async def setup(bot: CocBot) -> None:
    await bot.add_cog(Committee(bot))
