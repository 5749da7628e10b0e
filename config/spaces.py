"""The Discord servers and Slack workspaces one bot serves, and where the committee meets.

``[discord]`` alone is one server, as it always was; ``[[discord.servers]]`` adds further
servers served with the same bot token. ``[slack]`` alone is one workspace;
``[[slack.workspaces]]`` adds workspaces, each with its own bot token named by
``bot_token_env``. Every space has its own staff and staff queue; the committee, counsel
and Executive Committee sit in one home (``[committee] home``), so their ids are required
there only. One case log and one person history span every space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from bot.core.errors import ConfigError
from bot.core.identity import PlatformName
from config._reader import Table
from config.ops import listen_host
from config.settings import (
    MAX_SHARDS,
    DiscordSettings,
    SlackSettings,
    check_prefix,
    read_native_automod,
    shard_ids,
)

_DISCORD_HOME = ("committee_role_id", "counsel_role_id", "executive_role_id",
                 "committee_channel_id", "executive_channel_id")
_SLACK_HOME_CHANNELS = ("committee_channel", "executive_channel")
_SLACK_HOME_LISTS = ("committee", "counsel", "executive")
_SLACK_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,}")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True, slots=True)
class Home:
    """``[committee] home``: a platform, and optionally the space on it."""

    platform: PlatformName | None = None
    space: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> Home:
        if not text:
            return cls()
        name, _, space = text.partition(":")
        try:
            platform = PlatformName(name)
        except ValueError as exc:
            raise ConfigError("config key 'committee.home' must be 'discord', 'slack', "
                              "'discord:<guild id>' or 'slack:<team id>', "
                              f"got {text!r}.") from exc
        return cls(platform, space or None)

    def here(self, platform: PlatformName, space: str, first: bool) -> bool:
        """Whether the committee meets in this space. No home at all (the old one-space
        config) asks the committee's ids of the ``[discord]`` and ``[slack]`` tables."""
        if self.platform is None:
            return first
        if self.platform is not platform:
            return False
        return space == self.space if self.space is not None else first


def _public_channel(table: Table, name: str, value: object, private: tuple[object, ...]) -> None:
    """Statements are published for members to read: never into a private channel of the
    staff, the committee or the Executive Committee (a copy-paste slip would leak there)."""
    if value is not None and value in private:
        raise ConfigError(f"config key '{table.key(name)}' names one of the private channels "
                          "(staff queue, committee, executive); give the public channel "
                          "where announcements are read.")


def _rate(table: Table, name: str, default: float) -> float:
    """A send rate for the outbox: positive, or nothing would ever be sent."""
    value = table.number(name, default, minimum=0.0)
    if value <= 0:
        raise ConfigError(f"config key '{table.key(name)}' must be more than 0 (messages a "
                          "second); nothing would be sent at 0.")
    return value


def _entries(table: Table, name: str) -> list[Table]:
    raw = table.raw(name)
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ConfigError(f"config key '{table.key(name)}' must be a list of tables, written "
                          f"[[{table.key(name)}]] (see config/example.toml).")
    return [Table(item, f"{table.key(name)}[{index}]") for index, item in enumerate(raw)]


def _refuse_duplicate(seen: dict[str, str], space: str, where: str, what: str) -> None:
    if space in seen:
        raise ConfigError(f"config key '{where}': {what} {space} is already configured "
                          f"('{seen[space]}'); each space is named once.")
    seen[space] = where


