"""The operators' HTTP endpoints: ``/healthz``, ``/readyz`` and ``/metrics``.

Served by aiohttp (already the bot's HTTP stack: discord.py and Slack's HTTP mode use
it) on ``[ops] health_host:health_port``, a port of its own: the endpoints must answer
whichever front-ends run, and a load balancer in front of Slack's events must not expose
them. Every answer is computed when asked, from the running app; nothing is cached.
"""

from __future__ import annotations

import errno
import logging
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.core.errors import ConfigError
from bot.ops.health import Health

log = logging.getLogger(__name__)


@dataclass
class OpsServer:
    runner: web.AppRunner
    host: str
    port: int

    async def close(self) -> None:
        await self.runner.cleanup()


def routes(health: Health) -> web.Application:
    async def alive(request: web.Request) -> web.Response:
        # Answering at all is the proof: this runs on the bot's one event loop.
        return web.json_response({"status": "alive"})

    async def ready(request: web.Request) -> web.Response:
        checks = await health.readiness()
        failed = [check.name for check in checks if not check.ok]
        body = {"status": "not ready" if failed else "ready", "failed": failed,
                "checks": [check.as_json() for check in checks]}
        return web.json_response(body, status=503 if failed else 200)

    async def metrics(request: web.Request) -> web.Response:
        await health.metrics.refresh(health.storage, health.clock.now(),
                                     await health.connected())
        return web.Response(body=health.metrics.render(),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", alive)
    app.router.add_get("/readyz", ready)
    app.router.add_get("/metrics", metrics)
    return app


async def serve(health: Health) -> OpsServer:
    """Listen on the configured address; a port already taken is refused in words."""
    host, port = health.settings.health_host, health.settings.health_port
    assert port is not None
    runner = web.AppRunner(routes(health), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        why = "the port is already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise ConfigError(f"Cannot serve health and metrics on {host}:{port} ([ops] "
                          f"health_port / health_host): {why}.") from exc
    bound = runner.addresses[0][1] if runner.addresses else port
    log.info("health and metrics on http://%s:%s (/healthz, /readyz, /metrics)", host, bound)
    return OpsServer(runner, host, bound)
