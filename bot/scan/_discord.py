"""DiscordChatExporter JSON: one file per channel with ``guild``, ``channel``, ``messages``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.core.automod import MASS_MENTION_WEIGHT, ScannedMessage
from bot.scan._common import ExportError, ExportMessage, mapping_of, parse_time, text_of

# Message kinds a person wrote; joins, pins, topic changes and the like are not scanned.
_DISCORD_TYPES = frozenset({"Default", "Reply"})
_DISCORD_EVERYONE = re.compile(r"(?:^|\s)@(?:everyone|here)\b")


def read_discord(data: Mapping[str, Any], where: str) -> list[ExportMessage]:
    guild = text_of(mapping_of(data["guild"]).get("id")) or "0"
    channel_info = mapping_of(data["channel"])
    channel_id = text_of(channel_info.get("id"))
    if not channel_id:
        raise ExportError(f"{where}: the channel has no id.")
    raw_messages = data["messages"]
    if not isinstance(raw_messages, list):
        raise ExportError(f"{where}: 'messages' is not a list.")
    name = text_of(channel_info.get("name")) or channel_id
    category = text_of(channel_info.get("categoryId"))

    def key(item: str) -> str:
        return f"discord:{guild}:{item}"

    found = []
    for index, raw in enumerate(raw_messages):
        if not isinstance(raw, dict):
            raise ExportError(f"{where}: messages[{index}] is not an object.")
        if text_of(raw.get("type")) not in _DISCORD_TYPES and "type" in raw:
            continue
        author = mapping_of(raw.get("author"))
        if author.get("isBot") is True:
            continue
        author_id = text_of(author.get("id"))
        mentioned = tuple(dict.fromkeys(
            key(text_of(mapping_of(m).get("id"))) for m in raw.get("mentions") or ()
            if text_of(mapping_of(m).get("id"))))
        text = text_of(raw.get("content"))
        display = text_of(author.get("nickname")) or text_of(author.get("name"))
        mentions = len(mentioned) + (MASS_MENTION_WEIGHT if _DISCORD_EVERYONE.search(text) else 0)
        scanned = ScannedMessage(
            text=text, author_id=key(author_id),
            channel_id=key(channel_id), category_id=key(category) if category else None,
            timestamp=parse_time(raw.get("timestamp"), f"{where}: messages[{index}]"),
            author_roles=frozenset(text_of(mapping_of(r).get("id")) for r in _roles(author)),
            mentions=mentions, mentioned_ids=mentioned, display_name=display)
        found.append(ExportMessage(scanned, f"#{name}", display or author_id,
                                   text_of(raw.get("id")), where))
    return found


def _roles(author: Mapping[str, Any]) -> Iterable[object]:
    roles = author.get("roles")
    return roles if isinstance(roles, list) else ()
