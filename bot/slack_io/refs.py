"""Mapping Slack ids, mentions and links to the domain's platform-qualified references.

A Slack *thread* has no id of its own: it is a channel plus the ``ts`` of its first
message. A thread is therefore a ``PlaceRef`` whose id is ``"<channel>/<thread ts>"``
(``"G0123/1700000000.000100"``); ``/`` never occurs in channel ids or timestamps, and
``:`` (the key separator) is avoided. A message inside a thread is a ``MessageRef`` on the
real channel id with its own ``ts``, which is what ``chat.update`` and reactions need.
"""

from __future__ import annotations

import re

from bot.core.errors import InvalidInput
from bot.core.identity import MessageRef, PersonRef, PlaceRef, PlatformName

S = PlatformName.SLACK
THREAD_SEP = "/"
_USER = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|[^>]*)?>|^(?P<bare>[UW][A-Z0-9]{4,})$")
_LINK = re.compile(r"https?://[\w.-]*slack\.com/archives/(?P<channel>[CGD][A-Z0-9]+)/"
                   r"p(?P<sec>\d{10})(?P<frac>\d{6})(?:\?(?P<query>\S*))?")
_THREAD_TS = re.compile(r"thread_ts=(?P<ts>\d{10}\.\d{6})")


def person(team: str, user_id: str) -> PersonRef:
    return PersonRef(S, team, user_id)


def place(team: str, channel_id: str) -> PlaceRef:
    return PlaceRef(S, team, channel_id)


def thread(team: str, channel_id: str, thread_ts: str) -> PlaceRef:
    return PlaceRef(S, team, f"{channel_id}{THREAD_SEP}{thread_ts}")


def split_place(place_ref: PlaceRef) -> tuple[str, str | None]:
    """``(channel, thread_ts)``; ``thread_ts`` is None for a plain channel."""
    channel, _, ts = place_ref.id.partition(THREAD_SEP)
    return channel, ts or None


def message_ref(team: str, channel_id: str, ts: str) -> MessageRef:
    return MessageRef(S, team, channel_id, ts)


def parse_user(text: str) -> str:
    """A user id from ``<@U123|name>`` (escaped command text), ``<@U123>`` or ``U123``."""
    match = _USER.search(text.strip())
    if match is None:
        raise InvalidInput("Please name the person with an @mention (for example @alex).")
    return match["id"] or match["bare"]


def parse_message_link(link: str, team: str) -> tuple[MessageRef, str | None]:
    """A message link (More actions › Copy link) as a reference, plus its thread's ts."""
    match = _LINK.search(link.strip().strip("<>").split("|")[0])
    if match is None:
        raise InvalidInput("That is not a Slack message link. Open the message's menu, choose "
                           "\"Copy link\" and paste it here.")
    thread_match = _THREAD_TS.search(match["query"] or "")
    ts = f"{match['sec']}.{match['frac']}"
    return message_ref(team, match["channel"], ts), thread_match["ts"] if thread_match else None


def message_link(ref: MessageRef) -> str:
    """A link staff can open; Slack redirects ``app.slack.com`` links inside the team."""
    return (f"https://app.slack.com/archives/{ref.channel}/p{ref.id.replace('.', '')}")
