"""The Member Review Committee on Slack: recusal, motions, reaction votes, counsel, decisions.

Reactions are input only: the vote is stored and the tally recomputed from stored votes.
Slack does not let a bot remove someone else's reaction, so an ineligible one stays
visible; it is never counted, and the bot tells the voter why, privately. Never in the
thread: announcing that a member's vote does not count would single out a member who is
ineligible, for example as the case's anonymous reporter.
"""

from __future__ import annotations

import logging
import re
from typing import Any, NamedTuple

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.errors import CocBotError, InvalidInput
from bot.core.flows.committee import CommitteeFlows
from bot.slack_io import blocks, refs
from bot.slack_io.context import SlackDeps, deps_of
from bot.slack_io.platform import NAME_EMOJI
from cogs.slack import forms
from cogs.slack._common import answering, guard, user_of, words
from cogs.slack.staff import show

log = logging.getLogger(__name__)


STATEMENT_MARK = "statement:"
WITHOUT_STATEMENT = re.compile(r"without[_ -]?statement\s*:", re.IGNORECASE)
DECIDE_USAGE = ("Usage: /decide <C-…>, or, to decide before the subject's statement deadline, "
                "/decide <C-…> without_statement: <the reason>. Nothing was changed.")


class MotionLine(NamedTuple):
    case: str
    text: str
    duration: str | None
    clause: str | None
    review: str | None
    statement: str | None


def parse_motion(line: str) -> MotionLine:
    """``<C-…> [suspend=30d|permanent] [review=1y] [clause=<id>] <text of the motion>
    [statement: <public statement>]``: the case, the motion's words, the suspension it
    decides, the clause it cites and its review period (options anywhere before
    ``statement:``), and everything after ``statement:`` as the public statement."""
    head, _, statement = line.partition(STATEMENT_MARK)
    case, rest = words(head, 1)
    options: dict[str, str] = {}
    said = []
    for word in rest.split():
        key, sep, value = word.partition("=")
        if sep and key in ("suspend", "clause", "review"):
            options[key] = value
        else:
            said.append(word)
    return MotionLine(case, " ".join(said), options.get("suspend"), options.get("clause"),
                      options.get("review"), statement.strip() or None)


def parse_decide(line: str) -> tuple[str, str | None]:
    """``<C-…> [without_statement: <reason>]``: the case and, after the mark, the reason
    to decide without the subject's statement (blank is passed on for the service to
    refuse). Other words after the case are refused rather than ignored, and never taken
    for a reason: skipping the hearing is said in so many words."""
    case, rest = words(line, 1)
    mark = WITHOUT_STATEMENT.match(rest)
    if mark is not None:
        return case, rest[mark.end():]
    if rest.strip():
        raise InvalidInput(DECIDE_USAGE)
    return case, None


async def committee_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                            context: AsyncBoltContext) -> None:
    """``/recuse <C-…> <why>``, ``/motion …``, ``/overrule <C-…> <why>``,
    ``/decide <C-…> [without_statement: <why>]``."""
    deps, reply = await answering(ack, context, respond)
    name = str(command.get("command") or "")
    async with guard(reply, name):
        flows = CommitteeFlows(deps.app.services)
        actor = await deps.actor(user_of(command))
        text = str(command.get("text") or "")
        case, rest = words(text, 1)
        if name == "/motion" and not text.strip():
            await forms.open_motion(deps, command, str(command.get("channel_id") or "") or None,
                                    reply)
            return
        if name == "/motion":
            line = parse_motion(text)
            outcome = await flows.motion(actor, line.case, line.text, suspend_for=line.duration,
                                         clause=line.clause, review=line.review,
                                         statement=line.statement)
        elif name == "/recuse":
            outcome = await flows.recuse(actor, case, rest)
        elif name == "/overrule":
            outcome = await flows.overrule(actor, case, rest)
        else:
            case, reason = parse_decide(text)
            outcome = await flows.decide(actor, case, without_statement=reason)
        await show(deps, command, outcome, reply)


async def apply_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                       respond: AsyncRespond, context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "apply button"):
        outcome = await CommitteeFlows(deps.app.services).apply(
            await deps.actor(user_of(body)), str(action["value"]))
        await show(deps, body, outcome, reply)


async def reaction_added(event: dict[str, Any], context: AsyncBoltContext) -> None:
    await _reaction(deps_of(context), event, context.bot_user_id, added=True)


async def reaction_removed(event: dict[str, Any], context: AsyncBoltContext) -> None:
    await _reaction(deps_of(context), event, context.bot_user_id, added=False)


async def _reaction(deps: SlackDeps, event: dict[str, Any], bot_user: str | None, *,
                    added: bool) -> None:
    """Slack will not let the bot take a reaction away, so a refused voter is told
    privately, in the channel, where only they see it."""
    item = event.get("item") or {}
    user = str(event.get("user") or "")
    if item.get("type") != "message" or not user or user == bot_user:
        return
    message = refs.message_ref(deps.team, str(item["channel"]), str(item["ts"]))
    name = str(event.get("reaction") or "").split("::")[0]  # drop skin tones
    try:
        refused = await CommitteeFlows(deps.app.services).reaction(
            deps.person(user), message, NAME_EMOJI.get(name, ""), f":{name}:", added=added)
        if refused is not None:
            await deps.platform.ephemeral(message.channel, user, refused.text)
    except CocBotError as exc:
        log.warning("reaction on %s not handled: %s", message.key, exc)


def register(bolt: AsyncApp) -> None:
    for name in ("/recuse", "/motion", "/overrule", "/decide"):
        bolt.command(name)(committee_command)
    bolt.action(blocks.APPLY)(apply_button)
    bolt.event("reaction_added")(reaction_added)
    bolt.event("reaction_removed")(reaction_removed)
