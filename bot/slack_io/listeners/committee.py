"""The Member Review Committee on Slack: recusal, motions, reaction votes, counsel, decisions.

Reactions are input only: the vote is stored and the tally recomputed from stored votes.
Slack does not let a bot remove someone else's reaction, so an ineligible one stays
visible; it is never counted, and the bot tells the voter why, privately. Never in the
thread: announcing that a member's vote does not count would single out a member who is
ineligible, for example as the case's anonymous reporter.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.errors import CocBotError, InvalidInput
from bot.core.identity import MessageRef
from bot.core.models import Motion
from bot.core.services import ProposedSanction
from bot.core.services.cases import VOTE_EMOJI
from bot.slack_io import blocks, refs
from bot.slack_io.context import SlackDeps, deps_of
from bot.slack_io.listeners._common import answering, guard, need, user_of, words
from bot.slack_io.platform import NAME_EMOJI

log = logging.getLogger(__name__)
MOTION_USAGE = ("Usage: /motion <C-…> [suspend=30d] [clause=<id>] <text of the motion>, "
                "e.g. /motion C-7K3Q9AX suspend=30d Suspend for 30 days for harassment")


async def recuse_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/recuse"):
        case, reason = words(command.get("text"), 1)
        await deps.app.services.cases.recuse(await deps.actor(user_of(command)),
                                             need(case, "the case reference (C-…)"), reason)
        await reply(f"You are recused from {case}; none of your votes on it count.")


async def motion_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/motion"):
        case, rest = words(command.get("text"), 1)
        if not (case and rest):
            raise InvalidInput(MOTION_USAGE)
        duration, clause, text = None, "no-harassment", []
        for word in rest.split():
            if word.startswith("suspend="):
                duration = word.removeprefix("suspend=")
            elif word.startswith("clause="):
                clause = word.removeprefix("clause=")
            else:
                text.append(word)
        proposed = ProposedSanction(duration, clause) if duration else None
        motion = await deps.app.services.cases.propose(
            await deps.actor(user_of(command)), case, " ".join(text), proposed)
        await reply(f"Motion {motion.id} is open for votes: react with ✅ (yes), ❌ (no) or "
                    "➖ (abstain).")


async def overrule_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                           context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/overrule"):
        case, reason = words(command.get("text"), 1)
        motion = await deps.app.services.decisions.overrule(
            await deps.actor(user_of(command)), need(case, "the case reference (C-…)"), reason)
        await reply(f"Motion {motion.id} overruled; the reason is recorded.")


async def decide_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/decide"):
        case, _ = words(command.get("text"), 1)
        decided, delivered = await deps.app.services.decisions.decide(
            await deps.actor(user_of(command)), need(case, "the case reference (C-…)"))
        if delivered and decided.appeal_deadline:
            await reply("Decision sent by DM. Appeals are open until "
                        f"{deps.platform.format_time(decided.appeal_deadline)}.")
        else:
            await reply("The decision is recorded but could not be delivered by DM. Tell them "
                        "in writing another way, then run /case communicated "
                        f"{decided.id} to start the appeal window.")


async def apply_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                       respond: AsyncRespond, context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "apply button"):
        sanction = await deps.app.services.decisions.apply_sanction(
            await deps.actor(user_of(body)), str(action["value"]))
        end = deps.platform.format_time(sanction.ends_at) if sanction.ends_at else "permanent"
        await reply(f"Applied: suspension {sanction.id} (until {end}).")


async def reaction_added(event: dict[str, Any], context: AsyncBoltContext) -> None:
    await _reaction(deps_of(context), event, context.bot_user_id, added=True)


async def reaction_removed(event: dict[str, Any], context: AsyncBoltContext) -> None:
    await _reaction(deps_of(context), event, context.bot_user_id, added=False)


async def _reaction(deps: SlackDeps, event: dict[str, Any], bot_user: str | None, *,
                    added: bool) -> None:
    item = event.get("item") or {}
    user = str(event.get("user") or "")
    if item.get("type") != "message" or not user or user == bot_user:
        return
    services = deps.app.services
    message = refs.message_ref(deps.team, str(item["channel"]), str(item["ts"]))
    name = str(event.get("reaction") or "").split("::")[0]  # drop skin tones
    try:
        motion = await services.cases.motion_for_message(message)
        if motion is None:
            return
        choice = VOTE_EMOJI.get(NAME_EMOJI.get(name, ""))
        voter = deps.person(user)
        if choice is None:
            if added:
                await _say_not_counted(deps, motion, message, user, name,
                                       "only ✅ (yes), ❌ (no) and ➖ (abstain) are votes.")
            return
        if not added:
            await services.cases.retract(voter, motion.id, choice)
            return
        outcome = await services.cases.vote(voter, motion.id, choice)
        if not outcome.counted:
            log.info("vote on %s not counted: %s", motion.id, outcome.notice)
            await _say_not_counted(deps, motion, message, user, name, outcome.reason)
    except CocBotError as exc:
        log.warning("reaction on %s not handled: %s", message.key, exc)


async def _say_not_counted(deps: SlackDeps, motion: Motion, message: MessageRef, user: str,
                           name: str, reason: str) -> None:
    """Slack will not let the bot take the reaction away, so the voter is told privately."""
    await deps.platform.ephemeral(message.channel, user,
                                  f"Your :{name}: reaction on motion {motion.id} does not "
                                  f"count: {reason}")


def register(bolt: AsyncApp) -> None:
    bolt.command("/recuse")(recuse_command)
    bolt.command("/motion")(motion_command)
    bolt.command("/overrule")(overrule_command)
    bolt.command("/decide")(decide_command)
    bolt.action(blocks.APPLY)(apply_button)
    bolt.event("reaction_added")(reaction_added)
    bolt.event("reaction_removed")(reaction_removed)
