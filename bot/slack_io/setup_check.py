"""At Slack start-up: do the configured channels exist, and is the bot in them?

A private channel the bot was not invited to looks, to the bot, exactly like one that does
not exist (``channel_not_found``); both are worth one clear line at start-up rather than a
queue that silently never receives a report.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.identity import PlatformName
from config.settings import Settings, SlackSettings

log = logging.getLogger(__name__)


def configured_channels(settings: SlackSettings) -> list[tuple[str, str]]:
    """(config key, channel id) for every channel the config names."""
    named: list[tuple[str, str | None]] = [
        ("staff_queue_channel", settings.staff_queue_channel),
        ("committee_channel", settings.committee_channel),
        ("executive_channel", settings.executive_channel)]
    named += [("managed_channels", channel) for channel in settings.managed_channels]
    return [(key, channel) for key, channel in named if channel is not None]


async def problems(client: AsyncWebClient, settings: SlackSettings) -> list[str]:
    """Every channel problem, each a sentence an operator can act on."""
    found = []
    table = "[slack]" if settings.bot_token_env is None else \
        f"[[slack.workspaces]] {settings.team_id}"
    for key, channel in configured_channels(settings):
        try:
            info = (await client.conversations_info(channel=channel)).get("channel") or {}
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else "error"
            found.append(f"{table} {key}: {channel} cannot be read ({error}): the id is "
                         "wrong, or it is a private channel the bot was not invited to "
                         "(/invite @coc-bot there).")
            continue
        if info.get("is_archived"):
            found.append(f"{table} {key}: {channel} is archived; the bot cannot post there.")
        elif info.get("is_member") is False:
            found.append(f"{table} {key}: the bot is not in {channel}; /invite @coc-bot "
                         "there.")
    return found


async def warn_about_channels(client: AsyncWebClient, settings: SlackSettings) -> None:
    try:
        found = await problems(client, settings)
    except Exception as exc:  # a check must never stop the bot from starting
        log.warning("set-up: could not check the Slack channels: %s", type(exc).__name__)
        return
    for problem in found:
        log.warning("set-up: %s", problem)


def check_lines(settings: Settings) -> list[str]:
    """``check-config``: each workspace beyond the first, and whether its bot token is
    set (never its value)."""
    slack = settings.slack
    if slack is None or not slack.workspaces:
        return []
    lines = []
    for space in slack.all_workspaces:
        env = space.bot_token_env or "SLACK_BOT_TOKEN"
        value = settings.secrets.slack_bot_token if space.bot_token_env is None else \
            settings.secrets.named_value(env)
        home = ", the committee's home" if space is slack.home and \
            settings.committee_home is PlatformName.SLACK else ""
        lines.append(f"  Slack workspace {space.team_id}{home}: "
                     f"{env} {'set' if value else 'NOT SET'}")
    return lines
