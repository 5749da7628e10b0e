"""What every listener shares: private replies, the error guard, argument parsing."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.core.errors import CocBotError, InvalidInput
from bot.slack_io.blocks import Block, mrkdwn
from bot.slack_io.context import SlackDeps, deps_of

log = logging.getLogger(__name__)
Reply = Callable[..., Awaitable[None]]
SORRY = ("Something went wrong on my side; nothing more was changed. The error is in the "
         "bot's log. Please try again.")


def via_respond(respond: AsyncRespond) -> Reply:
    """Reply through the request's ``response_url``: only the user sees it."""
    async def reply(text: str, blocks: list[Block] | None = None) -> None:
        await respond(text=mrkdwn(text), blocks=blocks, response_type="ephemeral",
                      replace_original=False)
    return reply


async def answering(ack: AsyncAck, context: AsyncBoltContext,
                    respond: AsyncRespond) -> tuple[SlackDeps, Reply]:
    """What every command, button and shortcut listener does first: ack at once (Slack
    gives 3 seconds), then hand back the dependencies and a private reply through the
    request's ``response_url``. The work then runs under :func:`guard`."""
    await ack()
    return deps_of(context), via_respond(respond)


def via_ephemeral(deps: SlackDeps, channel: str | None, user_id: str) -> Reply:
    """Reply for modal submissions, which carry no ``response_url``."""
    async def reply(text: str, blocks: list[Block] | None = None) -> None:
        await deps.platform.ephemeral(channel, user_id, text, blocks)
    return reply


@asynccontextmanager
async def guard(reply: Reply, doing: str) -> AsyncIterator[None]:
    """Domain errors become a polite private reply; anything else is logged, then apologised
    for, so the person is never left without an answer after the ack."""
    try:
        yield
    except CocBotError as exc:
        await _safe(reply, str(exc))
    except Exception:
        log.exception("slack: %s failed", doing)
        await _safe(reply, SORRY)


async def _safe(reply: Reply, text: str) -> None:
    try:
        await reply(text)
    except Exception:
        log.exception("slack: could not even send the error reply")


def words(text: str | None, count: int) -> list[str]:
    """Split command text into ``count`` leading words and the rest (possibly empty)."""
    parts = (text or "").strip().split(maxsplit=count)
    return parts + [""] * (count + 1 - len(parts))


def need(value: str, what: str) -> str:
    if not value.strip():
        raise InvalidInput(f"Please give {what}.")
    return value.strip()


def user_of(body: dict[str, Any]) -> str:
    """The acting user id in a command, action, shortcut or view payload."""
    if "user_id" in body:
        return str(body["user_id"])
    return str(body["user"]["id"])


def channel_of(body: dict[str, Any]) -> str | None:
    if "channel_id" in body:
        return str(body["channel_id"])
    channel = body.get("channel") or {}
    return str(channel["id"]) if channel.get("id") else None
