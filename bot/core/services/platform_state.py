"""Small values a front-end keeps about its platform between runs (``platform_state``).

The Discord front-end keeps the hash of the command tree it last synced, so that a
restart with unchanged commands makes no sync call (Discord rate-limits command
registration, and its own examples say to sync only when the commands changed).
"""

from __future__ import annotations

from bot.core.models import PlatformState
from bot.core.services._context import Context


class PlatformStateService:
    """Read and write one value by key; see the module docstring for what belongs here."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def get(self, key: str) -> str | None:
        async with self._ctx.storage.transaction() as tx:
            found = await tx.get(PlatformState, key)
        return found.value if found is not None else None

    async def put(self, key: str, value: str) -> None:
        async with self._ctx.storage.transaction() as tx:
            await tx.upsert(PlatformState(key, value, self._ctx.now()))
