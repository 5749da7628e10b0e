"""Every message and edit in the channels the bot is in goes through automod; names too.

This module only translates Slack events into ``WatchedMessage``; what is prohibited and
what happens is decided in ``bot.core``. Bolt acknowledges events itself (before the
listener runs unless ``process_before_response``), so a slow scan never makes Slack retry.

Slack specifics, said out loud:

- the text is scanned as Slack sends it (``&lt;`` stays escaped), so an excerpt quoted
  back to staff can never turn a typed ``<!channel>`` into a real ping;
- mentions are counted by ``bot.slack_io.markup`` (shared with ``coc-bot scan``);
- Slack has no roles: an author's "roles" are the user groups that automod's
  ``exempt_roles`` name (``S…`` ids) and that the author belongs to;
- ``message_changed`` also fires when a link preview or a thread reply count changes; an
  event whose text did not change is not scanned again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.core.errors import CocBotError
from bot.core.services import WatchedMessage
from bot.slack_io import refs
from bot.slack_io.context import SlackDeps, deps_of
from bot.slack_io.markup import mentions_in

log = logging.getLogger(__name__)

EDITED = "message_changed"
# subtypes that are a person's own words in a channel (a file with a comment, a thread
# reply also sent to the channel, /me); joins, topics, bots and the like are not scanned
PLAIN_SUBTYPES = frozenset({"file_share", "thread_broadcast", "me_message"})


def when(ts: Any) -> datetime | None:
    """A Slack ``ts`` (``"1700000000.000100"``) as an aware UTC datetime."""
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _shown_name(message: dict[str, Any]) -> str:
    profile = message.get("user_profile") or {}
    return str(profile.get("display_name") or profile.get("real_name") or "")


def _human(message: dict[str, Any], bot_user: str | None) -> str | None:
    """The author's user id when a person (not a bot, not this app) wrote it."""
    user = str(message.get("user") or "")
    if not user or user == bot_user or message.get("bot_id") \
            or message.get("subtype") == "bot_message":
        return None
    return user


def _in_channel(event: dict[str, Any]) -> str | None:
    channel = str(event.get("channel") or "")
    if not channel or channel.startswith("D") or event.get("channel_type") in ("im", "mpim"):
        return None
    return channel


async def _watched(deps: SlackDeps, channel: str, user: str, message: dict[str, Any],
                   sent_at: datetime, *, edited: bool) -> WatchedMessage:
    text = str(message.get("text") or "")
    count, users = mentions_in(text)
    mentioned = tuple(refs.person(deps.team, user).key for user in users)
    roles = await deps.roles.groups_of(user, deps.exempt_groups) \
        if deps.exempt_groups else frozenset()
    return WatchedMessage(
        author=deps.person(user), message=refs.message_ref(deps.team, channel,
                                                           str(message["ts"])),
        text=text, sent_at=sent_at, author_roles=roles, display_name=_shown_name(message),
        mentions=count, mentioned_ids=mentioned, edited=edited)


async def message_event(body: dict[str, Any], event: dict[str, Any],
                        context: AsyncBoltContext) -> None:
    """A new message, or an edit (``message_changed``, scanned with its new text)."""
    deps = deps_of(context)
    channel = _in_channel(event)
    if not deps.app.services.moderation.enabled or channel is None:
        return
    subtype = event.get("subtype")
    if subtype == EDITED:
        message = dict(event.get("message") or {})
        previous = event.get("previous_message") or {}
        if message.get("text") == previous.get("text"):
            return  # a link preview or a reply count changed, not the words
        edited = message.get("edited") or {}
        sent_at = when(edited.get("ts")) or when(event.get("event_ts")) \
            or when(event.get("ts"))
        is_edit = True
    elif subtype is None or subtype in PLAIN_SUBTYPES:
        message, sent_at, is_edit = event, when(event.get("ts")), False
    else:
        return
    user = _human(message, context.bot_user_id)
    if user is None or sent_at is None or not message.get("text") or not message.get("ts"):
        return
    try:
        watched = await _watched(deps, channel, user, message, sent_at, edited=is_edit)
        outcome = await deps.app.services.moderation.watch(watched)
        if outcome is not None:
            log.info("slack: automod %s on %s (%s)", outcome.detection.rule_id,
                     watched.message.key, outcome.incident.id)
    except CocBotError as exc:
        log.warning("slack: automod could not act on %s/%s: %s", channel,
                    message.get("ts"), exc)


async def user_change(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """A profile edit: a new display or real name that reads as a protected person's.

    Slack sends ``user_change`` for any profile edit (a status, a photo) and not the old
    name, so the names last checked are remembered and only a new one is checked.
    """
    deps = deps_of(context)
    user = event.get("user") or {}
    user_id = str(user.get("id") or "")
    if not deps.app.services.moderation.enabled or not user_id or user.get("is_bot") \
            or user.get("deleted") or user_id in (context.bot_user_id, "USLACKBOT"):
        return
    profile = user.get("profile") or {}
    names = tuple(dict.fromkeys(n for n in (
        str(profile.get("display_name") or ""),
        str(profile.get("real_name") or user.get("real_name") or "")) if n))
    before = deps.names.get(user_id) or ()
    deps.names.put(user_id, names)
    fresh = [name for name in names if name not in before]
    if not fresh:
        return
    try:
        roles = await deps.roles.groups_of(user_id, deps.exempt_groups) \
            if deps.exempt_groups else frozenset()
        for name in fresh:
            incident = await deps.app.services.moderation.name_changed(
                deps.person(user_id), name, roles)
            if incident is not None:
                log.info("slack: %s's name %r alerted staff (%s)", user_id, name, incident.id)
                return
    except CocBotError as exc:
        log.warning("slack: impersonation check failed for %s: %s", user_id, exc)


def register(bolt: AsyncApp) -> None:
    bolt.event("message")(message_event)
    bolt.event("user_change")(user_change)
