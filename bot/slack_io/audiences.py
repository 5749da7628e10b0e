"""Who reads an audience's channel on Slack, and a case's own private conversation.

``in_audience``: a user is in an audience when the configuration seats them there (their
id, or a user group they are in, read fresh with ``usergroups.users.list``) or when they
are a member of its channel (``conversations.members``, every page). Unlike the role
lookups for commands, nothing falls back on a cached answer: a failed read raises, and
the core then keeps the matter away from that channel.

``open_case_conversation``: Slack threads cannot be private, so a case about someone in
the committee's channel is discussed in a private conversation of its own
(``conversations.create`` with ``is_private``), to which only the members given (the
eligible committee members and counsel) are invited. Nothing is posted in the
committee's channel about it: a pointer there would tell its subject that a case about
one of its members exists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.identity import PersonRef, PlatformName
from bot.core.ports import Audience
from bot.slack_io.context import read_group
from bot.slack_io.errors import slack_call
from config.settings import SlackSettings

NAME_TAKEN = "name_taken"
MAX_NAME = 80
ATTEMPTS = 5
_NOT_NAME = re.compile(r"[^a-z0-9_-]+")


def seats(settings: SlackSettings, audience: Audience) -> tuple[str, ...]:
    """The user ids and user group ids the configuration seats in ``audience``."""
    return {Audience.STAFF: settings.staff, Audience.COMMITTEE: settings.committee,
            Audience.EXECUTIVE: settings.executive}[audience]


async def in_audience(client: AsyncWebClient, settings: SlackSettings, channel: str | None,
                      audience: Audience, person: PersonRef) -> bool:
    """Whether ``person`` holds the audience's seat or is in its ``channel``."""
    if person.platform is not PlatformName.SLACK or person.space != settings.team_id:
        return False  # another workspace's account cannot read this one's channels
    user = person.id
    for ident in seats(settings, audience):
        if ident == user:
            return True
        if ident.startswith("S") and user in await read_group(client, ident):
            return True
    return channel is not None and await _member_of(client, channel, user)


async def _member_of(client: AsyncWebClient, channel: str, user: str) -> bool:
    cursor: str | None = None
    while True:
        async with slack_call("read the channel's members"):
            response = await client.conversations_members(channel=channel, cursor=cursor,
                                                          limit=1000)
        if user in (response.get("members") or []):
            return True
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return False


def conversation_name(title: str, attempt: int) -> str:
    """A channel name Slack accepts (lower case, digits, ``-``/``_``, at most 80), from the
    case's title: ``coc-case-c-7k2m``; ``-2``, ``-3``… when the name is taken."""
    base = _NOT_NAME.sub("-", f"coc-{title}".lower()).strip("-")[:MAX_NAME - 4]
    return base if attempt == 0 else f"{base}-{attempt + 1}"


async def open_case_conversation(client: AsyncWebClient, title: str,
                                 members: Sequence[PersonRef]) -> str:
    """Create the private conversation and invite ``members`` (never anyone else);
    returns its id. A name already taken (an archived conversation of the same case, say)
    gets a suffix; after ``ATTEMPTS`` the refusal is raised."""
    channel: str | None = None
    for attempt in range(ATTEMPTS):
        last = attempt == ATTEMPTS - 1
        async with slack_call("create the case's private conversation",
                              ok=() if last else (NAME_TAKEN,)):
            response = await client.conversations_create(
                name=conversation_name(title, attempt), is_private=True)
            channel = str(response["channel"]["id"])
        if channel is not None:
            break
    assert channel is not None  # the last attempt raised otherwise
    users = sorted({m.id for m in members})
    if users:
        async with slack_call("invite the case's members", ok=("already_in_channel",)):
            await client.conversations_invite(channel=channel, users=",".join(users))
    return channel
