"""Settings: the TOML file plus secrets from the environment, validated at start-up.

Everything the bot needs is read here once and handed to the composition root as typed
values; nothing else looks configuration up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as public_holidays

from bot.core.automod import AutomodConfig
from bot.core.business_days import BusinessCalendar, workdays_from_names
from bot.core.code_text import ChannelProfile, CodeText, ProfileBook
from bot.core.durations import parse_duration
from bot.core.errors import ConfigError, InvalidDuration
from bot.core.identity import PlatformName
from bot.core.messages import MessageCatalog
from bot.core.policy import Policy, Recurring, Retention
from bot.core.rules.raid import RaidPolicy, Restraint
from config._reader import Table
from config.email import EmailSettings
from config.holidays import Holidays
from config.ops import OpsSettings
from storage.url import redact_url

DEFAULT_DATABASE_URL = "sqlite:///./coc-bot.db"

_SHOWN_AS_URLS = frozenset({"discord_api_base", "discord_gateway_url", "slack_api_base",
                            "database_url"})
"""Secrets fields a repr may show, with any password in them masked (``redact_url``).
Every other field is a credential and shows only as set or not: a field added later is
hidden unless it is listed here."""


@dataclass(frozen=True, slots=True)
class Secrets:
    """Only ever from the environment, never from the file (it may be committed)."""

    discord_token: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_admin_token: str | None = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    slack_api_base: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    seal_keys: str | None = field(default=None, repr=False)  # COC_BOT_SEAL_KEYS
    smtp_password: str | None = field(default=None, repr=False)  # COC_BOT_SMTP_PASSWORD
    # The variables the config file names for further Slack workspaces' tokens
    # (``bot_token_env``, ``admin_token_env``): (name, value) for each one set.
    named: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def named_value(self, name: str | None) -> str | None:
        """The value of an environment variable the config file names, if it is set."""
        return next((value for key, value in self.named if key == name), None)

    def __repr__(self) -> str:
        """Which secrets are set, never their values: a repr ends up in logs, tracebacks
        and bug reports (``repr(settings)`` and ``str(settings)`` come through here)."""
        shown = []
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None:
                text = "None"
            elif item.name in _SHOWN_AS_URLS:
                text = repr(redact_url(str(value)))
            elif item.name == "named":  # which variables are set, not what they hold
                text = repr(tuple(key for key, _ in value))
            else:
                text = "'***'"
            shown.append(f"{item.name}={text}")
        return f"Secrets({', '.join(shown)})"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Secrets:
        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None
        return cls(
            discord_token=get("DISCORD_TOKEN"), slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_admin_token=get("SLACK_ADMIN_TOKEN"), discord_api_base=get("DISCORD_API_BASE"),
            discord_gateway_url=get("DISCORD_GATEWAY_URL"), slack_api_base=get("SLACK_API_BASE"),
            database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            seal_keys=get("COC_BOT_SEAL_KEYS"), smtp_password=get("COC_BOT_SMTP_PASSWORD"),
        )


NATIVE_DEFAULT_CATEGORIES = ("hate-slurs",)


@dataclass(frozen=True, slots=True)
class NativeAutomodSettings:
    """``[discord.native_automod]``: which list categories Discord's own AutoMod blocks
    before anyone sees them (off unless enabled; see ``bot/discord_io/native_automod.py``)."""

    enabled: bool = False
    categories: tuple[str, ...] = NATIVE_DEFAULT_CATEGORIES
    alert_channel_id: int | None = None  # where Discord posts its own alert, if anywhere
    timeout: timedelta | None = None  # Discord's timeout on top of the block, if any


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    """One Discord server: the ``[discord]`` table, or one of its ``[[discord.servers]]``.

    The committee, counsel and Executive Committee ids are needed only in the server where
    the committee meets (``[committee] home``); every server has its own staff role and
    staff queue. The ``[discord]`` table's own ``servers`` are the further servers one bot
    token serves; an entry of ``servers`` never has servers of its own.
    """

    guild_id: int
    staff_role_id: int
    staff_queue_channel_id: int
    committee_role_id: int | None = None
    counsel_role_id: int | None = None
    executive_role_id: int | None = None
    committee_channel_id: int | None = None
    executive_channel_id: int | None = None
    suspended_role_id: int | None = None
    # Where the committee's public statements are published (optional).
    announcements_channel_id: int | None = None
    native_automod: NativeAutomodSettings = NativeAutomodSettings()
    # The outbox's pace (bot/core/services/outbox_worker.py): DMs a second across the
    # server, and posts a second in one channel (Discord allows about 5 per 5 s).
    dms_per_second: float = 5.0
    posts_per_second: float = 1.0
    # Gateway sharding: how many shards the application uses in all, and which of them this
    # process may run (all of them when not set).
    shard_count: int = 1
    shard_ids: tuple[int, ...] | None = None
    # Several processes: each shard is owned by one process at a time through a lease row
    # in the database; the others stand by and take over (resuming the gateway session).
    shard_leases: bool = False
    name: str = ""  # how an operator calls the server in logs and check-config
    is_home: bool = False  # the committee meets here ([committee] home)
    servers: tuple[DiscordSettings, ...] = ()

    @property
    def all_servers(self) -> tuple[DiscordSettings, ...]:
        """Every server this bot serves, the ``[discord]`` table's first."""
        return (self, *self.servers)

    def server(self, guild_id: int | str | None) -> DiscordSettings | None:
        """The settings of ``guild_id``, or None for a server not in the config."""
        if guild_id is None:
            return None
        return next((s for s in self.all_servers if str(s.guild_id) == str(guild_id)), None)

    @property
    def home(self) -> DiscordSettings:
        """The server with the committee's channels (the ``[discord]`` table when none)."""
        return next((s for s in self.all_servers if s.is_home), self)


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """One Slack workspace: the ``[slack]`` table, or one of its ``[[slack.workspaces]]``.

    Committee, counsel and executive lists and channels are needed only in the workspace
    where the committee meets. A further workspace names the environment variable holding
    its bot token (``bot_token_env``): secrets never come from the file.
    """

    team_id: str
    staff: tuple[str, ...]
    staff_queue_channel: str
    committee: tuple[str, ...] = ()
    counsel: tuple[str, ...] = ()
    executive: tuple[str, ...] = ()
    committee_channel: str | None = None
    executive_channel: str | None = None
    managed_channels: tuple[str, ...] = ()
    announcements_channel: str | None = None  # the committee's public statements (optional)
    http_port: int = 3000
    # HTTP mode's listening address. Slack only posts to HTTPS, so a TLS-terminating
    # reverse proxy (or tunnel) always sits in front; loopback keeps the plain-HTTP port
    # off the network. Use "0.0.0.0" when the proxy runs on another host or container.
    http_host: str = "127.0.0.1"
    # The outbox's pace: chat.postMessage allows about one a second per channel.
    dms_per_second: float = 3.0
    posts_per_second: float = 1.0
    # Put before every slash command ("coc-" makes /report /coc-report), where another
    # app in the workspace already owns a name; `coc-bot slack-manifest` uses it too.
    command_prefix: str = ""
    name: str = ""
    bot_token_env: str | None = None  # further workspaces: the env var with their bot token
    admin_token_env: str | None = None  # ... and, optionally, with a workspace admin's token
    is_home: bool = False  # the committee meets here ([committee] home)
    workspaces: tuple[SlackSettings, ...] = ()

    @property
    def all_workspaces(self) -> tuple[SlackSettings, ...]:
        """Every workspace this bot serves, the ``[slack]`` table's first."""
        return (self, *self.workspaces)

    def workspace(self, team_id: str | None) -> SlackSettings | None:
        """The settings of ``team_id``, or None for a workspace not in the config."""
        return next((w for w in self.all_workspaces if w.team_id == team_id), None)

    @property
    def home(self) -> SlackSettings:
        """The workspace with the committee's channels (the ``[slack]`` table when none)."""
        return next((w for w in self.all_workspaces if w.is_home), self)


