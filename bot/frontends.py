"""The front-ends this bot can run, and the small context each one is given.

A platform is one adapter folder (``bot/<name>_io/``: the ``Platform`` port and its
runner), its handlers (Discord's in ``cogs/``, Slack's in ``cogs/slack/``), and
one entry in :data:`FRONT_ENDS`: which environment variables start it, which config table
it needs, which space it serves, and where its runner is. ``bot/app.py`` and ``bot/cli.py``
read only this registry, so neither names a platform.

A front-end gets a :class:`FrontEndContext`, not the whole application: the settings, the
services, the platform registry and the clock. The composition root's ``App`` satisfies it;
front-ends never import ``bot.app``, so there is no import cycle between them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.clock import Clock
from bot.core.errors import ConfigError
from bot.core.identity import PlaceRef, PlatformName
from bot.core.platforms import PlatformRegistry
from bot.core.services import Services
from bot.core.services.outbox_worker import Pace
from config.settings import Secrets, Settings


class FrontEndContext(Protocol):
    """What every front-end may use."""

    @property
    def settings(self) -> Settings: ...

    @property
    def services(self) -> Services: ...

    @property
    def platforms(self) -> PlatformRegistry: ...

    @property
    def clock(self) -> Clock: ...

    def spaces(self) -> dict[PlatformName, str]:
        """The space each configured platform serves (where a bare typed id belongs)."""


Runner = Callable[[FrontEndContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Tool:
    """A command a front-end adds to ``coc-bot`` (Slack's ``slack-manifest``).

    ``module`` holds ``add_arguments(parser)`` and ``run(args, settings) -> int``, where
    ``settings`` is a callable giving the loaded configuration, or None when there is no
    config file; it is imported only when ``coc-bot`` is run.
    """

    name: str
    help: str
    module: str

    def load(self) -> Any:
        return importlib.import_module(self.module)


@dataclass(frozen=True, slots=True)
class FrontEnd:
    """One platform the bot can serve."""

    platform: PlatformName
    label: str
    starts_with: str  # the environment variable whose presence starts it
    needs: str  # everything it needs, said for a person
    table: str  # its config table
    complete: Callable[[Secrets], bool]  # enough secrets to run
    space_of: Callable[[Any], str]  # its config table -> the space it serves
    runner_path: str  # "module:function", imported only when it starts
    tools: tuple[Tool, ...] = ()  # commands it adds to coc-bot
    # its config table -> the public channel for the committee's statements, if set
    announcements_of: Callable[[Any], str | None] = lambda table: None
    # "module:function" giving check-config's extra lines (Settings -> list of lines)
    check_lines_path: str | None = None

    def wanted(self, secrets: Secrets) -> bool:
        return bool(getattr(secrets, self.starts_with.lower()))

    def config(self, settings: Settings) -> Any:
        return getattr(settings, self.table)

    def runner(self) -> Runner:
        module, _, name = self.runner_path.partition(":")
        found: Runner = getattr(importlib.import_module(module), name)
        return found

    def check_lines(self, settings: Settings) -> list[str]:
        """What ``coc-bot check-config`` adds for this platform (imported only then)."""
        if self.check_lines_path is None or self.config(settings) is None:
            return []
        module, _, name = self.check_lines_path.partition(":")
        found: list[str] = getattr(importlib.import_module(module), name)(settings)
        return found

    def require_config(self, settings: Settings) -> None:
        if self.config(settings) is None:
            raise ConfigError(f"{self.starts_with} is set but the config file has no "
                              f"[{self.table}] table. Add it (see config/example.toml) or "
                              f"unset {self.starts_with}.")


FRONT_ENDS: tuple[FrontEnd, ...] = (
    FrontEnd(
        platform=PlatformName.DISCORD, label="Discord", starts_with="DISCORD_TOKEN",
        needs="DISCORD_TOKEN", table="discord",
        complete=lambda s: bool(s.discord_token),
        space_of=lambda table: str(table.guild_id),
        runner_path="bot.discord_io.runner:run_discord",
        check_lines_path="bot.discord_io.native_automod:check_lines",
        announcements_of=lambda table: str(table.announcements_channel_id)
        if table.announcements_channel_id else None),
    FrontEnd(
        platform=PlatformName.SLACK, label="Slack", starts_with="SLACK_BOT_TOKEN",
        needs="SLACK_BOT_TOKEN with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET",
        table="slack",
        complete=lambda s: bool(s.slack_bot_token
                                and (s.slack_app_token or s.slack_signing_secret)),
        space_of=lambda table: str(table.team_id),
        runner_path="bot.slack_io.runner:run_slack",
        check_lines_path="bot.slack_io.setup_check:check_lines",
        announcements_of=lambda table: table.announcements_channel or None,
        tools=(Tool("slack-manifest", "print the Slack app manifest (YAML) to create the "
                                      "app from", "bot.slack_io.manifest"),)),
)


def tools() -> list[Tool]:
    """Every command the front-ends add to ``coc-bot``."""
    return [tool for front in FRONT_ENDS for tool in front.tools]


def wanted(settings: Settings) -> list[FrontEnd]:
    """The front-ends whose token is set: these start (or refuse, when half-configured)."""
    return [front for front in FRONT_ENDS if front.wanted(settings.secrets)]


def spaces(settings: Settings) -> dict[PlatformName, str]:
    return {front.platform: front.space_of(front.config(settings)) for front in FRONT_ENDS
            if front.config(settings) is not None}


def paces(settings: Settings) -> dict[PlatformName, Pace]:
    """How fast the outbox may send on each configured platform (``dms_per_second`` and
    ``posts_per_second`` in its table)."""
    found = {}
    for front in FRONT_ENDS:
        table = front.config(settings)
        if table is not None:
            found[front.platform] = Pace(dms_per_second=table.dms_per_second,
                                         posts_per_second=table.posts_per_second)
    return found


def announcements(settings: Settings) -> dict[PlatformName, PlaceRef]:
    """The configured announcements channel of each platform, for public statements."""
    found = {}
    for front in FRONT_ENDS:
        table = front.config(settings)
        channel = front.announcements_of(table) if table is not None else None
        if channel:
            found[front.platform] = PlaceRef(front.platform, front.space_of(table), channel)
    return found


def missing_setup(settings: Settings) -> list[str]:
    """What to set for at least one front-end to start; empty when one can."""
    if any(front.complete(settings.secrets) for front in FRONT_ENDS):
        return []
    return [f"{front.needs} (for {front.label})" for front in FRONT_ENDS]
