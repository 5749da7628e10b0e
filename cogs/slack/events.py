"""Workspace events: someone rejoining a channel while suspended from it is removed again."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.core.errors import CocBotError
from bot.slack_io.context import deps_of

log = logging.getLogger(__name__)


async def member_joined(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """A kick is not a ban on Slack: a rejoin during an active suspension is undone."""
    deps = deps_of(context)
    user, channel = str(event.get("user") or ""), str(event.get("channel") or "")
    if not user or not channel or user == context.bot_user_id:
        return
    try:
        for sanction in await deps.app.services.sanctions.active_for(deps.person(user)):
            if sanction.subject != deps.person(user):
                continue  # a linked account's suspension elsewhere is not this channel's
            if channel in deps.platform.channels_for(sanction):
                await deps.platform.kick(channel, user)
                log.info("slack: %s rejoined %s during %s; removed again", user, channel,
                         sanction.id)
                return
    except CocBotError as exc:
        log.warning("slack: could not re-apply a suspension in %s: %s", channel, exc)


def register(bolt: AsyncApp) -> None:
    bolt.event("member_joined_channel")(member_joined)
