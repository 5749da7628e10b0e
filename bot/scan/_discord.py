"""DiscordChatExporter JSON: one file per channel with ``guild``, ``channel``, ``messages``.

Read as a stream: the header (``guild``, ``channel``, which the exporter writes before the
messages) in a first short pass, then the messages one at a time. A message that cannot be
read (not an object, a timestamp that is not one) is skipped and reported; a file that is
cut off or stops being JSON ends there, after every message before it was scanned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson

from bot.core.automod import MASS_MENTION_WEIGHT, ScannedMessage
from bot.scan._common import ExportError, ExportMessage, mapping_of, parse_time, text_of
from bot.scan._stream import CHUNK, GuardedReader, Problem, items, unreadable

# Message kinds a person wrote; joins, pins, topic changes and the like are not scanned.
_DISCORD_TYPES = frozenset({"Default", "Reply"})
_DISCORD_EVERYONE = re.compile(r"(?:^|\s)@(?:everyone|here)\b")
_HEADER = ("guild", "channel")


@dataclass(frozen=True, slots=True)
class DiscordFile:
    """A DiscordChatExporter file whose header was read; its messages not yet."""

    path: Path
    guild: str
    channel_id: str
    channel_name: str
    category: str

    def key(self, item: str) -> str:
        return f"discord:{self.guild}:{item}"


def sniff_discord(path: Path) -> DiscordFile | None:
    """The file's header if it is a DiscordChatExporter export, None if it is JSON of
    another shape; ``ExportError`` if it is not JSON at all (or is cut off before its
    messages start)."""
    with path.open("rb") as raw:
        reader = GuardedReader(raw, str(path), [])
        try:
            header = _header(ijson.parse(reader, buf_size=CHUNK))
        except ijson.JSONError as exc:
            raise unreadable(reader, exc) from exc
    if header is None or not {*_HEADER, "messages"} <= header.keys():
        return None
    if header["messages"] != "start_array":
        raise ExportError(f"{path}: 'messages' is not a list.")
    channel = mapping_of(header["channel"])
    channel_id = text_of(channel.get("id"))
    if not channel_id:
        raise ExportError(f"{path}: the channel has no id.")
    return DiscordFile(path, text_of(mapping_of(header["guild"]).get("id")) or "0", channel_id,
                       text_of(channel.get("name")) or channel_id,
                       text_of(channel.get("categoryId")))


def _header(events: Iterator[tuple[str, str, Any]]) -> dict[str, Any] | None:
    """Top-level ``guild`` and ``channel`` objects, up to where ``messages`` starts (with
    the event that starts it: ``start_array`` for a list). None unless a JSON object."""
    first = next(events, None)
    if first is None or first[1] != "start_map":
        return None
    header: dict[str, Any] = {}
    key = ""
    builder: ijson.ObjectBuilder | None = None
    for prefix, event, value in events:
        if prefix == "":  # a top-level key, or the end of the object
            if builder is not None:
                header[key], builder = builder.value, None
            if event == "map_key" and value == "messages":
                header["messages"] = next(events, ("", "", None))[1]
                return header
            if event == "map_key" and value in _HEADER:
                key, builder = value, ijson.ObjectBuilder()
            continue
        if builder is not None:
            builder.event(event, value)
    return header


def read_discord(export: DiscordFile, problems: list[Problem],
                 on_bytes: Callable[[int], None] | None = None) -> Iterator[ExportMessage]:
    """The file's messages a person wrote, in the file's order (the exporter's: oldest
    first). Unreadable messages become ``problems``; a broken file raises ``ExportError``
    after every message before the break."""
    where = str(export.path)
    with export.path.open("rb") as raw:
        reader = GuardedReader(raw, where, problems, on_bytes)
        for index, item in enumerate(items(reader, "messages.item")):
            try:
                message = _message(export, item, f"{where}: messages[{index}]")
            except ExportError as exc:
                problems.append(Problem(f"{where}: line {reader.line}", str(exc)))
                continue
            if message is not None:
                yield message


def _message(export: DiscordFile, raw: object, where: str) -> ExportMessage | None:
    if not isinstance(raw, dict):
        raise ExportError(f"{where} is not an object.")
    if text_of(raw.get("type")) not in _DISCORD_TYPES and "type" in raw:
        return None
    author = mapping_of(raw.get("author"))
    if author.get("isBot") is True:
        return None
    author_id = text_of(author.get("id"))
    mentioned = tuple(dict.fromkeys(
        export.key(text_of(mapping_of(m).get("id"))) for m in raw.get("mentions") or ()
        if text_of(mapping_of(m).get("id"))))
    text = text_of(raw.get("content"))
    display = text_of(author.get("nickname")) or text_of(author.get("name"))
    mentions = len(mentioned) + (MASS_MENTION_WEIGHT if _DISCORD_EVERYONE.search(text) else 0)
    scanned = ScannedMessage(
        text=text, author_id=export.key(author_id), channel_id=export.key(export.channel_id),
        category_id=export.key(export.category) if export.category else None,
        timestamp=parse_time(raw.get("timestamp"), where),
        author_roles=frozenset(text_of(mapping_of(r).get("id")) for r in _roles(author)),
        mentions=mentions, mentioned_ids=mentioned, display_name=display)
    return ExportMessage(scanned, f"#{export.channel_name}", display or author_id,
                         text_of(raw.get("id")), str(export.path))


def _roles(author: Mapping[str, Any]) -> Iterable[object]:
    roles = author.get("roles")
    return roles if isinstance(roles, list) else ()
