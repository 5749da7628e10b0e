"""Starting a discord.py client on another process's gateway session (RESUME).

discord.py resumes only sessions it opened itself: ``Client.connect`` builds the first
connection with ``initial=True`` and IDENTIFYs. A standby that took over a dead owner's
shard wants its first connection to RESUME the stored session instead, so Discord replays
every event the owner missed. :class:`ResumingWebSocket` is discord.py's
``DiscordWebSocket`` with one change: before connecting it asks the client for
``resume_params()`` and, when the client has a stored session to resume, connects to its
resume URL with its session id and sequence and sends RESUME (discord.py's own
``from_client(resume=True)`` path). Every later reconnect is discord.py's own logic.

A resumed session gets no READY and no GUILD_CREATE, so a fresh process would know
nothing of the servers while the replayed events arrive. :func:`hydrate` therefore fills
discord.py's cache from the REST API (guild, channels, members, active threads) for every
configured server on the shard before the RESUME is sent, the way GUILD_CREATE would have.

When Discord refuses the RESUME (the session expired: INVALID_SESSION), discord.py
identifies afresh; :func:`catch_up` then reads the history of each watched channel of
every server on the shard after the last message seen there and hands it to the watch
cog, so nothing posted in the gap escapes automod.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Self

import discord
import discord.client
import yarl
from discord.gateway import DiscordWebSocket

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot
    from bot.discord_io.gateway_state import GatewayState

log = logging.getLogger(__name__)

MEMBERS_PAGE = 1000
CATCH_UP_LIMIT = 1000
"""At most this many messages per channel are read back after a failed resume."""


FAIR_SLICE = 0.001
"""Seconds of gateway events handled at a stretch before the event loop gets a turn."""


class ResumingWebSocket(DiscordWebSocket):
    """See the module docstring; and one thing more, fairness.

    discord.py reads the gateway in a loop that yields only when no event is waiting: under
    a flood (a raid: thousands of messages a second) it parses and dispatches the whole
    backlog at a stretch, up to a second at a time, and every deletion, DM and database
    answer waits behind it, a round trip needing several turns of the event loop. Here the
    reader gives the loop a turn after each :data:`FAIR_SLICE` of events; the events wait
    in the socket instead (measured with ``benchmarks/pipeline.py``).
    """

    _turn_at = 0.0

    @classmethod
    async def from_client(cls, client: discord.Client, *args: Any, **params: Any) -> Self:
        prepare = getattr(client, "resume_params", None)
        if prepare is not None:
            params.update(await prepare())
        return await super().from_client(client, *args, **params)

    async def poll_event(self) -> None:
        await super().poll_event()
        now = time.perf_counter()
        if now - self._turn_at >= FAIR_SLICE:
            await asyncio.sleep(0)
            self._turn_at = time.perf_counter()


def install() -> None:
    """Make ``Client.connect`` build its connections with :class:`ResumingWebSocket`.

    Clients without ``resume_params`` behave exactly as before.
    """
    if discord.client.DiscordWebSocket is not ResumingWebSocket:
        setattr(discord.client, "DiscordWebSocket", ResumingWebSocket)  # noqa: B010


async def hydrate(client: discord.Client, guild_id: int) -> discord.Guild:
    """Fill discord.py's cache with the guild as a GUILD_CREATE would, from REST."""
    http = client.http
    guild: dict[str, Any] = dict(await http.get_guild(guild_id, with_counts=False))
    channels = await http.get_all_guild_channels(guild_id)
    members: list[Any] = []
    after: int | None = None
    while True:
        page = await http.get_members(guild_id, MEMBERS_PAGE, after)
        members += page
        if len(page) < MEMBERS_PAGE:
            break
        after = int(page[-1]["user"]["id"])
    threads = (await http.get_active_threads(guild_id)).get("threads", [])
    guild.update(channels=channels, members=members, threads=threads,
                 member_count=len(members), unavailable=False)
    state = client._connection  # discord.py builds its cache from such a payload
    found: discord.Guild = state._add_guild_from_data(guild)  # type: ignore[arg-type]
    log.info("discord: guild %s loaded from REST before resuming (%d channels, %d members)",
             guild_id, len(channels), len(members))
    return found


async def catch_up(bot: CocBot, state: GatewayState) -> int:
    """Scan what was posted in each channel of every server on the client's shard after
    the last message seen there; returns how many messages were handed to automod (a
    repeat is harmless: claims dedupe it)."""
    watch = bot.get_cog("Watch")
    if watch is None:
        return 0
    handled = 0
    for guild_id in bot.shard_guilds():
        guild = bot.get_guild(guild_id)
        if guild is None:
            log.warning("discord: server %s is not available; what was posted there during "
                        "the fail-over could not be read back", guild_id)
            continue
        for channel in guild.text_channels:
            handled += await _read_back(guild, channel, watch, state)
    log.info("discord: %d messages posted during the fail-over gap scanned", handled)
    return handled


async def _read_back(guild: discord.Guild, channel: discord.TextChannel, watch: Any,
                     state: GatewayState) -> int:
    """Hand ``channel``'s messages after its mark to automod; a channel never seen has
    no gap we know of."""
    mark = await state.last_seen(guild.id, channel.id)
    if mark is None:
        return 0
    handled = 0
    try:
        async for message in channel.history(limit=CATCH_UP_LIMIT, oldest_first=True,
                                             after=discord.Object(mark)):
            member = guild.get_member(message.author.id)
            if member is not None:
                message.author = member  # roles matter to the rules
            await watch.on_message(message)
            handled += 1
    except discord.HTTPException as exc:
        log.warning("discord: could not read back channel %s after fail-over: %s",
                    channel.id, exc)
    return handled


def resume_arguments(session_id: str, sequence: int, resume_url: str) -> dict[str, Any]:
    """What ``DiscordWebSocket.from_client`` needs to RESUME a session."""
    return {"initial": False, "gateway": yarl.URL(resume_url), "session": session_id,
            "sequence": sequence, "resume": True}
