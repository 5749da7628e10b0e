"""Raid mode on Discord: bulk delete, slow mode and channel lock with an exact undo.

Discord's bulk delete takes 2 to 100 distinct messages of one channel a call, and only
messages under 14 days old (their id says when they were written); it refuses the whole
call otherwise. So messages are split by age: fresh ones in calls of up to 100 (a lone
one is deleted by itself), older ones one by one. discord.py waits out 429s per bucket.

Slow mode sets the channel's ``rate_limit_per_user``; a lock denies @everyone sending in
the channel (staff keep their own overwrites and Administrator). The undo token records
exactly what was there before, so the timed undo puts it back, even after a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import discord

from bot.core.errors import PlatformError
from bot.core.identity import MessageRef, PlaceRef
from bot.core.rules.raid import Restraint
from bot.discord_io.errors import discord_call

log = logging.getLogger(__name__)

BULK_LIMIT = 100
BULK_MAX_AGE = timedelta(days=14) - timedelta(minutes=5)  # a margin for clock skew
ROLE_OVERWRITE: Literal[0] = 0
LOCKED = discord.Permissions(send_messages=True, send_messages_in_threads=True,
                             create_public_threads=True, create_private_threads=True,
                             add_reactions=True)


def split_by_age(messages: Sequence[MessageRef],
                 now: datetime) -> tuple[list[list[MessageRef]], list[MessageRef]]:
    """Calls of 2-100 fresh messages each, and the messages to delete one by one (too old
    for the bulk endpoint, or alone in their call)."""
    unique = list(dict.fromkeys(messages))
    cutoff = now - BULK_MAX_AGE
    fresh = [m for m in unique if discord.utils.snowflake_time(int(m.id)) > cutoff]
    kept = set(fresh)
    single = [m for m in unique if m not in kept]
    calls = [fresh[i:i + BULK_LIMIT] for i in range(0, len(fresh), BULK_LIMIT)]
    single += [call[0] for call in calls if len(call) == 1]
    return [call for call in calls if len(call) > 1], single


async def delete_many(client: discord.Client, place: PlaceRef,
                      messages: Sequence[MessageRef], now: datetime) -> set[MessageRef]:
    calls, single = split_by_age(messages, now)
    http = client.http
    channel = int(place.id)

    async def bulk(call: list[MessageRef]) -> set[MessageRef]:
        async with discord_call("delete messages in bulk", missing_ok=True):
            await http.delete_messages(channel, [int(m.id) for m in call],
                                       reason="coc-bot raid mode")
        return set(call)

    async def one(message: MessageRef) -> set[MessageRef]:
        async with discord_call("delete the message", missing_ok=True):
            await http.delete_message(channel, int(message.id), reason="coc-bot raid mode")
        return {message}

    results = await asyncio.gather(*(bulk(c) for c in calls), *(one(m) for m in single),
                                   return_exceptions=True)
    gone: set[MessageRef] = set()
    for result in results:
        if isinstance(result, PlatformError):
            log.warning("raid: a delete in %s failed: %s", place.key, result)
        elif isinstance(result, BaseException):
            raise result
        else:
            gone |= result
    return gone


async def restrain(client: discord.Client, guild_id: int, place: PlaceRef,
                   restraint: Restraint, slow_seconds: int) -> str:
    http = client.http
    channel = int(place.id)
    reason = "coc-bot raid mode"
    async with discord_call("slow down or lock the channel"):
        found: dict[str, Any] = dict(await http.get_channel(channel))
        if restraint is Restraint.SLOW_MODE:
            before = int(found.get("rate_limit_per_user") or 0)
            await http.edit_channel(channel, reason=reason,
                                    rate_limit_per_user=max(before, slow_seconds))
            return f"slow:{before}"
        everyone = next((o for o in found.get("permission_overwrites", [])
                         if int(o["id"]) == guild_id), None)
        allow = int(everyone["allow"]) if everyone else 0
        deny = int(everyone["deny"]) if everyone else 0
        await http.edit_channel_permissions(
            channel, guild_id, str(allow & ~LOCKED.value), str(deny | LOCKED.value),
            ROLE_OVERWRITE, reason=reason)
    return f"lock:{allow}:{deny}" if everyone else "lock:-"


async def release(client: discord.Client, guild_id: int, place: PlaceRef, undo: str) -> None:
    http = client.http
    channel = int(place.id)
    reason = "coc-bot raid mode ended"
    kind, _, rest = undo.partition(":")
    async with discord_call("undo the channel's slow mode or lock", missing_ok=True):
        if kind == "slow":
            await http.edit_channel(channel, reason=reason, rate_limit_per_user=int(rest))
        elif rest == "-":
            await http.delete_channel_permissions(channel, guild_id, reason=reason)
        else:
            allow, deny = rest.split(":")
            await http.edit_channel_permissions(channel, guild_id, allow, deny,
                                                ROLE_OVERWRITE, reason=reason)