def _not_home(table: Table, keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        if table.has(key):
            raise ConfigError(f"config key '{table.key(key)}': the committee meets in the home "
                              f"space ([committee] home), not in {where}; set its ids there "
                              "only.")


def _discord_server(table: Table, home: bool, top: bool) -> DiscordSettings:
    def ident(name: str, required: bool) -> int | None:
        return table.snowflake(name, required=required)
    guild_id = ident("guild_id", True)
    if not home and not top:
        _not_home(table, _DISCORD_HOME, f"server {guild_id}")
    staff_role = ident("staff_role_id", True)
    home_ids: dict[str, Any] = {key: ident(key, home) for key in _DISCORD_HOME}
    queue = ident("staff_queue_channel_id", True)
    assert guild_id is not None
    assert staff_role is not None and queue is not None
    announcements = ident("announcements_channel_id", False) if top else None
    result = DiscordSettings(
        guild_id=guild_id, staff_role_id=staff_role, staff_queue_channel_id=queue,
        suspended_role_id=ident("suspended_role_id", False),
        announcements_channel_id=announcements,
        name=table.text("name", "") if not top else "", is_home=home, **home_ids)
    _public_channel(table, "announcements_channel_id", announcements,
                    (queue, result.committee_channel_id, result.executive_channel_id))
    return result



def read_discord(table: Table, home: Home) -> DiscordSettings:
    """``[discord]`` and its ``[[discord.servers]]``; every guild id once."""
    guild = table.raw("guild_id")
    first = _discord_server(table, home.here(PlatformName.DISCORD, str(guild), True), True)
    # The outbox's pace is the bot's (one token), so it is set once, in [discord].
    first = replace(first, dms_per_second=_rate(table, "dms_per_second", 5.0),
                    posts_per_second=_rate(table, "posts_per_second", 1.0),
                    native_automod=read_native_automod(table.table("native_automod")))
    first = _shards(table, first)
    seen = {str(first.guild_id): table.key("guild_id")}
    servers = []
    for entry in _entries(table, "servers"):
        guild = entry.raw("guild_id")
        server = _discord_server(entry, home.here(PlatformName.DISCORD, str(guild), False),
                                 False)
        _refuse_duplicate(seen, str(server.guild_id), entry.key("guild_id"), "server")
        entry.finish()
        servers.append(server)
    table.finish()
    return replace(first, servers=tuple(servers))


def _shards(table: Table, first: DiscordSettings) -> DiscordSettings:
    """Gateway sharding is the bot's (one token, every server), so set once in [discord]."""
    result = replace(
        first, shard_count=table.integer("shard_count", 1, minimum=1, maximum=MAX_SHARDS),
        shard_ids=shard_ids(table), shard_leases=table.flag("shard_leases", False))
    if result.shard_ids is not None:
        outside = [s for s in result.shard_ids if s >= result.shard_count]
        if outside:
            raise ConfigError(
                f"config key '{table.key('shard_ids')}' names shard {outside[0]}, but "
                f"'{table.key('shard_count')}' is {result.shard_count}: shard ids run from 0 "
                f"to {result.shard_count - 1}. Give every process the same shard_count.")
    return result


def _slack_channel(table: Table, name: str, required: bool) -> str | None:
    return table.text(name, required=True) if required else table.opt_text(name)


def _slack_workspace(table: Table, home: bool, top: bool) -> SlackSettings:
    team = table.text("team_id", required=True)
    if not home and not top:
        _not_home(table, _SLACK_HOME_CHANNELS + _SLACK_HOME_LISTS, f"workspace {team}")
    token_env = None if top else _env_name(table, "bot_token_env", f"SLACK_BOT_TOKEN_{team}",
                                           required=True)
    admin_env = None if top else _env_name(table, "admin_token_env",
                                           f"SLACK_ADMIN_TOKEN_{team}", required=False)
    result = SlackSettings(
        team_id=team, staff=tuple(table.text_list("staff")),
        staff_queue_channel=table.text("staff_queue_channel", required=True),
        **_slack_home(table, home))
    return replace(result, managed_channels=tuple(table.text_list("managed_channels")),
                   name=table.text("name", "") if not top else "", bot_token_env=token_env,
                   admin_token_env=admin_env, is_home=home)


def _env_name(table: Table, key: str, example: str, *, required: bool) -> str | None:
    """The name of an environment variable holding a token (never the token itself:
    the file may be committed)."""
    name = table.text(key, required=True) if required else table.opt_text(key)
    if name is not None and not _ENV_NAME.fullmatch(name):
        raise ConfigError(f"config key '{table.key(key)}' must name an environment variable "
                          f"such as \"{example}\", got {name!r}.")
    return name


def token_names(slack: SlackSettings | None) -> list[str]:
    """The environment variables the ``[[slack.workspaces]]`` entries name."""
    if slack is None:
        return []
    names = [w.bot_token_env for w in slack.workspaces] + \
        [w.admin_token_env for w in slack.workspaces]
    return [name for name in names if name]


def _slack_home(table: Table, home: bool) -> dict[str, Any]:
    """The committee's people and channels: the channels are required in the home."""
    found: dict[str, Any] = {key: tuple(table.text_list(key)) for key in _SLACK_HOME_LISTS}
    return found | {key: _slack_channel(table, key, home) for key in _SLACK_HOME_CHANNELS}


def read_slack(table: Table, home: Home) -> SlackSettings:
    """``[slack]`` and its ``[[slack.workspaces]]``; every team id once."""
    team = table.raw("team_id")
    first = _slack_workspace(table, home.here(PlatformName.SLACK, str(team), True), True)
    first = replace(first, announcements_channel=table.opt_text("announcements_channel"),
                    http_port=table.integer("http_port", 3000, minimum=1, maximum=65535),
                    http_host=listen_host(table, "http_host", "127.0.0.1"),
                    command_prefix=_command_prefix(table),
                    dms_per_second=_rate(table, "dms_per_second", 3.0),
                    posts_per_second=_rate(table, "posts_per_second", 1.0))
    channel = first.announcements_channel
    if channel is not None and not _SLACK_CHANNEL.fullmatch(channel):
        raise ConfigError(f"config key '{table.key('announcements_channel')}' must be a Slack "
                          f"channel id such as \"C0123ABCD\", got {channel!r}.")
    _public_channel(table, "announcements_channel", channel,
                    (first.staff_queue_channel, first.committee_channel,
                     first.executive_channel))
    seen = {first.team_id: table.key("team_id")}
    workspaces = []
    for entry in _entries(table, "workspaces"):
        team = entry.raw("team_id")
        space = _slack_workspace(entry, home.here(PlatformName.SLACK, str(team), False),
                                 False)
        _refuse_duplicate(seen, space.team_id, entry.key("team_id"), "workspace")
        entry.finish()
        workspaces.append(space)
    table.finish()
    return replace(first, workspaces=tuple(workspaces))


def _command_prefix(table: Table) -> str:
    try:
        return check_prefix(table.text("command_prefix", ""))
    except ConfigError as exc:
        raise ConfigError(f"config key '{table.key('command_prefix')}': {exc}") from None


def check_home(home: Home, discord: DiscordSettings | None,
               slack: SlackSettings | None) -> None:
    """A home that names a platform or a space not in the config is refused."""
    if home.platform is None:
        return
    table = discord if home.platform is PlatformName.DISCORD else slack
    label = home.platform.value
    if table is None:
        raise ConfigError(f"config key 'committee.home' is '{label}', but the config has no "
                          f"[{label}] table.")
    if home.space is None:
        return
    spaces = [str(s.guild_id) for s in discord.all_servers] if discord is not None \
        and home.platform is PlatformName.DISCORD else \
        [w.team_id for w in slack.all_workspaces] if slack is not None else []
    if home.space not in spaces:
        raise ConfigError(f"config key 'committee.home' names {label}:{home.space}, which is "
                          f"not a configured {'server' if label == 'discord' else 'workspace'} "
                          f"(configured: {', '.join(spaces)}).")
