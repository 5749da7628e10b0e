"""Building the Bolt ``AsyncApp``: a Web API client per workspace, the platform, listeners.

One app serves every configured workspace (``[slack]`` and its ``[[slack.workspaces]]``):
Bolt's ``authorize`` gives each request its own workspace's bot token (``teams.py``), and
the listeners get that workspace's dependencies through a context middleware
(``context["coc"]``), so a listener never looks anything up globally and tests can build
as many apps as they like. Before authorization, a request from a workspace that is not
configured is acked and dropped (``teams.TeamGuard``); a middleware then drops a request
already acted on (a replay or a retry, see ``replay.py``). Every Web API client retries a
rate-limited call after Slack's ``Retry-After`` and a call whose connection dropped.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from re import Pattern
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import ConfigError
from bot.core.identity import PlatformName
from bot.core.telemetry import Telemetry
from bot.slack_io.context import DEPS_KEY, RoleResolver, SlackDeps, exempt_groups
from bot.slack_io.manifest import EVENTS_PATH as EVENTS_PATH  # re-exported
from bot.slack_io.manifest import prefixed
from bot.slack_io.platform import SlackWorkspace
from bot.slack_io.replay import once_per_request
from bot.slack_io.teams import TeamGuard, WorkspaceTokens
from bot.slack_io.workspaces import SlackPlatform
from cogs.slack import register_all
from config.settings import Secrets, SlackSettings

if TYPE_CHECKING:
    from bot.frontends import FrontEndContext

log = logging.getLogger(__name__)
DEFAULT_API_BASE = "https://slack.com/api/"
RATE_LIMIT_RETRIES = 2    # each waits Slack's Retry-After (plus up to a second of jitter)
CONNECTION_RETRIES = 2
Middleware = Callable[..., Awaitable[Any]]
HANDLING_GRACE = 10.0
"""How long a stop waits for listeners already running (automod on a message, a modal
being recorded) before the database closes under them."""


@dataclass
class SlackFrontEnd:
    bolt: PrefixedApp
    platform: SlackPlatform
    deps: SlackDeps  # the first workspace's
    by_team: dict[str, SlackDeps] = field(default_factory=dict)  # every workspace's


def api_base(configured: str | None) -> str:
    """``SLACK_API_BASE`` (a proxy) or Slack's; slack_sdk needs the trailing slash."""
    base = configured or DEFAULT_API_BASE
    return base if base.endswith("/") else base + "/"


def retry_handlers() -> list[AsyncRetryHandler]:
    """HTTP 429 is retried after ``Retry-After``; a reset or refused connection shortly."""
    return [AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES)]


def web_client(token: str | None, base_url: str) -> AsyncWebClient:
    """Every Web API client the bot builds (bot token, admin token) goes through here."""
    return AsyncWebClient(token=token, base_url=base_url, retry_handlers=retry_handlers())


def request_kind(body: dict[str, Any]) -> str:
    """A request's kind for metrics: ``command``, the event type, or the payload type
    (never the command's text or anything a person wrote)."""
    if "command" in body:
        return "command"
    event = body.get("event")
    if body.get("type") == "event_callback" and isinstance(event, dict):
        return str(event.get("type") or "event")
    return str(body.get("type") or "request")


def timed_requests(telemetry: Telemetry) -> Middleware:
    """A Bolt middleware counting every request and timing it until Slack is answered
    (listeners ack first, so this is the time Slack waits, which must stay under 3 s)."""

    async def observe(body: dict[str, Any], next: Callable[[], Awaitable[Any]]) -> Any:
        kind, started = request_kind(body), time.monotonic()
        telemetry.event_handled(PlatformName.SLACK, kind)
        try:
            return await next()
        finally:
            telemetry.request_handled(PlatformName.SLACK, kind, time.monotonic() - started)

    return observe


class _SaidElsewhere(logging.Filter):
    """Drops two of Bolt's lines that would mislead or flood the journal.

    - "As you gave `client` as well, `token` will be unused": Bolt reads
      ``SLACK_BOT_TOKEN`` from the environment even when handed a client, then warns that
      it is unused. Each workspace's token reaches Bolt through ``authorize`` (built in
      :func:`web_client` for its base URL and retry handlers), so on every healthy start
      the warning would read like an error about nothing.
    - "Although the app should be installed into this workspace, the AuthorizeResult …",
      an error per request when a workspace's token is refused: ``teams.WorkspaceTokens``
      says why, naming the workspace, once every few minutes instead.
    """

    NO_TOKEN = "Although the app should be installed into this workspace"

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return message != warning_client_prioritized_and_token_skipped() \
            and not message.startswith(self.NO_TOKEN)


BOLT_LOGGER = logging.getLogger("bot.slack_io.bolt")
BOLT_LOGGER.addFilter(_SaidElsewhere())


