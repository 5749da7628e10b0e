"""Reading the conversation around a message for evidence, on the Slack Web API.

A channel message's neighbours come from ``conversations.history``: with ``latest`` the
messages closest before it (inclusive, so the message itself comes too), with ``oldest``
alone the ones closest after it. A thread reply is not in the channel's history; its
neighbours are the thread's, from ``conversations.replies`` (which accepts the ts of any
message in a thread and answers with the whole thread, oldest first). One page each, so
the read stays bounded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.identity import MessageRef
from bot.core.ports import ContextMessage
from bot.slack_io import refs
from bot.slack_io.errors import slack_call

THREAD_PAGE = 200
Raw = dict[str, Any]


async def read_context(client: AsyncWebClient, message: MessageRef, before: int,
                       after: int) -> list[ContextMessage]:
    channel, ts = message.channel, message.id
    async with slack_call("read the channel history"):
        earlier = await client.conversations_history(
            channel=channel, latest=ts, inclusive=True, limit=before + 1)
    found: list[Raw] = list(earlier.get("messages") or [])
    if not any(m.get("ts") == ts for m in found):  # a thread reply, or already gone
        thread = await _thread_context(client, message, before, after)
        if thread:
            return thread
    if after > 0:
        async with slack_call("read the channel history"):
            later = await client.conversations_history(channel=channel, oldest=ts,
                                                       limit=after)
        found += list(later.get("messages") or [])
    return _window(message, found, before, after)


async def _thread_context(client: AsyncWebClient, message: MessageRef, before: int,
                          after: int) -> list[ContextMessage]:
    """The window inside the message's thread; empty when it is not in a thread (or gone)."""
    async with slack_call("read the thread", ok=("thread_not_found", "message_not_found")):
        response = await client.conversations_replies(channel=message.channel,
                                                      ts=message.id, limit=THREAD_PAGE)
        thread: list[Raw] = list(response.get("messages") or [])
        if any(m.get("ts") == message.id for m in thread):
            return _window(message, thread, before, after)
    return []


def _key(raw: Raw) -> Decimal:
    return Decimal(str(raw.get("ts") or "0"))


def _window(message: MessageRef, raw: list[Raw], before: int,
            after: int) -> list[ContextMessage]:
    pivot = Decimal(message.id)
    unique = sorted({str(m.get("ts")): m for m in raw if m.get("ts")}.values(), key=_key)
    earlier = [m for m in unique if _key(m) < pivot][-before:] if before else []
    same = [m for m in unique if _key(m) == pivot]
    later = [m for m in unique if _key(m) > pivot][:after]
    return [_seen(message, m) for m in earlier + same + later]


def _seen(message: MessageRef, raw: Raw) -> ContextMessage:
    ts = str(raw["ts"])
    user = raw.get("user")
    files = tuple((str(f.get("name") or f.get("title") or "file"),
                   str(f.get("permalink") or f.get("url_private") or ""))
                  for f in raw.get("files") or [])
    return ContextMessage(
        message=MessageRef(message.platform, message.space, message.channel, ts),
        author=refs.person(message.space, str(user)) if user else None,
        sent_at=datetime.fromtimestamp(float(ts), UTC), text=str(raw.get("text") or ""),
        attachments=files)
