"""``coc-bot scan``: what automod would have flagged in exported chat history.

Staff tune the rules on real history before turning them on: the export is read, every
message is fed to the configured :class:`~bot.core.automod.Automod` in the order it was
sent (the repetition rules use the message times), and the detections are summed up per
rule and per channel, with a few examples of each. Nothing is sent anywhere and no
database is opened.

Two export formats are read, told apart by their shape:

- DiscordChatExporter's JSON: one file per channel with ``guild``, ``channel`` and
  ``messages`` (or a folder of such files).
- Slack's workspace export: a folder (or the ``.zip`` Slack hands out) with
  ``channels.json``, ``users.json`` and one folder per channel of ``YYYY-MM-DD.json`` files;
  private channels (``groups.json``) too when the export has them. Direct messages are
  skipped, as the bot does not watch them.

Messages are handed to automod the way the live front-ends hand them over (``cogs/watch``,
``bot/slack_io/listeners/watch``): bots and system messages skipped, Slack text as Slack
escapes it, ``@everyone``-style mentions counting 50, so the counts are what the bot
would have done.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from bot.core.automod import Automod, Detection, ScannedMessage
from bot.core.errors import CocBotError
from config.settings import Settings

__all__ = [
    "ExportError",
    "ExportMessage",
    "ScanReport",
    "read_export",
    "scan_exports",
]

DEFAULT_SLACK_TEAM = "export"
# Message kinds a person wrote; joins, pins, topic changes and the like are not scanned.
_DISCORD_TYPES = frozenset({"Default", "Reply"})
_SLACK_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
_SLACK_CONVERSATIONS = ("channels.json", "groups.json")  # not mpims.json, dms.json
_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
EVERYONE_WEIGHT = 50  # @everyone, @here, <!channel>: as many as the live front-ends count
_DISCORD_EVERYONE = re.compile(r"(?:^|\s)@(?:everyone|here)\b")
_SLACK_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_SLACK_GROUP = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|[^>]*)?>")
_SLACK_EVERYONE = re.compile(r"<!(?:channel|here|everyone)(?:\|[^>]*)?>")
_FRACTION = re.compile(r"(\.\d{6})\d+")


class ExportError(CocBotError):
    """An export that cannot be read: missing, not JSON, or in no format we know."""


@dataclass(frozen=True, slots=True)
class ExportMessage:
    """One message of an export, ready for automod, with names for the report."""

    scanned: ScannedMessage
    channel_name: str
    author_name: str
    message_id: str
    source: str


@dataclass(frozen=True, slots=True)
class Example:
    time: datetime
    channel_id: str
    channel_name: str
    author_id: str
    author_name: str
    message_id: str
    excerpt: str
    detail: str
    action: str

    def as_json(self) -> dict[str, str]:
        return {"time": self.time.isoformat(), "channel": self.channel_id,
                "channel_name": self.channel_name, "author": self.author_id,
                "author_name": self.author_name, "message_id": self.message_id,
                "excerpt": self.excerpt, "detail": self.detail, "action": self.action}


@dataclass
class RuleTally:
    rule_id: str
    clause_id: str
    severity: str
    count: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    examples: list[Example] = field(default_factory=list)


@dataclass
class ScanReport:
    """What automod would have done over the history scanned."""

    sources: list[str]
    examples_per_rule: int
    messages: int = 0
    flagged_messages: int = 0
    first: datetime | None = None
    last: datetime | None = None
    channel_names: dict[str, str] = field(default_factory=dict)
    channel_messages: Counter[str] = field(default_factory=Counter)
    rules: dict[str, RuleTally] = field(default_factory=dict)
    by_channel: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def detections(self) -> int:
        return sum(t.count for t in self.rules.values())

    def add(self, message: ExportMessage, detections: Sequence[Detection]) -> None:
        scanned = message.scanned
        channel = scanned.channel_id
        self.messages += 1
        self.first = scanned.timestamp if self.first is None else min(self.first,
                                                                      scanned.timestamp)
        self.last = scanned.timestamp if self.last is None else max(self.last,
                                                                    scanned.timestamp)
        self.channel_names.setdefault(channel, message.channel_name)
        self.channel_messages[channel] += 1
        if not detections:
            return
        self.flagged_messages += 1
        for detection in detections:
            tally = self.rules.get(detection.rule_id)
            if tally is None:
                tally = self.rules[detection.rule_id] = RuleTally(
                    detection.rule_id, detection.clause_id, detection.severity.value)
            tally.count += 1
            tally.actions[detection.action.value] += 1
            tally.channels[channel] += 1
            self.by_channel.setdefault(channel, Counter())[detection.rule_id] += 1
            if len(tally.examples) < self.examples_per_rule:
                tally.examples.append(Example(
                    scanned.timestamp, channel, message.channel_name, scanned.author_id,
                    message.author_name, message.message_id, detection.excerpt,
                    detection.detail, detection.action.value))

    def _rules_worst_first(self) -> list[RuleTally]:
        return sorted(self.rules.values(), key=lambda t: (-t.count, t.rule_id))

    def _channels_worst_first(self) -> list[tuple[str, Counter[str]]]:
        return sorted(self.by_channel.items(), key=lambda kv: (-kv[1].total(), kv[0]))

    def as_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "messages": self.messages,
            "channels": len(self.channel_messages),
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "flagged_messages": self.flagged_messages,
            "detections": self.detections,
            "rules": {t.rule_id: {
                "count": t.count, "clause": t.clause_id, "severity": t.severity,
                "actions": dict(t.actions), "channels": dict(t.channels.most_common()),
                "examples": [e.as_json() for e in t.examples],
            } for t in self._rules_worst_first()},
            "by_channel": {channel: {
                "name": self.channel_names.get(channel, ""),
                "messages": self.channel_messages[channel],
                "count": rules.total(), "rules": dict(rules.most_common()),
            } for channel, rules in self._channels_worst_first()},
        }

    def render(self) -> str:
        span = (f", {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"
                if self.first and self.last else "")
        lines = [f"Scanned {_plural(self.messages, 'message')} in "
                 f"{_plural(len(self.channel_messages), 'channel')} from "
                 f"{_plural(len(self.sources), 'export')}{span}. Nothing was sent or removed."]
        if not self.rules:
            lines.append("No rule would have flagged anything.")
            return "\n".join(lines)
        lines.append(f"Would have flagged {_plural(self.flagged_messages, 'message')} "
                     f"({_plural(self.detections, 'detection')}).")
        lines += ["", "By rule:"]
        width = max(len(rule) for rule in self.rules)
        for tally in self._rules_worst_first():
            actions = ", ".join(f"{action} {n}" for action, n in tally.actions.most_common())
            lines.append(f"  {tally.rule_id:<{width}}  {tally.count:>6}  "
                         f"({tally.severity}, clause {tally.clause_id}; {actions})")
        lines += ["", "By channel:"]
        for channel, rules in self._channels_worst_first():
            name = self.channel_names.get(channel) or channel
            detail = ", ".join(f"{rule} {n}" for rule, n in rules.most_common())
            lines.append(f"  {name} ({channel}): {rules.total()} of "
                         f"{self.channel_messages[channel]} messages: {detail}")
        if self.examples_per_rule:
            lines += ["", "Examples:"]
            for tally in self._rules_worst_first():
                lines.append(f"  {tally.rule_id} ({len(tally.examples)} of {tally.count}):")
                for ex in tally.examples:
                    excerpt = " ".join(ex.excerpt.split())
                    lines.append(f"    {ex.time.astimezone(UTC):%Y-%m-%d %H:%M} UTC  "
                                 f"{ex.channel_name}  {ex.author_name}: “{excerpt}”"
                                 f"  [{ex.detail}]")
        return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# -- running ---------------------------------------------------------------------------------


def build_automod(settings: Settings) -> Automod:
    """The engine exactly as the bot would build it from this configuration."""
    return Automod(settings.automod, profiles=settings.profiles)


def scan_exports(paths: Sequence[Path], settings: Settings, *,
                 examples_per_rule: int = 3) -> ScanReport:
    """Read every export, then scan all their messages in the order they were sent."""
    automod = build_automod(settings)
    team = settings.slack.team_id if settings.slack else DEFAULT_SLACK_TEAM
    messages: list[ExportMessage] = []
    for path in paths:
        messages.extend(read_export(path, slack_team=team))
    messages.sort(key=lambda m: m.scanned.timestamp)
    report = ScanReport([str(p) for p in paths], examples_per_rule)
    for message in messages:
        report.add(message, automod.scan(message.scanned))
    return report


# -- reading exports -------------------------------------------------------------------------


def read_export(path: Path, *, slack_team: str = DEFAULT_SLACK_TEAM) -> list[ExportMessage]:
    """Every message a person wrote in one export (file, folder or zip), in any order."""
    if not path.exists():
        raise ExportError(f"'{path}' does not exist.")
    if path.is_dir():
        if (path / "channels.json").is_file():
            return _read_slack(_FolderSource(path), slack_team)
        # DiscordChatExporter exports a whole server as a folder of one file per channel.
        files = sorted(path.glob("*.json"))
        if not files:
            raise _unknown(path, "a folder without channels.json or .json files")
        return [m for file in files for m in read_export(file, slack_team=slack_team)]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            source = _ZipSource.open(path, archive)
            if source is None:
                raise _unknown(path, "a zip archive without channels.json")
            return _read_slack(source, slack_team)
    data = _load_json(path.read_bytes(), str(path))
    if isinstance(data, dict) and {"guild", "channel", "messages"} <= data.keys():
        return _read_discord(data, str(path))
    raise _unknown(path, "JSON, but not a DiscordChatExporter export")


def _unknown(path: Path, what: str) -> ExportError:
    return ExportError(
        f"'{path}' is not an export I can read ({what}). Give a DiscordChatExporter JSON "
        "file (Export format: JSON), or Slack's export as its .zip or unpacked folder "
        "(with channels.json).")


def _load_json(raw: bytes, where: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ExportError(f"'{where}' is not a text file ({exc.reason}); "
                          "is it an export?") from exc
    except json.JSONDecodeError as exc:
        raise ExportError(f"'{where}' is not valid JSON (line {exc.lineno}, column "
                          f"{exc.colno}: {exc.msg}).") from exc


def _parse_time(value: object, where: str) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(_FRACTION.sub(r"\1", value))
        except ValueError:
            pass
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise ExportError(f"{where}: the timestamp {value!r} is not an ISO date and time.")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _read_discord(data: Mapping[str, Any], where: str) -> list[ExportMessage]:
    guild = _text(_mapping(data["guild"]).get("id")) or "0"
    channel_info = _mapping(data["channel"])
    channel_id = _text(channel_info.get("id"))
    if not channel_id:
        raise ExportError(f"{where}: the channel has no id.")
    raw_messages = data["messages"]
    if not isinstance(raw_messages, list):
        raise ExportError(f"{where}: 'messages' is not a list.")
    name = _text(channel_info.get("name")) or channel_id
    category = _text(channel_info.get("categoryId"))

    def key(item: str) -> str:
        return f"discord:{guild}:{item}"

    found = []
    for index, raw in enumerate(raw_messages):
        if not isinstance(raw, dict):
            raise ExportError(f"{where}: messages[{index}] is not an object.")
        if _text(raw.get("type")) not in _DISCORD_TYPES and "type" in raw:
            continue
        author = _mapping(raw.get("author"))
        if author.get("isBot") is True:
            continue
        author_id = _text(author.get("id"))
        mentioned = tuple(dict.fromkeys(
            key(_text(_mapping(m).get("id"))) for m in raw.get("mentions") or ()
            if _text(_mapping(m).get("id"))))
        text = _text(raw.get("content"))
        display = _text(author.get("nickname")) or _text(author.get("name"))
        mentions = len(mentioned) + (EVERYONE_WEIGHT if _DISCORD_EVERYONE.search(text) else 0)
        scanned = ScannedMessage(
            text=text, author_id=key(author_id),
            channel_id=key(channel_id), category_id=key(category) if category else None,
            timestamp=_parse_time(raw.get("timestamp"), f"{where}: messages[{index}]"),
            author_roles=frozenset(_text(_mapping(r).get("id")) for r in _roles(author)),
            mentions=mentions, mentioned_ids=mentioned, display_name=display)
        found.append(ExportMessage(scanned, f"#{name}", display or author_id,
                                   _text(raw.get("id")), where))
    return found


def _roles(author: Mapping[str, Any]) -> Iterable[object]:
    roles = author.get("roles")
    return roles if isinstance(roles, list) else ()


# -- Slack -----------------------------------------------------------------------------------


class _FolderSource:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = str(root)

    def read(self, relative: str) -> bytes | None:
        path = self.root / relative
        return path.read_bytes() if path.is_file() else None

    def day_files(self, folder: str) -> list[str]:
        directory = self.root / folder
        if not directory.is_dir():
            return []
        return sorted(f"{folder}/{p.name}" for p in directory.iterdir()
                      if _DAY_FILE.match(p.name))


class _ZipSource:
    def __init__(self, path: Path, archive: zipfile.ZipFile, prefix: str) -> None:
        self.name = str(path)
        self._archive = archive
        self._prefix = prefix
        self._names = set(archive.namelist())

    @classmethod
    def open(cls, path: Path, archive: zipfile.ZipFile) -> _ZipSource | None:
        """Slack puts ``channels.json`` at the top; a re-zipped folder has it one level in."""
        tops = sorted((n for n in archive.namelist()
                       if PurePosixPath(n).name == "channels.json" and n.count("/") <= 1),
                      key=lambda n: n.count("/"))
        if not tops:
            return None
        return cls(path, archive, tops[0][: -len("channels.json")])

    def read(self, relative: str) -> bytes | None:
        name = self._prefix + relative
        return self._archive.read(name) if name in self._names else None

    def day_files(self, folder: str) -> list[str]:
        start = f"{self._prefix}{folder}/"
        return sorted(n[len(self._prefix):] for n in self._names
                      if n.startswith(start) and "/" not in n[len(start):]
                      and _DAY_FILE.match(n[len(start):]))


def _read_slack(source: _FolderSource | _ZipSource, team: str) -> list[ExportMessage]:
    def load(relative: str) -> Any:
        raw = source.read(relative)
        return None if raw is None else _load_json(raw, f"{source.name}: {relative}")

    users: dict[str, str] = {}
    for user in load("users.json") or ():
        info = _mapping(user)
        profile = _mapping(info.get("profile"))
        user_id = _text(info.get("id"))
        users[user_id] = (_text(profile.get("display_name")) or _text(profile.get("real_name"))
                          or _text(info.get("real_name")) or _text(info.get("name")) or user_id)
    found: list[ExportMessage] = []
    for listing in _SLACK_CONVERSATIONS:
        conversations = load(listing)
        if conversations is None:
            continue
        if not isinstance(conversations, list):
            raise ExportError(f"{source.name}: {listing} is not a list of channels.")
        for conversation in conversations:
            info = _mapping(conversation)
            channel_id = _text(info.get("id"))
            if not channel_id:
                continue
            folder = _text(info.get("name")) or channel_id
            for day in source.day_files(folder):
                found += _slack_day(load(day), f"{source.name}: {day}", team, channel_id,
                                    f"#{folder}", users)
    return found


def _slack_day(data: Any, where: str, team: str, channel: str, label: str,
               users: Mapping[str, str]) -> list[ExportMessage]:
    if not isinstance(data, list):
        raise ExportError(f"{where}: is not a list of messages.")

    def key(item: str) -> str:
        return f"slack:{team}:{item}"

    found = []
    for index, raw in enumerate(data):
        message = _mapping(raw)
        user = _text(message.get("user"))
        if message.get("type") != "message" or not user or message.get("bot_id") \
                or message.get("subtype") not in _SLACK_SUBTYPES:
            continue
        ts = _text(message.get("ts"))
        try:
            moment = datetime.fromtimestamp(float(ts), UTC)
        except (ValueError, OverflowError) as exc:
            raise ExportError(f"{where}: message {index} has no valid ts ({ts!r}).") from exc
        # Scanned as Slack escapes it (``&lt;``, ``<@U1>``), like the live front-end does.
        text = _text(message.get("text"))
        users_mentioned = _SLACK_USER.findall(text)
        mentions = len(users_mentioned) + len(_SLACK_GROUP.findall(text)) \
            + (EVERYONE_WEIGHT if _SLACK_EVERYONE.search(text) else 0)
        profile = _mapping(message.get("user_profile"))
        display = _text(profile.get("display_name")) or _text(profile.get("real_name"))
        scanned = ScannedMessage(
            text=text, author_id=key(user), channel_id=key(channel), timestamp=moment,
            mentions=mentions, mentioned_ids=tuple(key(u) for u in users_mentioned),
            display_name=display)
        found.append(ExportMessage(scanned, label, display or users.get(user) or user, ts,
                                   where))
    return found
