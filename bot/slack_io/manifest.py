"""The Slack app manifest, generated: ``coc-bot slack-manifest [--url …] [--prefix …]``.

One catalogue of what the bot asks of Slack: every slash command (with the configured
prefix, so ``/report`` becomes ``/coc-report`` where another app already owns
``/report``), the shortcuts, the scopes and why each is needed, the bot events, App Home
and interactivity. Without ``--url`` the app uses Socket Mode; with it, every request URL
(commands, events, interactivity) points at ``<url>/slack/events`` for HTTP mode, so
nothing has to be pasted by hand. ``slack-manifest.yml`` in the repository is this
module's output with the defaults (a test keeps them equal).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.core.errors import ConfigError
from config.settings import Settings, check_prefix

EVENTS_PATH = "/slack/events"


@dataclass(frozen=True, slots=True)
class Commented:
    """A value written with a ``# why`` comment after it."""

    value: str
    comment: str


SLASH_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("/report", "Report a person or a message to staff, privately",
     "[anonymous] [@person] [message link] [what happened] (empty: a form)"),
    ("/code", "Read the Code of Conduct; staff publish and track acceptance",
     "[publish <summary> | status]"),
    ("/appeal", "Appeal a committee decision within 60 days",
     "<C-…> <reason> | decide <A-…> <upheld|modified|overturned> <reason>"),
    ("/remove", "Staff: remove a message and explain the Code to its author",
     "<message link> [clause id] [note]"),
    ("/suspend", "Staff: suspend a member from a channel or every managed channel",
     "(empty: a form) | @person <30m|12h|7d|2w|permanent> <channel|workspace> <reason> "
     "[clause=<id>] [review=1y] [confirm]"),
    ("/unsuspend", "Staff: lift a member's suspensions now", "@person [reason]"),
    ("/history", "Staff: a member's incidents, suspensions and cases (all linked accounts)",
     "@person"),
    ("/case", "Staff and committee: cases; committee: talk with a case's subject",
     "(empty: a form) | open @person [severe] <summary> | show <C-…> | communicated <C-…> "
     "| close <C-…> <reason> | contact <C-…> | reply <C-…> <text> | end-contact <C-…>"),
    ("/roster", "Staff: seat a committee member, counsel or executive; show the roster",
     "appoint (alone: a form) | appoint @person <committee|counsel|executive> [seat] "
     "[YYYY-MM-DD] | show"),
    ("/incident", "Staff: reverse an incident (e.g. automod's) that was a mistake",
     "reverse <I-…> <reason>"),
    ("/link", "Staff: link accounts of one person (Discord, another Slack workspace)",
     "@person <discord user id | discord:<server>:<user> | slack:<team>:<user> | @other>"),
    ("/recuse", "Committee: declare a conflict of interest in a case",
     "<C-…> <the nature of the conflict>"),
    ("/motion", "Committee: put a motion to the vote",
     "(empty: a form) | <C-…> [suspend=30d|permanent] [review=1y] [clause=<id>] <text> "
     "[statement: <public text>]"),
    ("/overrule", "Legal counsel: overrule the committee's carried motion", "<C-…> <reason>"),
    ("/decide", "Communicate a case's decision to the person; starts the appeal window",
     "<C-…> [without_statement: <reason, before the subject's statement deadline>]"),
)
SHORTCUTS = (("Report message", "report_message", "Report this message to staff, privately"),
             ("Remove message", "remove_message",
              "Staff: remove this message and explain the Code to its author"))
BOT_SCOPES = (
    Commented("commands", "slash commands and shortcuts"),
    Commented("chat:write", "queue, committee, executive posts; DMs; tally updates"),
    Commented("im:write", "conversations.open for DMs"),
    Commented("files:write", "/case file: the case file sent to the requester's DM"),
    Commented("im:history", "a case's subject writing to the bot (message.im), relayed; "
              "a retried DM looks for its copy"),
    Commented("channels:history", "read a reported or removed message; automod"),
    Commented("groups:history", "the same in private channels; a retried staff post "
              "looks for its copy"),
    Commented("channels:read", "member_joined_channel; conversations.info/members (links)"),
    Commented("groups:read", "the same in private channels"),
    Commented("channels:manage", "conversations.kick / conversations.invite (public)"),
    Commented("groups:write", "conversations.kick / conversations.invite (private); "
              "conversations.create (a case's private conversation)"),
    Commented("reactions:read", "reaction_added / reaction_removed on motions"),
    Commented("reactions:write", "the voting reactions"),
    Commented("users:read", "users.list (Code prompts); user_change; users.info (guests)"),
    Commented("usergroups:read", "staff/committee given as user groups (S…)"),
)
USER_SCOPES = (Commented("chat:write", "SLACK_ADMIN_TOKEN: delete other people's messages"),)
BOT_EVENTS = (
    Commented("app_home_opened", "the App Home tab, drawn when a person opens it"),
    Commented("reaction_added", "votes on motions"),
    Commented("reaction_removed", "votes withdrawn"),
    Commented("member_joined_channel", "a suspended person rejoining is removed again"),
    Commented("message.channels", "automod: messages and edits in public channels"),
    Commented("message.groups", "automod: the same in private channels the bot is in"),
    Commented("message.im", "a case's subject writing to the bot, relayed to the committee"),
    Commented("user_change", "automod: display or real names that impersonate someone"),
)


