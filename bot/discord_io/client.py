"""The discord.py client: intents, cogs, persistent buttons, and one error handler."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import CocBotError
from bot.discord_io import resume, setup_check
from bot.discord_io.gateway_state import GatewaySession, GatewayState
from bot.discord_io.platform import DiscordPlatform
from bot.discord_io.views import PERSISTENT, reply_error
from config.settings import DiscordSettings

if TYPE_CHECKING:
    from bot.frontends import FrontEndContext

log = logging.getLogger(__name__)

# cogs.discord.hearing adds to cogs.discord.staff's /case group, so it loads after it.
COGS = tuple(f"cogs.discord.{name}" for name in (
    "reports", "staff", "hearing", "committee", "appeals", "code_of_conduct", "watch",
    "native_automod"))
HANDLING_GRACE = 10.0
"""How long a stop waits for event handlers already running (automod on a message)."""
# Commands a suspended person must still reach from a DM with the bot.
GLOBAL_COMMANDS = frozenset({"appeal"})


def intents() -> discord.Intents:
    """Members and message content are privileged: enable both in the developer portal."""
    wanted = discord.Intents.none()
    wanted.guilds = wanted.members = wanted.guild_messages = wanted.message_content = True
    wanted.guild_reactions = wanted.dm_messages = True
    wanted.auto_moderation_execution = True  # what Discord's AutoMod blocked (not privileged)
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


def home_shard(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to (its documented formula)."""
    return (guild_id >> 22) % shard_count