class PrefixedApp(AsyncApp):
    """Bolt's app with every slash command registered under the configured prefix
    (``[slack] command_prefix``), so listeners name commands as the README does."""

    command_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._handling: set[asyncio.Task[Any]] = set()
        super().__init__(*args, **kwargs)

    def _register_listener(  # Bolt's own registration hook
            self, functions: Sequence[Callable[..., Awaitable[BoltResponse | None]]],
            *args: Any, **kwargs: Any) -> Callable[..., Awaitable[BoltResponse | None]] | None:
        """Every listener runs tracked: Bolt starts it as a loose future after the ack
        (``process_before_response=False``), which nothing else would wait for."""
        originals = list(functions)
        super()._register_listener([self._tracked(f) for f in originals], *args, **kwargs)
        return originals[0] if len(originals) == 1 else None

    def _tracked(self, listener: Callable[..., Awaitable[BoltResponse | None]]
                 ) -> Callable[..., Awaitable[BoltResponse | None]]:
        @functools.wraps(listener)  # Bolt reads the wrapped function's argument names
        async def tracked(*args: Any, **kwargs: Any) -> BoltResponse | None:
            task = asyncio.current_task()
            if task is not None:
                self._handling.add(task)
            try:
                return await listener(*args, **kwargs)
            finally:
                if task is not None:
                    self._handling.discard(task)
        return tracked

    async def finish_handling(self, grace: float = HANDLING_GRACE) -> None:
        """Let the listeners already running finish (at most ``grace`` seconds) before
        the database closes: a message half-handled at a stop would be lost."""
        running = self._handling - {asyncio.current_task()}
        if running:
            await asyncio.wait(running, timeout=grace)

    def command(self, command: str | Pattern[str], *args: Any,
                **kwargs: Any) -> Callable[..., Any]:
        if isinstance(command, str):
            command = prefixed(command, self.command_prefix)
        return super().command(command, *args, **kwargs)


def workspace_tokens(slack: SlackSettings, secrets: Secrets) -> dict[str, tuple[str, str | None]]:
    """(bot token, admin token or None) per team id, from the environment only: the
    ``[slack]`` table's in ``SLACK_BOT_TOKEN``/``SLACK_ADMIN_TOKEN``, each further
    workspace's in the variables its entry names. A missing bot token is refused, naming
    the variable, rather than serving a workspace the bot cannot answer."""
    found: dict[str, tuple[str, str | None]] = {}
    for space in slack.all_workspaces:
        if space.bot_token_env is None:
            token, admin = secrets.slack_bot_token, secrets.slack_admin_token
            needs = "SLACK_BOT_TOKEN"
        else:
            token = secrets.named_value(space.bot_token_env)
            admin = secrets.named_value(space.admin_token_env)
            needs = space.bot_token_env
        if not token:
            raise ConfigError(f"Slack workspace {space.team_id} needs its bot token: set "
                              f"{needs} (OAuth & Permissions › Bot User OAuth Token of the "
                              "app installed in that workspace).")
        found[space.team_id] = (token, admin)
    return found


def build_platform(slack: SlackSettings, secrets: Secrets) -> SlackPlatform:
    """A :class:`SlackWorkspace` per configured workspace, each with its own clients."""
    base = api_base(secrets.slack_api_base)
    home = slack.home.team_id
    spaces = {team: SlackWorkspace(web_client(token, base), slack.workspace(team) or slack,
                                   web_client(admin, base) if admin else None,
                                   home=team == home)
              for team, (token, admin) in workspace_tokens(slack, secrets).items()}
    return SlackPlatform(spaces, slack.team_id, home)


def build_front_end(app: FrontEndContext, *,
                    process_before_response: bool = False) -> SlackFrontEnd:
    """The Bolt app over ``app.services``; the platform is not registered yet (the runner
    does that, so that building an app for a test or a check has no side effect)."""
    settings, secrets = app.settings.slack, app.settings.secrets
    if settings is None or not secrets.slack_bot_token:
        raise ConfigError("The Slack front-end needs SLACK_BOT_TOKEN and a [slack] table.")
    platform = build_platform(settings, secrets)
    every = {space.team: SlackDeps(app, space.settings, space,
                                   RoleResolver(space.client, space.settings),
                                   exempt_groups(app.settings.automod))
             for space in platform.workspaces}
    bolt = PrefixedApp(client=web_client(None, api_base(secrets.slack_api_base)),
                       authorize=WorkspaceTokens({t: d.platform.client
                                                  for t, d in every.items()}).authorize(),
                       before_authorize=TeamGuard(every),
                       user_facing_authorize_error_message=str(
                           app.settings.messages.render("workspace_unavailable")),
                       signing_secret=secrets.slack_signing_secret or "",
                       process_before_response=process_before_response,
                       name="coc-bot", logger=BOLT_LOGGER)
    bolt.command_prefix = settings.command_prefix

    async def inject(context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]) -> Any:
        context[DEPS_KEY] = every[str(context.team_id)]  # TeamGuard let only these in
        return await next()

    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("slack: unhandled error for a %s request", body.get("type"), exc_info=error)

    bolt.middleware(timed_requests(app.services.ctx.telemetry))
    bolt.middleware(once_per_request(app.services.requests))
    bolt.middleware(inject)
    bolt.error(on_error)
    register_all(bolt)
    return SlackFrontEnd(bolt, platform, every[settings.team_id], every)
