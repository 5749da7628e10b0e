"""Slack's workspace export: a folder or zip of ``channels.json`` and per-day files."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from bot.core.automod import ScannedMessage
from bot.scan._common import ExportError, ExportMessage, load_json, mapping_of, text_of
from bot.slack_io.markup import mentions_in

_SLACK_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
_SLACK_CONVERSATIONS = ("channels.json", "groups.json")  # not mpims.json, dms.json
_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


class FolderSource:
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


class ZipSource:
    def __init__(self, path: Path, archive: zipfile.ZipFile, prefix: str) -> None:
        self.name = str(path)
        self._archive = archive
        self._prefix = prefix
        self._names = set(archive.namelist())

    @classmethod
    def open(cls, path: Path, archive: zipfile.ZipFile) -> ZipSource | None:
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


def read_slack(source: FolderSource | ZipSource, team: str) -> list[ExportMessage]:
    def load(relative: str) -> Any:
        raw = source.read(relative)
        return None if raw is None else load_json(raw, f"{source.name}: {relative}")

    users: dict[str, str] = {}
    for user in load("users.json") or ():
        info = mapping_of(user)
        profile = mapping_of(info.get("profile"))
        user_id = text_of(info.get("id"))
        users[user_id] = (text_of(profile.get("display_name")) or text_of(profile.get("real_name"))
                          or text_of(info.get("real_name")) or text_of(info.get("name")) or user_id)
    found: list[ExportMessage] = []
    for listing in _SLACK_CONVERSATIONS:
        conversations = load(listing)
        if conversations is None:
            continue
        if not isinstance(conversations, list):
            raise ExportError(f"{source.name}: {listing} is not a list of channels.")
        for conversation in conversations:
            info = mapping_of(conversation)
            channel_id = text_of(info.get("id"))
            if not channel_id:
                continue
            folder = text_of(info.get("name")) or channel_id
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
        message = mapping_of(raw)
        user = text_of(message.get("user"))
        if message.get("type") != "message" or not user or message.get("bot_id") \
                or message.get("subtype") not in _SLACK_SUBTYPES:
            continue
        ts = text_of(message.get("ts"))
        try:
            moment = datetime.fromtimestamp(float(ts), UTC)
        except (ValueError, OverflowError) as exc:
            raise ExportError(f"{where}: message {index} has no valid ts ({ts!r}).") from exc
        # Scanned as Slack escapes it (``&lt;``, ``<@U1>``), like the live front-end does.
        text = text_of(message.get("text"))
        mentions, users_mentioned = mentions_in(text)
        profile = mapping_of(message.get("user_profile"))
        display = text_of(profile.get("display_name")) or text_of(profile.get("real_name"))
        scanned = ScannedMessage(
            text=text, author_id=key(user), channel_id=key(channel), timestamp=moment,
            mentions=mentions, mentioned_ids=tuple(key(u) for u in users_mentioned),
            display_name=display)
        found.append(ExportMessage(scanned, label, display or users.get(user) or user, ts,
                                   where))
    return found