@dataclass(frozen=True)
class Settings:
    organization: str
    policy: Policy
    calendar: BusinessCalendar
    schedule: Recurring
    code: CodeText
    messages: MessageCatalog
    profiles: ProfileBook
    secrets: Secrets
    committee_home: PlatformName | None = None
    # The home's space id when ``[committee] home`` names one ("discord:<guild id>").
    committee_space: str | None = None
    discord: DiscordSettings | None = None
    slack: SlackSettings | None = None
    automod: AutomodConfig = field(default_factory=AutomodConfig)
    ops: OpsSettings = field(default_factory=OpsSettings)
    email: EmailSettings | None = None  # [email]: notices by e-mail (config/email.py)


def read_policy(table: Table) -> Policy:
    days = timedelta(days=1)
    try:
        policy = Policy(
            committee_seats=table.integer("committee_seats", 7, minimum=1, maximum=99),
            quorum=table.integer("quorum", 4, minimum=1),
            term_years=table.integer("term_years", 3, minimum=1, maximum=10),
            appeal_window=table.integer("appeal_window_days", 60, minimum=1) * days,
            escalation_incidents=table.integer("escalation_incidents", 3, minimum=1),
            escalation_window=table.integer("escalation_window_days", 180, minimum=1) * days,
            report_limit=table.integer("report_limit", 5, minimum=1),
            report_limit_window=timedelta(
                minutes=table.integer("report_limit_window_minutes", 60, minimum=1)),
            vote_window=table.integer("vote_window_days", 7, minimum=1) * days,
            acceptance_reminder_after=table.integer(
                "acceptance_reminder_days", 14, minimum=1) * days,
            term_warning=table.integer("term_warning_days", 60, minimum=1) * days,
            bad_faith_warning_threshold=table.integer("bad_faith_warning_threshold", 3,
                                                      minimum=1),
            bad_faith_window=table.integer("bad_faith_window_days", 180, minimum=1) * days,
            max_terms_ending_per_year=table.integer("max_terms_ending_per_year", 3,
                                                    minimum=1),
            statement_window=table.integer("statement_days", 7, minimum=1, maximum=60) * days,
            evidence_before=table.integer("evidence_before", 5, minimum=0, maximum=50),
            evidence_after=table.integer("evidence_after", 5, minimum=0, maximum=50),
        )
    except ValueError as exc:
        raise ConfigError(f"config [policy]: {exc}.") from exc
    table.finish()
    return policy


