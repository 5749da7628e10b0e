"""Outcomes on Slack: staff publishing a statement the committee decided, and the wishes
of the person harmed (a multi-select and a form in their DM).

Every button and select carries its reference (motion in ``value``, case in ``block_id``),
so a click on a message posted before a restart works the same.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.flows.outcomes import OutcomeFlows
from bot.core.services.wishes import NOTE_LIMIT
from bot.slack_io import blocks
from bot.slack_io.context import deps_of
from cogs.slack._common import answering, channel_of, guard, user_of, via_ephemeral
from cogs.slack.staff import show


async def publish_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                         respond: AsyncRespond, context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "publish button"):
        outcome = await OutcomeFlows(deps.app.services).publish_statement(
            await deps.actor(user_of(body)), str(action["value"]))
        await show(deps, body, outcome, reply)


async def wishes_chosen(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        respond: AsyncRespond, context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "wishes select"):
        case = str(action["block_id"]).removeprefix(blocks.WISHES_BLOCK_PREFIX)
        values = [str(o.get("value")) for o in action.get("selected_options") or []]
        outcome = await OutcomeFlows(deps.app.services).choose_wishes(
            deps.person(user_of(body)), case, values)
        await show(deps, body, outcome, reply)


async def wish_note_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                           respond: AsyncRespond, context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "wishes form"):
        await deps.platform.open_view(str(body["trigger_id"]), blocks.wish_note_modal(
            str(action["value"]), channel_of(body) or "", NOTE_LIMIT))


async def wish_note_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                              context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    meta: dict[str, str] = json.loads(view.get("private_metadata") or "{}")
    reply = via_ephemeral(deps, meta.get("channel") or None, user_of(body))
    async with guard(reply, "wishes form"):
        note = blocks.view_value(view["state"]["values"], "note") or ""
        outcome = await OutcomeFlows(deps.app.services).write_wishes(
            deps.person(user_of(body)), str(meta.get("case") or ""), note)
        await show(deps, body, outcome, reply)


def register(bolt: AsyncApp) -> None:
    bolt.action(blocks.PUBLISH)(publish_button)
    bolt.action(blocks.WISHES)(wishes_chosen)
    bolt.action(blocks.WISH_NOTE)(wish_note_button)
    bolt.view(blocks.WISH_NOTE_VIEW)(wish_note_submitted)
