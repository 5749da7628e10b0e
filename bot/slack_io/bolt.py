"""Building the Bolt ``AsyncApp``: one Web API client, the platform adapter, listeners.

Dependencies reach listeners through a context middleware (``context["coc"]``), so a
listener never looks anything up globally and tests can build as many apps as they like.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import ConfigError
from bot.slack_io.context import DEPS_KEY, RoleResolver, SlackDeps, exempt_groups
from bot.slack_io.listeners import register_all
from bot.slack_io.platform import SlackPlatform

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)
DEFAULT_API_BASE = "https://slack.com/api/"
EVENTS_PATH = "/slack/events"


@dataclass
class SlackFrontEnd:
    bolt: AsyncApp
    platform: SlackPlatform
    deps: SlackDeps


def api_base(configured: str | None) -> str:
    """``SLACK_API_BASE`` (a proxy) or Slack's; slack_sdk needs the trailing slash."""
    base = configured or DEFAULT_API_BASE
    return base if base.endswith("/") else base + "/"


def build_front_end(app: App, *, process_before_response: bool = False) -> SlackFrontEnd:
    """The Bolt app over ``app.services``; the platform is not registered yet (the runner
    does that, so that building an app for a test or a check has no side effect)."""
    settings, secrets = app.settings.slack, app.settings.secrets
    if settings is None or not secrets.slack_bot_token:
        raise ConfigError("The Slack front-end needs SLACK_BOT_TOKEN and a [slack] table.")
    base = api_base(secrets.slack_api_base)
    client = AsyncWebClient(token=secrets.slack_bot_token, base_url=base)
    admin = AsyncWebClient(token=secrets.slack_admin_token, base_url=base) \
        if secrets.slack_admin_token else None
    platform = SlackPlatform(client, settings, admin)
    deps = SlackDeps(app, settings, platform, RoleResolver(client, settings),
                     exempt_groups(app.settings.automod))
    bolt = AsyncApp(client=client, signing_secret=secrets.slack_signing_secret or "",
                    process_before_response=process_before_response,
                    name="coc-bot", logger=logging.getLogger("bot.slack_io.bolt"))

    async def inject(context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]) -> Any:
        context[DEPS_KEY] = deps
        return await next()

    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("slack: unhandled error for a %s request", body.get("type"), exc_info=error)

    bolt.middleware(inject)
    bolt.error(on_error)
    register_all(bolt)
    return SlackFrontEnd(bolt, platform, deps)