def read_calendar(table: Table) -> BusinessCalendar:
    zone = table.text("timezone", "UTC")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"config key '{table.key('timezone')}': unknown time zone '{zone}' "
                          "(use a name such as America/Chicago).") from exc
    try:
        workdays = workdays_from_names(table.text_list("workdays",
                                                      ["mon", "tue", "wed", "thu", "fri"]))
        extra = frozenset(date.fromisoformat(d) for d in table.text_list("holidays"))
    except ValueError as exc:
        raise ConfigError(f"config [{table.key('')[:-1]}]: {exc} (holidays are YYYY-MM-DD).") \
            from exc
    holidays = read_holidays(table, extra)
    if not workdays:
        raise ConfigError(f"config key '{table.key('workdays')}' needs at least one day.")
    end = parse_clock_time(table, "end_of_day", "17:00")
    table.finish()
    return BusinessCalendar(zone, workdays, holidays, end)


def read_holidays(table: Table, extra: frozenset[date]) -> Holidays:
    """Public holidays from the maintained ``holidays`` package (so the calendar never runs
    out, as a hand-kept list does) plus the association's own days off."""
    country = table.opt_text("holidays_country")
    subdivision = table.opt_text("holidays_subdivision")
    if country is None:
        if subdivision is not None:
            raise ConfigError(f"config key '{table.key('holidays_subdivision')}' needs "
                              f"'{table.key('holidays_country')}' as well.")
        return Holidays(extra=extra)
    if country not in public_holidays.list_supported_countries():
        raise ConfigError(f"config key '{table.key('holidays_country')}': there is no "
                          f"holiday calendar for '{country}' (use an ISO code such as US, "
                          "CA or GB).")
    try:
        return Holidays(country, subdivision, extra)
    except (NotImplementedError, ValueError) as exc:
        raise ConfigError(f"config key '{table.key('holidays_subdivision')}': "
                          f"'{subdivision}' is not a subdivision of {country} "
                          "(use a code such as IL for Illinois).") from exc


