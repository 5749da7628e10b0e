"""Participants: ``/code`` (read, accept; staff publish and track) and ``/appeal``.

``/appeal`` works in a DM with the bot too: a person suspended from every managed
channel can still reach it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.errors import InvalidInput
from bot.core.models import AppealStatus
from bot.slack_io import blocks, refs
from bot.slack_io.context import SlackDeps
from bot.slack_io.listeners._common import (
    Reply,
    answering,
    guard,
    need,
    user_of,
    words,
)

CHUNK = 2900
APPEAL_USAGE = ("Usage: /appeal <C-…> <why the decision should change> · Executive "
                "Committee: /appeal decide <A-…> <upheld|modified|overturned> <reason>")


async def code_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                       context: AsyncBoltContext) -> None:
    """``/code`` shows the Code for this channel; ``publish`` and ``status`` are for staff."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/code"):
        verb, rest = words(command.get("text"), 1)
        user = user_of(command)
        if verb == "publish":
            await _publish(deps, user, rest, reply)
        elif verb == "status":
            await _status(deps, user, reply)
        else:
            await _show(deps, str(command.get("channel_id") or ""), reply)


async def _show(deps: SlackDeps, channel: str, reply: Reply) -> None:
    app = deps.app
    profile = app.settings.profiles.for_place(refs.place(deps.team, channel).key,
                                              f"slack:{deps.team}")
    text = blocks.mrkdwn(app.settings.code.render(profile))
    version = await app.services.code.current()
    chunks = [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]
    for chunk in chunks[:-1]:
        await reply(chunk)
    if version is None:
        await reply(chunks[-1])
    else:
        await reply(chunks[-1], blocks.accept_blocks(chunks[-1], version.id))


async def _publish(deps: SlackDeps, user: str, summary: str, reply: Reply) -> None:
    services = deps.app.services
    version = await services.code.publish(await deps.staff(user), summary)
    result = await services.code.prompt(await deps.platform.members())
    failed = f" {len(result.undeliverable)} could not be reached by DM." \
        if result.undeliverable else ""
    await reply(f"Published {version.id}. Asked {result.sent} members to accept it.{failed}")


async def _status(deps: SlackDeps, user: str, reply: Reply) -> None:
    members = await deps.platform.members()
    result = await deps.app.services.code.status(await deps.actor(user), members)
    pending = ", ".join(f"<@{p.id}>" for p in result.pending[:80]) or "nobody"
    more = f" and {len(result.pending) - 80} more" if len(result.pending) > 80 else ""
    await reply(f"*{result.version.id}*: {len(result.accepted)} accepted, "
                f"{len(result.pending)} not yet.\nNot yet: {pending}{more}")


async def accept_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        respond: AsyncRespond, context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "accept button"):
        version = str(action["value"])
        await deps.app.services.code.accept(deps.person(user_of(body)), version)
        await reply(f"Thank you for accepting the Code of Conduct ({version}).")


async def appeal_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/appeal"):
        first, rest = words(command.get("text"), 1)
        user = user_of(command)
        if first == "decide":
            ref, outcome, reason = words(rest, 2)
            if outcome not in ("upheld", "modified", "overturned"):
                raise InvalidInput(APPEAL_USAGE)
            decided = await deps.app.services.appeals.decide(
                await deps.actor(user), ref, AppealStatus(outcome), reason)
            await reply(f"Appeal {decided.id} {outcome}; the case is final and the appellant "
                        "was told.")
            return
        if not first:
            raise InvalidInput(APPEAL_USAGE)
        appeal = await deps.app.services.appeals.file(deps.person(user), first,
                                                      need(rest, "the reason for the appeal"))
        await reply(f"Your appeal {appeal.id} of case {appeal.case_id} was sent to the "
                    "Executive Committee. You will get their decision by DM.")


def register(bolt: AsyncApp) -> None:
    bolt.command("/code")(code_command)
    bolt.action(blocks.ACCEPT)(accept_button)
    bolt.command("/appeal")(appeal_command)
