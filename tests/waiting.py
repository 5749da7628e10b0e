"""Waiting for what the code under test does, on a machine of any speed.

CI runs the suite on a shared machine that may be several times slower than a laptop for
minutes at a time. A test therefore never bounds how long the bot takes to do something
(it asserts what happens, not how fast): it waits for a signal (an event, a recorded call,
a row) with ``DEADLINE`` as the only bound, which only a hang or a real failure reaches.
A condition already met returns at once, so the bound costs nothing when the test passes.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEADLINE = 60.0
"""Seconds a test waits for a step that takes milliseconds on an idle machine."""


async def eventually(check: Callable[[], T | Awaitable[T]], what: str,
                     within: float = DEADLINE, every: float = 0.01) -> T:
    """Poll ``check`` (plain or async) until it returns something true, and return that;
    fail with ``what`` after ``within`` seconds. For state the code keeps without telling
    anyone (a row, a list in memory); prefer an event or a condition when there is one."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        if loop.time() > deadline:
            raise AssertionError(f"gave up after {within:g} s waiting for {what}")
        await asyncio.sleep(every)
