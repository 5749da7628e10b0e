"""Hearing the subject on Slack: the statement button and form in their DM, the button
that ends a relayed conversation, their DMs to the bot (``message`` events with
``channel_type: im``), and ``/case contact|reply|end-contact`` for committee members."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.errors import CocBotError, PlatformError
from bot.core.flows import Outcome
from bot.core.flows.relay import RelayFlows
from bot.core.flows.statements import StatementFlows
from bot.core.models import Actor
from bot.core.ports import Notice, NoticeKind
from bot.slack_io import blocks
from bot.slack_io.context import SlackDeps, deps_of
from cogs.slack._common import (
    Reply,
    answering,
    channel_of,
    guard,
    need,
    user_of,
    via_respond,
)

log = logging.getLogger(__name__)
CASE_VERBS = frozenset({"contact", "reply", "end-contact"})


def _dm_reply(deps: SlackDeps, user: str) -> Reply:
    """Answer in the person's DM with the bot (a form submission has no response_url)."""
    async def reply(text: str, blocks_: list[Any] | None = None) -> None:
        await deps.platform.send_dm(deps.person(user), Notice(NoticeKind.INFO, text))
    return reply


async def statement_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                           respond: AsyncRespond, context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    async with guard(via_respond(respond), "statement button"):
        user = user_of(body)
        outcome = await StatementFlows(deps.app.services).open_form(
            Actor(deps.person(user)), str(action["value"]))
        form = outcome.statement
        if form is not None:
            await deps.platform.open_view(str(body["trigger_id"]), blocks.statement_modal(
                form.case_id, form.current, form.limit, channel_of(body) or ""))


async def statement_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                              context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    user = user_of(body)
    reply = _dm_reply(deps, user)
    async with guard(reply, "statement form"):
        case = str(json.loads(view.get("private_metadata") or "{}").get("case") or "")
        text = blocks.view_value(view.get("state", {}).get("values", {}), "statement") or ""
        outcome = await StatementFlows(deps.app.services).submit(Actor(deps.person(user)),
                                                                 case, text)
        await reply(outcome.text or "")


async def end_contact_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                             respond: AsyncRespond, context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "end conversation button"):
        outcome = await RelayFlows(deps.app.services).end(
            await deps.actor(user_of(body)), str(action["value"]))
        await reply(outcome.text or "")


async def is_direct_message(event: dict[str, Any]) -> bool:
    return event.get("channel_type") == "im"


async def direct_message(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """Someone wrote to the bot: relayed within an open conversation; told either way.
    Edits, deletions and the bot's own messages are not relayed."""
    deps = deps_of(context)
    user = str(event.get("user") or "")
    if event.get("subtype") or event.get("bot_id") or not user \
            or user == context.bot_user_id:
        return
    reply = _dm_reply(deps, user)
    async with guard(reply, "direct message"):
        outcome = await RelayFlows(deps.app.services).from_subject(
            deps.person(user), str(event.get("text") or ""))
        try:
            await reply(outcome.text or "")
        except PlatformError as exc:
            log.info("slack: could not answer a DM: %s", exc)


async def case_verb(deps: SlackDeps, actor: Actor, verb: str, ref: str,
                    text: str) -> Outcome:
    """``/case contact C-…`` · ``/case reply C-… <text>`` · ``/case end-contact C-…``."""
    relay = RelayFlows(deps.app.services)
    if verb == "contact":
        return await relay.contact(actor, ref)
    if verb == "reply":
        return await relay.reply(actor, ref, need(text, "the message for the subject"))
    return await relay.end(actor, ref)


def register(bolt: AsyncApp) -> None:
    bolt.action(blocks.STATEMENT)(statement_button)
    bolt.view(blocks.STATEMENT_VIEW)(statement_submitted)
    bolt.action(blocks.END_CONTACT)(end_contact_button)
    # before the automod listener: Bolt runs the first listener that matches an event
    bolt.event("message", matchers=[is_direct_message])(direct_message)


__all__ = ["CASE_VERBS", "CocBotError", "case_verb", "register"]
