"""Keeping under a Slack method's rate tier instead of running into 429s.

Slack's Web API limits each method per workspace by tier (``chat.delete`` is Tier 3: about
50 calls a minute, with short bursts tolerated). A raid can ask for hundreds of deletions
at once; firing them all would earn a wall of 429s and ``Retry-After`` waits for every
other call of the app. A :class:`Pacer` lets at most ``limit`` calls start in any window of
``per`` seconds and makes the rest wait their turn, in order.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

TIER_3 = (50, 60.0)  # calls, seconds


class Pacer:
    def __init__(self, limit: int, per: float, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if limit < 1 or per <= 0:
            raise ValueError("a pacer needs a limit of at least 1 call in a positive window")
        self._limit = limit
        self._per = per
        self._monotonic = monotonic
        self._sleep = sleep
        self._started: deque[float] = deque()
        self._turn = asyncio.Lock()

    async def wait(self) -> None:
        """Return when one more call may start within the tier."""
        async with self._turn:  # in order: a later caller never overtakes
            while True:
                now = self._monotonic()
                while self._started and self._started[0] <= now - self._per:
                    self._started.popleft()
                if len(self._started) < self._limit:
                    self._started.append(now)
                    return
                await self._sleep(self._started[0] + self._per - now)