def parse_clock_time(table: Table, name: str, default: str) -> time:
    text = table.text(name, default)
    try:
        return time.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"config key '{table.key(name)}' must be a time like 09:30, "
                          f"got '{text}'.") from exc


def read_retention(table: Table) -> Retention:
    days = timedelta(days=1)
    try:
        retention = Retention(
            final_case=table.integer("final_case_days", 365, minimum=1) * days,
            dismissed_report=table.integer("dismissed_report_days", 90, minimum=1) * days,
            closed_matter=table.integer("closed_matter_days", 365, minimum=1) * days)
    except ValueError as exc:
        raise ConfigError(f"config [retention]: {exc}.") from exc
    table.finish()
    return retention


def read_raid(table: Table) -> RaidPolicy:
    """``[raid]``: when automod's findings come fast enough to switch to batched work, and
    whether a flooded channel is slowed or locked for a while. Each bad value is refused
    naming its key."""
    choice = table.text("restraint", Restraint.NONE.value)
    try:
        restraint = Restraint(choice)
    except ValueError as exc:
        raise ConfigError(f"config key '{table.key('restraint')}' must be \"none\", "
                          f"\"slow_mode\" or \"lock\", got {choice!r}.") from exc
    seconds = timedelta(seconds=1)
    window = table.integer("window_seconds", 10, minimum=1, maximum=3600)
    raid = RaidPolicy(
        enabled=table.flag("enabled", True),
        channel_violations=table.integer("channel_violations", 5, minimum=2),
        space_violations=table.integer("space_violations", 15, minimum=2),
        window=window * seconds,
        quiet=table.integer("quiet_seconds", max(30, window), minimum=window) * seconds,
        restraint=restraint,
        slow_mode_seconds=table.integer("slow_mode_seconds", 30, minimum=1, maximum=21600),
        restraint_for=table.integer("restraint_minutes", 10, minimum=1, maximum=10080)
        * timedelta(minutes=1))
    table.finish()
    return raid


def read_report(table: Table) -> int:
    """``[report] min_cell``: the smallest count the transparency report publishes."""
    min_cell = table.integer("min_cell", 10, minimum=3, maximum=1000)
    table.finish()
    return min_cell


def read_schedule(table: Table) -> Recurring:
    day = table.integer("digest_day", 1, minimum=1, maximum=28)
    at = parse_clock_time(table, "digest_time", "09:00")
    start = table.text("fiscal_year_start", "09-01")
    try:
        month, dom = (int(part) for part in start.split("-"))
        date(2001, month, dom)
    except ValueError as exc:
        raise ConfigError(f"config key '{table.key('fiscal_year_start')}' must be MM-DD, "
                          f"got '{start}'.") from exc
    table.finish()
    return Recurring(day, at, (month, dom))


def read_profiles(table: Table) -> ProfileBook:
    default = ChannelProfile()
    by_key: dict[str, ChannelProfile] = {}
    for name in table.names():
        sub = table.table(name)
        base = default if name != "default" else ChannelProfile()
        profile = ChannelProfile(
            space_name=sub.text("space_name", base.space_name),
            description=sub.text("description", base.description),
            restricted_content=sub.text("restricted_content", base.restricted_content),
            how_to_report=sub.text("how_to_report", base.how_to_report),
            acceptance_mechanism=sub.text("acceptance_mechanism", base.acceptance_mechanism),
            restricts_promotion=sub.flag("restricts_promotion", base.restricts_promotion),
        )
        sub.finish()
        if name == "default":
            default = profile
        else:
            by_key[name] = profile
    return ProfileBook(default, by_key)


