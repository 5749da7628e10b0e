"""Slack's workspace export: a folder or zip of ``channels.json`` and per-day files.

Streamed like the Discord files: ``users.json`` and the channel lists item by item, each
channel's day files one after the other when the merge reaches that channel.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from bot.core.automod import ScannedMessage
from bot.scan._common import ExportError, ExportMessage, mapping_of, text_of
from bot.scan._stream import GuardedReader, Problem, items
from bot.slack_io.markup import mentions_in

_SLACK_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
_SLACK_CONVERSATIONS = ("channels.json", "groups.json")  # not mpims.json, dms.json
_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


class FolderSource:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = str(root)

    def open(self, relative: str) -> IO[bytes] | None:
        path = self.root / relative
        return path.open("rb") if path.is_file() else None

    def size(self, relative: str) -> int:
        return (self.root / relative).stat().st_size

    def day_files(self, folder: str) -> list[str]:
        directory = self.root / folder
        if not directory.is_dir():
            return []
        return sorted(f"{folder}/{p.name}" for p in directory.iterdir()
                      if _DAY_FILE.match(p.name))


class ZipSource:
    def __init__(self, path: Path, archive: zipfile.ZipFile, prefix: str) -> None:
        self.name = str(path)
        self._archive = archive
        self._prefix = prefix
        self._names = set(archive.namelist())

    @classmethod
    def open_archive(cls, path: Path, archive: zipfile.ZipFile) -> ZipSource | None:
        """Slack puts ``channels.json`` at the top; a re-zipped folder has it one level in."""
        tops = sorted((n for n in archive.namelist()
                       if PurePosixPath(n).name == "channels.json" and n.count("/") <= 1),
                      key=lambda n: n.count("/"))
        if not tops:
            return None
        return cls(path, archive, tops[0][: -len("channels.json")])

    def open(self, relative: str) -> IO[bytes] | None:
        name = self._prefix + relative
        return self._archive.open(name) if name in self._names else None

    def size(self, relative: str) -> int:
        return self._archive.getinfo(self._prefix + relative).file_size

    def day_files(self, folder: str) -> list[str]:
        start = f"{self._prefix}{folder}/"
        return sorted(n[len(self._prefix):] for n in self._names
                      if n.startswith(start) and "/" not in n[len(start):]
                      and _DAY_FILE.match(n[len(start):]))


Source = FolderSource | ZipSource


@dataclass(frozen=True, slots=True)
class SlackChannel:
    """One conversation of the export: its day files, read when its turn comes."""

    source: Source
    team: str
    channel_id: str
    label: str
    days: tuple[str, ...]
    users: Mapping[str, str]

    def size(self) -> int:
        return sum(self.source.size(day) for day in self.days)


def _values(source: Source, relative: str, problems: list[Problem]) -> Iterator[Any]:
    """The items of a top-level JSON list in the export, streamed; nothing if absent."""
    raw = source.open(relative)
    if raw is None:
        return
    with raw:
        reader = GuardedReader(raw, f"{source.name}: {relative}", problems)
        yield from items(reader, "item")


def slack_channels(source: Source, team: str, problems: list[Problem]) -> list[SlackChannel]:
    """Every public and private channel of the export, with the names of its users."""
    users: dict[str, str] = {}
    for user in _values(source, "users.json", problems):
        info = mapping_of(user)
        profile = mapping_of(info.get("profile"))
        user_id = text_of(info.get("id"))
        users[user_id] = (text_of(profile.get("display_name")) or text_of(profile.get("real_name"))
                          or text_of(info.get("real_name")) or text_of(info.get("name")) or user_id)
    found: list[SlackChannel] = []
    for listing in _SLACK_CONVERSATIONS:
        for conversation in _values(source, listing, problems):
            if not isinstance(conversation, dict):
                raise ExportError(f"{source.name}: {listing} is not a list of channels.")
            channel_id = text_of(conversation.get("id"))
            if not channel_id:
                continue
            folder = text_of(conversation.get("name")) or channel_id
            found.append(SlackChannel(source, team, channel_id, f"#{folder}",
                                      tuple(source.day_files(folder)), users))
    return found


def read_slack_channel(channel: SlackChannel, problems: list[Problem],
                       on_bytes: Callable[[int], None] | None = None,
                       ) -> Iterator[ExportMessage]:
    """The channel's messages day by day (each day file oldest first, as Slack writes
    them). A day file that breaks off is reported and the next day read."""
    for day in channel.days:
        raw = channel.source.open(day)
        if raw is None:
            continue
        where = f"{channel.source.name}: {day}"
        with raw:
            reader = GuardedReader(raw, where, problems, on_bytes)
            try:
                for index, item in enumerate(items(reader, "item")):
                    message = _slack_message(item, index, where, channel, problems, reader)
                    if message is not None:
                        yield message
            except ExportError as exc:
                problems.append(Problem(where, str(exc).removeprefix(f"{where}: ")))


def _slack_message(raw: object, index: int, where: str, channel: SlackChannel,
                   problems: list[Problem], reader: GuardedReader) -> ExportMessage | None:
    def key(item: str) -> str:
        return f"slack:{channel.team}:{item}"

    message = mapping_of(raw)
    user = text_of(message.get("user"))
    if message.get("type") != "message" or not user or message.get("bot_id") \
            or message.get("subtype") not in _SLACK_SUBTYPES:
        return None
    ts = text_of(message.get("ts"))
    try:
        moment = datetime.fromtimestamp(float(ts), UTC)
    except (ValueError, OverflowError):
        problems.append(Problem(f"{where}: line {reader.line}",
                                f"message {index} has no valid ts ({ts!r}); skipped."))
        return None
    # Scanned as Slack escapes it (``&lt;``, ``<@U1>``), like the live front-end does.
    text = text_of(message.get("text"))
    mentions, users_mentioned = mentions_in(text)
    profile = mapping_of(message.get("user_profile"))
    display = text_of(profile.get("display_name")) or text_of(profile.get("real_name"))
    scanned = ScannedMessage(
        text=text, author_id=key(user), channel_id=key(channel.channel_id), timestamp=moment,
        mentions=mentions, mentioned_ids=tuple(key(u) for u in users_mentioned),
        display_name=display)
    return ExportMessage(scanned, channel.label, display or channel.users.get(user) or user, ts,
                         where)
