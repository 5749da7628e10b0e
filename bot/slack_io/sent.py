"""Recognising a message the bot already posted, so a retried outbox send is not shown twice.

``chat.postMessage`` has no idempotency key. So every message the outbox sends carries its
row id in Slack's message metadata (``event_type`` ``coc_outbox``, ``event_payload``
``{"outbox_id": ...}``): metadata the app attaches to its own messages needs no extra
scope. When a send may already have happened (the worker that made it died before
recording it, or Slack's answer was lost), the adapter first reads the conversation's
history since the row was written (``conversations.history`` with
``include_all_metadata``; ``channels:history``, ``groups:history`` or ``im:history``) and,
if the message is there, answers with it instead of posting again.

The read is bounded (``PAGES`` pages of ``PAGE`` messages, newest pages last); in a
conversation busier than that since the row was written, the message is posted again and
a warning says so: a duplicate is the lesser harm than a lost notice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_io.errors import slack_call

log = logging.getLogger(__name__)

EVENT_TYPE = "coc_outbox"
PAGE = 200
PAGES = 10
SKEW = timedelta(minutes=10)
"""Looked back this much further than the row's time: Slack's clock is not ours, and a
direct send retried through the outbox was made just before its row was written."""


def metadata(outbox_id: str) -> dict[str, Any]:
    """What a message sent for an outbox row carries (the ``metadata`` argument)."""
    return {"event_type": EVENT_TYPE, "event_payload": {"outbox_id": outbox_id}}


def _carries(message: dict[str, Any], outbox_id: str) -> bool:
    meta = message.get("metadata")
    if not isinstance(meta, dict) or meta.get("event_type") != EVENT_TYPE:
        return False
    payload = meta.get("event_payload")
    return isinstance(payload, dict) and payload.get("outbox_id") == outbox_id


async def find_sent(client: AsyncWebClient, channel: str, outbox_id: str,
                    since: datetime) -> str | None:
    """The ts of the message in ``channel`` sent for ``outbox_id`` since ``since``, if any.

    A failure to read raises (as ``PlatformUnavailable`` or ``PlatformError``): not
    knowing whether it was sent, the caller must not post blindly."""
    oldest = f"{(since - SKEW).timestamp():.6f}"
    cursor: str | None = None
    for _ in range(PAGES):
        async with slack_call("check whether the message was already sent"):
            page = await client.conversations_history(
                channel=channel, oldest=oldest, limit=PAGE, include_all_metadata=True,
                cursor=cursor)
        for message in page.get("messages") or []:
            if isinstance(message, dict) and _carries(message, outbox_id):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            return None
    log.warning("outbox %s: more than %d messages in %s since it was queued; not all were "
                "read, so it may be shown twice", outbox_id[:8], PAGE * PAGES, channel)
    return None