NATIVE_TIMEOUT_LIMIT = timedelta(days=28)  # Discord's longest timeout


def read_native_automod(table: Table) -> NativeAutomodSettings:
    """Read ``[discord.native_automod]``; whether the categories exist and may block is
    checked against ``[automod]`` by :func:`check_native_categories`."""
    categories = tuple(table.text_list("categories", NATIVE_DEFAULT_CATEGORIES))
    if not categories:
        raise ConfigError(f"config key '{table.key('categories')}' is empty; name at least "
                          "one list category (e.g. [\"hate-slurs\"]) or set enabled = false.")
    repeated = sorted({c for c in categories if categories.count(c) > 1})
    if repeated:
        raise ConfigError(f"config key '{table.key('categories')}' names "
                          f"{', '.join(repeated)} more than once.")
    timeout = None
    text = table.opt_text("timeout")
    if text is not None:
        try:
            length = parse_duration(text).length
        except InvalidDuration as exc:
            raise ConfigError(f"config key '{table.key('timeout')}': {exc}") from exc
        if length is None or length > NATIVE_TIMEOUT_LIMIT:
            raise ConfigError(f"config key '{table.key('timeout')}': Discord AutoMod times "
                              "out for at most 28 days (e.g. \"10m\", \"1h\", \"7d\").")
        timeout = length
    result = NativeAutomodSettings(
        enabled=table.flag("enabled", False), categories=categories,
        alert_channel_id=table.snowflake("alert_channel_id", required=False), timeout=timeout)
    table.finish()
    return result


def check_native_categories(settings: Settings) -> None:
    """Each native category must be a keyword list of ``[automod]`` that removes: Discord
    blocks outright, so a list the bot only alerts staff about (reclaimed terms, profanity
    by default) must not be handed to it, or an uncertain match becomes a sanction."""
    native = settings.discord.native_automod if settings.discord else None
    if native is None or not native.enabled:
        return
    key = "discord.native_automod.categories"
    lists = {k.rule_id for k in settings.automod.keyword_lists if k.boundary == 1}
    for category in native.categories:
        rule = settings.automod.rules.get(category)
        if rule is None or category not in lists:
            raise ConfigError(f"config key '{key}': {category!r} is not a keyword list of "
                              f"[automod]; use one of {', '.join(sorted(lists))}.")
        if rule.action == "alert_staff":
            raise ConfigError(f"config key '{key}': {category!r} only alerts staff in "
                              "[automod], and Discord AutoMod would block outright. Set "
                              f"[automod.rules.{category}] action = \"remove_and_explain\" "
                              "first, or leave it to the bot's own automod.")
        if category in settings.automod.aimed_only:
            raise ConfigError(f"config key '{key}': {category!r} acts only on words aimed "
                              "at a person, and Discord AutoMod would block every use. Set "
                              f"[automod.rules.{category}] only_when_aimed = false first, or "
                              "leave it to the bot's own automod.")


MAX_SHARDS = 4096


def shard_ids(table: Table) -> tuple[int, ...] | None:
    """The shards this process may run: distinct whole numbers, at least one."""
    value = table.raw("shard_ids")
    if value is None:
        return None
    key = table.key("shard_ids")
    if not isinstance(value, list) or not value or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
        raise ConfigError(f"config key '{key}' must be a list of shard numbers (0, 1, ...), "
                          f"got {value!r}.")
    if len(set(value)) != len(value):
        raise ConfigError(f"config key '{key}' names a shard twice: {value!r}.")
    return tuple(sorted(value))


_COMMAND_PREFIX = re.compile(r"^[a-z0-9_-]{0,16}$")


def check_prefix(prefix: str) -> str:
    """A slash-command prefix Slack accepts: up to 16 lowercase letters, digits, - or _."""
    if not _COMMAND_PREFIX.match(prefix):
        raise ConfigError(f"the Slack command prefix must be up to 16 lowercase letters, "
                          f"digits, '-' or '_' (e.g. \"coc-\"), got {prefix!r}.")
    return prefix
