"""A request a fake platform keeps unanswered until the test lets it go."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass
class Hold:
    """``arrived`` is set when a matching request comes in; it is answered (as usual)
    once ``released`` is set."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
