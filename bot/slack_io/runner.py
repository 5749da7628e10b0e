"""Starting the Slack front-end: Socket Mode with ``SLACK_APP_TOKEN``, else HTTP mode.

Socket Mode needs no public URL (the bot dials out to Slack); HTTP mode serves the Events
API and interactivity on ``http_host:http_port`` at ``/slack/events`` and verifies every
request's signature with ``SLACK_SIGNING_SECRET``. Slack only posts to HTTPS, so a TLS
reverse proxy sits in front; ``http_host`` defaults to loopback for that reason.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.core.errors import ConfigError
from bot.slack_io.bolt import SlackFrontEnd, build_front_end
from bot.slack_io.manifest import EVENTS_PATH
from bot.slack_io.replay import EnvelopeSocketModeHandler
from bot.slack_io.setup_check import warn_about_channels

if TYPE_CHECKING:
    from bot.frontends import FrontEndContext

log = logging.getLogger(__name__)


async def serve_http(front: SlackFrontEnd, port: int, host: str = "127.0.0.1") -> web.AppRunner:
    """Serve Bolt's aiohttp app; returns the runner so the caller can clean it up."""
    runner = web.AppRunner(front.bolt.web_app(path=EVENTS_PATH, port=port))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def _check_channels(front: SlackFrontEnd) -> None:
    """Each workspace's channels, read with that workspace's own token."""
    for space in front.platform.workspaces:
        await warn_about_channels(space.client, space.settings)


async def run_slack(app: FrontEndContext) -> None:
    """Register the Slack platform with the app and serve until cancelled."""
    secrets = app.settings.secrets
    if app.settings.slack is None:
        raise ConfigError("SLACK_BOT_TOKEN is set but the config has no [slack] table.")
    if not (secrets.slack_app_token or secrets.slack_signing_secret):
        raise ConfigError("Set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP "
                          "mode) along with SLACK_BOT_TOKEN.")
    front = build_front_end(app)
    # Ready once connected (timed actions needing Slack wait for that, see PlatformRegistry).
    app.platforms.register(front.platform, ready=False)
    name = front.platform.name
    if secrets.slack_app_token:
        handler = EnvelopeSocketModeHandler(front.bolt, secrets.slack_app_token)
        await handler.connect_async()  # type: ignore[no-untyped-call]  # Bolt lacks hints
        # The SDK reconnects a dropped socket by itself; readiness asks it whether it is up.
        app.services.ctx.telemetry.watch_connection(name, handler.client.is_connected)
        log.info("slack: connected in Socket Mode")
        app.platforms.mark_ready(name)
        await _check_channels(front)
        try:
            await asyncio.Event().wait()
        finally:
            app.platforms.mark_unready(name)
            await handler.close_async()  # type: ignore[no-untyped-call]
            await front.bolt.finish_handling()  # no new envelopes; the running ones end
    else:
        host, port = app.settings.slack.http_host, app.settings.slack.http_port
        runner = await serve_http(front, port, host)
        log.info("slack: serving the Events API on http://%s:%s%s", host, port, EVENTS_PATH)
        app.platforms.mark_ready(name)
        await _check_channels(front)
        try:
            await asyncio.Event().wait()
        finally:
            app.platforms.mark_unready(name)
            await runner.cleanup()  # no new requests; the listeners acked earlier end
            await front.bolt.finish_handling()
