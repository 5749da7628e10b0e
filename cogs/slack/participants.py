"""Participants: ``/code`` (read, accept; staff publish and track) and ``/appeal``.

``/appeal`` works in a DM with the bot too: a person suspended from every managed
channel can still reach it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.flows.appeals import AppealFlows
from bot.core.flows.code import CodeFlows
from bot.slack_io import blocks, refs
from cogs.slack._common import answering, guard, user_of, words
from cogs.slack.staff import SlackDirectory, show


async def code_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                       context: AsyncBoltContext) -> None:
    """``/code`` shows the Code for this channel; ``publish`` and ``status`` are for staff."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/code"):
        flows = CodeFlows(deps.app.services)
        verb, rest = words(command.get("text"), 1)
        user = user_of(command)
        if verb == "publish":
            outcome = await flows.publish(await deps.actor(user), rest, SlackDirectory(deps))
        elif verb == "status":
            outcome = await flows.status(await deps.actor(user), SlackDirectory(deps))
        else:
            outcome = await flows.show(
                refs.place(deps.team, str(command.get("channel_id") or "")))
        await show(deps, command, outcome, reply)


async def accept_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        respond: AsyncRespond, context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "accept button"):
        outcome = await CodeFlows(deps.app.services).accept(deps.person(user_of(body)),
                                                            str(action["value"]))
        await show(deps, body, outcome, reply)


async def appeal_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
    """``/appeal <C-…> <why>``; the Executive: ``/appeal decide <A-…> <outcome> <why>``."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/appeal"):
        flows = AppealFlows(deps.app.services)
        first, rest = words(command.get("text"), 1)
        user = user_of(command)
        if first == "decide":
            ref, outcome, reason = words(rest, 2)
            result = await flows.decide(await deps.actor(user), ref, outcome, reason)
        else:
            result = await flows.file(deps.person(user), first, rest)
        await show(deps, command, result, reply)


def register(bolt: AsyncApp) -> None:
    bolt.command("/code")(code_command)
    bolt.action(blocks.ACCEPT)(accept_button)
    bolt.command("/appeal")(appeal_command)