def prefixed(command: str, prefix: str) -> str:
    """``/report`` with prefix ``coc-`` is ``/coc-report``."""
    return f"/{prefix}{command.removeprefix('/')}" if prefix else command


def manifest(*, prefix: str = "", url: str | None = None) -> dict[str, Any]:
    """The manifest as data: Socket Mode without ``url``, HTTP mode with it."""
    check_prefix(prefix)
    endpoint = _endpoint(url) if url else None
    commands = []
    for name, description, hint in SLASH_COMMANDS:
        command: dict[str, Any] = {"command": prefixed(name, prefix),
                                   "description": description, "usage_hint": hint}
        if endpoint:
            command["url"] = endpoint
        command["should_escape"] = True
        commands.append(command)
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    if endpoint:
        interactivity["request_url"] = endpoint
        events = {"request_url": endpoint, **events}
    return {
        "display_information": {
            "name": "coc-bot",
            "description": "Puts the Online Code of Conduct and its Review Protocols into "
                           "practice.",
            "background_color": "#2c2d30"},
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": "coc-bot", "always_online": True},
            "shortcuts": [{"name": name, "type": "message", "callback_id": callback,
                           "description": text} for name, callback, text in SHORTCUTS],
            "slash_commands": commands},
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES), "user": list(USER_SCOPES)}},
        "settings": {"event_subscriptions": events, "interactivity": interactivity,
                     "org_deploy_enabled": False, "socket_mode_enabled": endpoint is None,
                     "token_rotation_enabled": False}}


def _endpoint(url: str) -> str:
    base = url.strip().rstrip("/")
    if not re.match(r"^https://[^\s/]+(/\S*)?$", base):
        raise ConfigError(f"--url must be the bot's public https address (Slack posts only "
                          f"to HTTPS), such as https://coc.example.org, got {url!r}.")
    return base if base.endswith(EVENTS_PATH) else base + EVENTS_PATH


HEADER = """\
# Slack app manifest for coc-bot, made by `coc-bot slack-manifest{args}`.
# Create the app at https://api.slack.com/apps › "Create New App" › "From an app
# manifest", pick the workspace, paste this file. See README "## Slack".
# Several workspaces ([[slack.workspaces]]): create this one app once and install it in
# each workspace (one signing secret, one app-level token); each installation's bot token
# goes in the variable its [[slack.workspaces]] entry names. See README "Several Slack
# workspaces".
"""


def to_yaml(data: dict[str, Any], args: str = "") -> str:
    """The manifest as YAML, with the reason for each scope and event beside it."""
    return HEADER.format(args=f" {args}" if args else "") + "".join(_yaml(data, 0))


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False,
                      default=lambda c: c.value if isinstance(c, Commented) else str(c))


def _yaml(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                lines.append(f"{pad}{key}:\n")
                lines += _yaml(item, indent + 1)
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}\n")
        return lines
    for item in value:
        if isinstance(item, dict):
            first, *rest = _yaml(item, indent + 1)
            lines.append(f"{pad}- {first.lstrip()}")
            lines += rest
        else:
            lines.append(f"{pad}- {_scalar(item)}\n")
    return lines


_PLAIN = re.compile(r"^[A-Za-z/][A-Za-z0-9 _./:-]*$")


def _scalar(value: Any) -> str:
    if isinstance(value, Commented):
        return f"{_scalar(value.value)}  # {value.comment}"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if _PLAIN.match(text) and ": " not in text and text.lower() not in ("true", "false"):
        return text
    return json.dumps(text, ensure_ascii=False)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``coc-bot slack-manifest``'s options."""
    parser.description = ("Print the Slack app manifest: every slash command (with the "
                          "command prefix), the shortcuts, scopes, events, App Home and "
                          "interactivity. Without --url the app uses Socket Mode; with it, "
                          "every request URL points at <url>/slack/events (HTTP mode).")
    parser.add_argument("--url", help="the bot's public https address, for HTTP mode")
    parser.add_argument("--prefix", help="put before every slash command, e.g. coc- "
                                         "(default: [slack] command_prefix, else none)")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")


def run(args: argparse.Namespace, settings: Callable[[], Settings | None]) -> int:
    """Print the manifest; the prefix is ``--prefix``, else the config's, else none."""
    prefix = args.prefix
    if prefix is None:
        loaded = settings()
        prefix = loaded.slack.command_prefix if loaded and loaded.slack else ""
    data = manifest(prefix=prefix, url=args.url)
    options = " ".join(f"--{name} {value}" for name, value in
                       (("url", args.url), ("prefix", prefix)) if value)
    sys.stdout.write(to_json(data) if args.format == "json" else to_yaml(data, options))
    return 0
