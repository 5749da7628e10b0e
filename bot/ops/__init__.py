"""What operators see of a running bot: health, readiness, metrics, and systemd.

``operations(health)`` wraps a run: it serves the endpoints when ``[ops] health_port``
is set, tells systemd the bot is ready (and feeds its watchdog) when run under it, and
says it is stopping on the way out. See README "Health and metrics".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from bot.ops.health import Check, Health
from bot.ops.metrics import Metrics
from bot.ops.server import OpsServer, serve
from bot.ops.systemd import Systemd


@contextlib.asynccontextmanager
async def operations(health: Health, systemd: Systemd | None = None
                     ) -> AsyncIterator[OpsServer | None]:
    """Serve the endpoints and talk to systemd for the duration of the block."""
    systemd = systemd or Systemd.from_environment()
    server = await serve(health) if health.settings.serves else None
    watchdog = asyncio.create_task(systemd.feed_watchdog(), name="systemd-watchdog")
    systemd.notify("READY=1")
    try:
        yield server
    finally:
        systemd.notify("STOPPING=1")
        watchdog.cancel()
        await asyncio.gather(watchdog, return_exceptions=True)
        if server is not None:
            await server.close()


__all__ = ["Check", "Health", "Metrics", "OpsServer", "Systemd", "operations"]