class CocBot(commands.Bot):
    def __init__(self, app: FrontEndContext, settings: DiscordSettings, *,
                 guild_ready_timeout: float = 2.0, shard_id: int | None = None,
                 gateway: GatewayState | None = None) -> None:
        """``guild_ready_timeout`` is how long discord.py waits for more guilds before READY;
        one guild against a local fake arrives at once, so tests pass a small value.

        ``shard_id`` runs one shard of ``settings.shard_count``; only the client of the
        shard that carries the configured guild (the *home* shard) serves it as the
        Discord platform and syncs commands. ``gateway`` keeps the session and the
        channel marks in the database for a standby (``bot.discord_io.shards``).
        """
        # coc-bot never joins voice; discord.py's warnings that the voice libraries are
        # missing would open every healthy start and read like a fault.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        resume.install()  # the gateway reader that resumes sessions and reads fairly
        super().__init__(command_prefix=commands.when_mentioned, intents=intents(),
                         tree_cls=CocTree, help_command=None,
                         allowed_mentions=discord.AllowedMentions.none(),
                         guild_ready_timeout=guild_ready_timeout, shard_id=shard_id,
                         shard_count=settings.shard_count if shard_id is not None else None)
        self.app = app
        self.settings = settings
        self.platform = DiscordPlatform(self, settings, app.clock)
        self.home = shard_id is None or shard_id == home_shard(settings.guild_id,
                                                               settings.shard_count)
        # The client that registers the (REST-only) Discord platform in this process: the
        # home shard's, or the first one's when this process runs other shards only.
        self.registers = self.home
        self.gateway_state = gateway
        self._checked = False
        self._setup_checked: set[int] = set()
        self._unknown: set[int] = set()  # servers not in the config, already logged
        self._resume: GatewaySession | None = None
        self._resuming = False
        self._handling: set[asyncio.Task[Any]] = set()

    def _schedule_event(self, coro: Callable[..., Coroutine[Any, Any, Any]], event_name: str,
                        *args: Any, **kwargs: Any) -> asyncio.Task[Any]:
        """discord.py's, keeping each running handler so a stop can let it finish."""
        task = super()._schedule_event(coro, event_name, *args, **kwargs)
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)
        return task

    async def finish_handling(self, grace: float = HANDLING_GRACE) -> None:
        """Let the event handlers already running finish (at most ``grace`` seconds)
        before the database closes or the session is handed to another process: an
        event whose handling was cut off would be lost to both."""
        if self._handling:
            await asyncio.wait(set(self._handling), timeout=grace)

    def resume_from(self, session: GatewaySession) -> None:
        """Make the next connection RESUME ``session`` (another process's) instead of
        identifying; see ``bot.discord_io.resume``."""
        self._resume = session

    async def resume_params(self) -> dict[str, Any]:
        """Called by ``ResumingWebSocket`` before each connection: the RESUME arguments
        for a stored session (once), after loading the guild the session will not send."""
        session, self._resume = self._resume, None
        if session is None:
            return {}
        self._resuming = True  # should loading fail, the fresh session that follows reads back
        for guild in self.shard_guilds():
            await resume.hydrate(self, guild)
        log.info("discord: resuming session %s at event %d", session.session_id,
                 session.sequence)
        return resume.resume_arguments(session.session_id, session.sequence,
                                       session.resume_url)

    async def on_resumed(self) -> None:
        """The session was resumed: ready again. After discord.py's own reconnect the cache
        is intact; for a session resumed from another process (``resume_from``) the
        replayed events are in and the guild was loaded before."""
        if not self._resuming:
            if self.registers and self._watched_guild() is not None:
                self.app.platforms.mark_ready(self.platform.name)
            return
        self._resuming = False
        self._ready.set()  # discord.py sets it at READY, which a resumed session never gets
        log.info("discord: resumed the previous owner's gateway session")
        self._connected()

    def standing_by(self, standby: bool) -> None:
        """Another process holds this shard (``bot.discord_io.shards``): say so, so that
        readiness counts the wait as healthy."""
        if self.registers:
            self.app.platforms.standing_by(self.platform.name, standby)

    def gateway_lost(self) -> None:
        """The connection was dropped on purpose (the lease went to another process)."""
        if self.registers:
            self.app.platforms.mark_unready(self.platform.name)

    def shard_guilds(self) -> list[int]:
        """The configured servers whose events come to this client (all of them without
        sharding): the ones a resume loads and a catch-up reads back."""
        servers = [server.guild_id for server in self.settings.all_servers]
        if self.shard_id is None:
            return servers
        return [guild for guild in servers
                if home_shard(guild, self.settings.shard_count) == self.shard_id]

    def saw(self, message: discord.Message) -> None:
        """Note the newest message seen per channel, for a catch-up after fail-over."""
        if self.gateway_state is not None and message.guild is not None:
            self.gateway_state.note_seen(message.guild.id, message.channel.id, message.id)

    async def on_ready(self) -> None:
        """READY and the guild have arrived: timed actions waiting for Discord run now.

        After a stored session could not be resumed (it expired), what was posted in the
        gap is read back from each channel's history.
        """
        failed_resume, self._resuming = self._resuming, False
        self._connected()
        if failed_resume and self.gateway_state is not None:
            log.warning("discord: the previous session could not be resumed; reading back "
                        "what was posted in the gap")
            await resume.catch_up(self, self.gateway_state)

    def _connected(self) -> None:
        """The first time per start (READY comes again after a reconnect), say what in the
        server does not match the configuration, so a typo does not pass for a quiet bot."""
        if not self.registers:
            return
        guild = self._watched_guild()
        first, self._checked = not self._checked, True
        if first:
            mine = self.shard_guilds()  # the others are checked by their shard's client
            for server in (s for s in self.settings.all_servers if s.guild_id in mine):
                self._check_setup(server.guild_id)
            for other in self.guilds:
                self._note_unknown(other)
        if guild is None:
            if not first:
                log.warning("discord: ready, but the configured guild %s is not available",
                            self._readiness_guild)
            return
        self.app.platforms.mark_ready(self.platform.name)

    @property
    def _readiness_guild(self) -> int:
        """The server whose availability makes Discord ready in this process: the
        configured one on the home shard's client; on a process holding other shards
        only, the first configured server on this client's shard."""
        if self.home:
            return self.settings.guild_id
        mine = self.shard_guilds()
        return mine[0] if mine else self.settings.guild_id

    def _watched_guild(self) -> discord.Guild | None:
        """The readiness server, if it is here and available: READY names every server
        but sends each one's contents later (an outage can delay that for minutes), and
        discord.py fires ``on_ready`` after ``guild_ready_timeout`` even if some are still
        only ids; timed actions must not run against an empty server."""
        guild = self.get_guild(self._readiness_guild)
        return guild if guild is not None and not guild.unavailable else None

    def _check_setup(self, guild_id: int) -> None:
        """Log what in a configured server does not match the configuration, once it is
        available (checking a server READY named but has not sent yet would report every
        role and channel missing); a server the bot is not in is reported at once."""
        server = self.settings.server(guild_id)
        guild = self.get_guild(guild_id)
        if server is None or guild_id in self._setup_checked:
            return
        if guild is not None and guild.unavailable:
            return  # checked by on_guild_available when its contents arrive
        self._setup_checked.add(guild_id)
        for problem in setup_check.problems(guild, server):
            log.warning("set-up: %s", problem)

    @property
    def guild_object(self) -> discord.Object:
        return discord.Object(self.settings.guild_id)

    @property
    def guild_objects(self) -> list[discord.Object]:
        """Every configured server, where the guild commands are registered."""
        return [discord.Object(server.guild_id) for server in self.settings.all_servers]

    def serves(self, guild_id: int | None) -> bool:
        """Whether ``guild_id`` is a configured server; the bot does nothing elsewhere."""
        return guild_id is not None and self.settings.server(guild_id) is not None

    def _note_unknown(self, guild: discord.Guild) -> None:
        """One log line for a server the bot is in but the config does not name (once per
        server: it arrives with READY, as available, and as a join)."""
        if not self.serves(guild.id) and guild.id not in self._unknown:
            self._unknown.add(guild.id)
            log.warning("discord: the bot is in server %s, which is not in the config; it "
                        "ignores everything there", guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self._note_unknown(guild)

    async def setup_hook(self) -> None:
        # Registered now, ready only at READY (the guild is known then): timed actions
        # wait for that instead of failing against a half-connected client.
        if self.registers:
            self.app.platforms.register(self.platform, ready=False)
            self.app.services.ctx.telemetry.watch_latency(self.platform.name,
                                                          lambda: self.latency)
        self.add_dynamic_items(*PERSISTENT)
        for name in COGS:
            await self.load_extension(name)
        # Guild commands appear at once (global ones take up to an hour); only the
        # commands that must work in DMs stay global.
        for command in list(self.tree.get_commands()):
            if command.name not in GLOBAL_COMMANDS:
                kind = getattr(command, "type", discord.AppCommandType.chat_input)
                self.tree.remove_command(command.name, type=kind)
                self.tree.add_command(command, guilds=self.guild_objects)
        if self.registers:
            await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync each scope (this guild, global) only when its commands changed since the
        last sync, as discord.py's own examples advise: Discord rate-limits registration,
        and re-registering an unchanged tree on every start gains nothing.

        The hash of what was last synced is kept in ``platform_state`` per application
        and scope, so a new application, guild or command set syncs again.
        """
        state = self.app.services.state
        for guild in (*self.guild_objects, None):
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

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """discord.py's, but without a task where none is needed: every gateway dispatch
        is counted here, for the operators' metrics, rather than by a listener (a task per
        event for one increment); and a message does not go to the prefix-command parser,
        since every command of the bot is an application command. Under a flood those two
        tasks per message were a tenth of the bot's time."""
        if event_name == "socket_event_type":
            self.app.services.ctx.telemetry.event_handled(self.platform.name, args[0])
            return
        if event_name == "message" and not self._listeners.get("message"):
            # what discord.py does, less the task for ``self.on_message`` (no wait_for)
            for listener in self.extra_events.get("on_message", []):
                self._schedule_event(listener, "on_message", *args, **kwargs)
            return
        super().dispatch(event_name, *args, **kwargs)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands to parse (see :meth:`dispatch`); the cogs watch messages."""

    async def on_disconnect(self) -> None:
        """The gateway dropped: not ready (``/readyz`` says so) until RESUMED or READY."""
        if self.registers:
            self.app.platforms.mark_unready(self.platform.name)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """The guild arrived after READY, or came back after an outage (READY does not fire
        again then)."""
        self._note_unknown(guild)
        if self._checked:  # READY came first: its set-up check waited for this
            self._check_setup(guild.id)
        if guild.id == self._readiness_guild and self.is_ready() and self.registers:
            self.app.platforms.mark_ready(self.platform.name)

    async def on_guild_unavailable(self, guild: discord.Guild) -> None:
        if guild.id == self._readiness_guild and self.registers:
            self.app.platforms.mark_unready(self.platform.name)

    async def close(self) -> None:
        # a raid's batch under way is recorded and its alert updated while Discord can
        # still be reached (App.close drains too, for a bot that never connected)
        await self.app.services.raid.drain()
        self.gateway_lost()
        await self.finish_handling()
        await super().close()
