"""The discord.py client: intents, cogs, persistent buttons, and one error handler."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import CocBotError
from bot.discord_io import setup_check
from bot.discord_io.platform import DiscordPlatform
from bot.discord_io.views import PERSISTENT, reply_error
from config.settings import DiscordSettings

if TYPE_CHECKING:
    from bot.frontends import FrontEndContext

log = logging.getLogger(__name__)

# cogs.discord.hearing adds to cogs.discord.staff's /case group, so it loads after it.
COGS = tuple(f"cogs.discord.{name}" for name in (
    "reports", "staff", "hearing", "committee", "appeals", "code_of_conduct", "watch"))
# Commands a suspended person must still reach from a DM with the bot.
GLOBAL_COMMANDS = frozenset({"appeal"})


def intents() -> discord.Intents:
    """Members and message content are privileged: enable both in the developer portal."""
    wanted = discord.Intents.none()
    wanted.guilds = wanted.members = wanted.guild_messages = wanted.message_content = True
    wanted.guild_reactions = wanted.dm_messages = True
    return wanted


class CocTree(app_commands.CommandTree["CocBot"]):
    async def on_error(self, interaction: discord.Interaction[Any],
                       error: app_commands.AppCommandError) -> None:
        """Domain errors become a polite private reply; anything else is logged."""
        original = getattr(error, "original", error)
        if isinstance(original, CocBotError):
            await reply_error(interaction, original)
            return
        if isinstance(error, app_commands.CheckFailure):
            await reply_error(interaction, CocBotError("You are not allowed to use this."))
            return
        log.exception("command %s failed", interaction.command, exc_info=original)
        await reply_error(interaction, CocBotError(
            "Something went wrong on my side; nothing was changed. Staff have been notified "
            "in the logs. Please try again."))


class CocBot(commands.Bot):
    def __init__(self, app: FrontEndContext, settings: DiscordSettings, *,
                 guild_ready_timeout: float = 2.0) -> None:
        """``guild_ready_timeout`` is how long discord.py waits for more guilds before READY;
        one guild against a local fake arrives at once, so tests pass a small value."""
        # coc-bot never joins voice; discord.py's warnings that the voice libraries are
        # missing would open every healthy start and read like a fault.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(command_prefix=commands.when_mentioned, intents=intents(),
                         tree_cls=CocTree, help_command=None,
                         allowed_mentions=discord.AllowedMentions.none(),
                         guild_ready_timeout=guild_ready_timeout)
        self.app = app
        self.settings = settings
        self.platform = DiscordPlatform(self, settings, app.clock)
        self._checked = False

    async def on_ready(self) -> None:
        """READY and the guild have arrived: timed actions waiting for Discord run now.

        The first time per start (READY comes again after a reconnect), also say what in
        the server does not match the configuration, so a typo does not pass for a quiet
        bot.
        """
        guild = self.get_guild(self.settings.guild_id)
        first, self._checked = not self._checked, True
        if first:
            for problem in setup_check.problems(guild, self.settings):
                log.warning("set-up: %s", problem)
        if guild is None:
            if not first:
                log.warning("discord: ready, but the configured guild %s is not available",
                            self.settings.guild_id)
            return
        self.app.platforms.mark_ready(self.platform.name)

    @property
    def guild_object(self) -> discord.Object:
        return discord.Object(self.settings.guild_id)

    async def setup_hook(self) -> None:
        # Registered now, ready only at READY (the guild is known then): timed actions
        # wait for that instead of failing against a half-connected client.
        self.app.platforms.register(self.platform, ready=False)
        self.app.services.ctx.telemetry.watch_latency(self.platform.name, lambda: self.latency)
        self.add_dynamic_items(*PERSISTENT)
        for name in COGS:
            await self.load_extension(name)
        # Guild commands appear at once (global ones take up to an hour); only the
        # commands that must work in DMs stay global.
        for command in list(self.tree.get_commands()):
            if command.name not in GLOBAL_COMMANDS:
                kind = getattr(command, "type", discord.AppCommandType.chat_input)
                self.tree.remove_command(command.name, type=kind)
                self.tree.add_command(command, guild=self.guild_object)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync each scope (this guild, global) only when its commands changed since the
        last sync, as discord.py's own examples advise: Discord rate-limits registration,
        and re-registering an unchanged tree on every start gains nothing.

        The hash of what was last synced is kept in ``platform_state`` per application
        and scope, so a new application, guild or command set syncs again.
        """
        state = self.app.services.state
        for guild in (self.guild_object, None):
            payload = [c.to_dict(self.tree) for c in self.tree.get_commands(guild=guild)]
            digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
            scope = f"guild:{guild.id}" if guild is not None else "global"
            key = f"discord:{self.application_id}:commands:{scope}"
            if await state.get(key) == digest:
                log.info("discord: %s commands unchanged, not synced", scope)
                continue
            await self.tree.sync(guild=guild)
            await state.put(key, digest)
            log.info("discord: %d %s commands synced", len(payload), scope)

    async def on_socket_event_type(self, event_type: str) -> None:
        """Every gateway dispatch, counted by type for the operators' metrics."""
        self.app.services.ctx.telemetry.event_handled(self.platform.name, event_type)

    async def on_disconnect(self) -> None:
        """The gateway dropped: not ready (``/readyz`` says so) until RESUMED or READY."""
        self.app.platforms.mark_unready(self.platform.name)

    async def on_resumed(self) -> None:
        if self.get_guild(self.settings.guild_id) is not None:
            self.app.platforms.mark_ready(self.platform.name)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """The guild came back after an outage (READY does not fire again then)."""
        if guild.id == self.settings.guild_id and self.is_ready():
            self.app.platforms.mark_ready(self.platform.name)

    async def on_guild_unavailable(self, guild: discord.Guild) -> None:
        if guild.id == self.settings.guild_id:
            self.app.platforms.mark_unready(self.platform.name)

    async def close(self) -> None:
        # a raid's batch under way is recorded and its alert updated while Discord can
        # still be reached (App.close drains too, for a bot that never connected)
        await self.app.services.raid.drain()
        self.app.platforms.mark_unready(self.platform.name)
        await super().close()
