"""Translating discord.py exceptions into the domain's errors, with actionable messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import discord

from bot.core.errors import (
    DeliveryFailed,
    PlatformError,
    PlatformForbidden,
    PlatformUnavailable,
)

CANNOT_DM = 50007


def translate(exc: Exception, doing: str) -> PlatformError:
    if isinstance(exc, discord.Forbidden):
        if exc.code == CANNOT_DM:
            return DeliveryFailed("That person does not accept direct messages from the bot.")
        return PlatformForbidden(
            f"Discord refused to let me {doing}: the bot lacks a permission or the person is "
            "above the bot's role. Check the bot's role position and permissions.")
    if isinstance(exc, discord.NotFound):
        return PlatformError(f"Discord could not find what I needed to {doing}; it may have "
                             "been deleted.")
    if isinstance(exc, discord.RateLimited):
        return PlatformUnavailable(f"Discord asked me to slow down when I tried to {doing}.",
                                   retry_after_seconds=exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        return PlatformUnavailable(f"Discord failed when I tried to {doing} ({exc.status}); "
                                   "please try again shortly.", _retry_after(exc))
    return PlatformUnavailable(f"Discord is not reachable right now, so I could not {doing}.")


def _retry_after(exc: discord.HTTPException) -> float | None:
    """A 429 that outlasted discord.py's own retries: the wait Discord asked for."""
    if exc.status != 429:
        return None
    header = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return float(header) if header else None
    except ValueError:
        return None


@asynccontextmanager
async def discord_call(doing: str, *, missing_ok: bool = False) -> AsyncIterator[None]:
    """Run Discord calls; ``missing_ok`` treats 404 as success (already deleted/lifted)."""
    try:
        yield
    except discord.NotFound as exc:
        if not missing_ok:
            raise translate(exc, doing) from exc
    except (discord.HTTPException, discord.RateLimited, aiohttp.ClientError,
            TimeoutError) as exc:
        raise translate(exc, doing) from exc
