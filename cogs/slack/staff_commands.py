"""Staff slash commands: ``/suspend``, ``/unsuspend``, ``/history``, ``/case``, ``/link``,
``/incident reverse``.

Slash commands on Slack take one line of text; each command documents its word order in
the manifest's usage hint and answers a malformed line with the usage. The rest is the
flows' (``bot.core.flows``): what they say, and (through the services) who may.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.errors import InvalidInput
from bot.core.flows import Outcome
from bot.core.flows.cases import CASE_SEVERITIES, CaseFlows
from bot.core.flows.records import RecordFlows
from bot.core.flows.staff import DEFAULT_CLAUSE
from bot.core.models import Actor
from bot.slack_io import refs
from bot.slack_io.context import SlackDeps
from cogs.slack import forms, hearing
from cogs.slack._common import answering, guard, user_of, words
from cogs.slack.staff import show, staff_flows, suspend

CASE_USAGE = ("Usage: /case open @person [severe] <summary> · /case show <C-…> · "
              "/case file <C-…> · "
              "/case communicated <C-…> · /case close <C-…> <reason> · "
              "/case contact <C-…> · /case reply <C-…> <text> · /case end-contact <C-…>")
INCIDENT_USAGE = "Usage: /incident reverse <I-…> <why it was a mistake>"
UNSUSPEND_USAGE = "Usage: /unsuspend @person [reason]"
HISTORY_USAGE = "Usage: /history @person"
LINK_USAGE = ("Usage: /link @person <their other account: a Discord user id, another "
              "@person, or platform:space:id>")
SUSPEND_USAGE = ("Usage: /suspend @person <30m|12h|7d|2w|permanent> <channel|workspace> "
                 "<reason> [confirm]. Add `clause=<id>` to cite another part of the Code, "
                 "and `review=1y` (6mo, 90d) to a permanent one to set its review date.")


def _channel(command: dict[str, Any]) -> str | None:
    return str(command.get("channel_id") or "") or None


async def suspend_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                          context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/suspend"):
        if not str(command.get("text") or "").strip():
            await forms.open_suspend(deps, command, _channel(command))
            return
        who, duration, scope, rest = words(command.get("text"), 3)
        if not (who and duration and scope and rest):
            raise InvalidInput(SUSPEND_USAGE)
        reason_words, clause, confirmed, review = [], DEFAULT_CLAUSE, False, None
        for word in rest.split():
            if word.lower() == "confirm":
                confirmed = True
            elif word.startswith("clause="):
                clause = word.removeprefix("clause=")
            elif word.startswith("review="):
                review = word.removeprefix("review=")
            else:
                reason_words.append(word)
        await suspend(deps, command, deps.person(refs.parse_user(who)), reply,
                      duration=duration, scope=scope, reason=" ".join(reason_words),
                      here=str(command.get("channel_id") or "") or None, clause_id=clause,
                      confirmed=confirmed, review=review)


async def unsuspend_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                            context: AsyncBoltContext) -> None:
    """``/unsuspend @person [reason]``."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/unsuspend"):
        who, reason = words(command.get("text"), 1)
        if not who:
            raise InvalidInput(UNSUSPEND_USAGE)
        await show(deps, command, await staff_flows(deps).unsuspend(
            await deps.actor(user_of(command)), deps.person(refs.parse_user(who)), reason),
            reply)


async def history_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                          context: AsyncBoltContext) -> None:
    """``/history @person``."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/history"):
        who, _ = words(command.get("text"), 1)
        if not who:
            raise InvalidInput(HISTORY_USAGE)
        await show(deps, command, await RecordFlows(deps.app.services).history(
            await deps.actor(user_of(command)), deps.person(refs.parse_user(who))), reply)


async def case_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                       context: AsyncBoltContext) -> None:
    """``/case open @person [severe] summary`` · ``show C-…`` · ``file C-…`` (sent by
    DM) · ``communicated C-…`` ·
    ``close C-… reason`` (staff: no decision, e.g. withdrawn or resolved by amends)."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/case"):
        if not str(command.get("text") or "").strip():
            await forms.open_case(deps, command, _channel(command))
            return
        verb, ref, rest = words(command.get("text"), 2)
        if verb not in ("open", "show", "file", "communicated", "close",
                        *hearing.CASE_VERBS) \
                or not ref:
            raise InvalidInput(CASE_USAGE)
        actor, cases = await deps.actor(user_of(command)), CaseFlows(deps.app.services)
        if verb == "open":
            outcome = await _case_open(deps, cases, actor, ref, rest)
        elif verb in hearing.CASE_VERBS:
            outcome = await hearing.case_verb(deps, actor, verb, ref, rest)
        else:
            outcome = await cases.act(actor, verb, ref=ref, text=rest)
        await show(deps, command, outcome, reply)


async def _case_open(deps: SlackDeps, cases: CaseFlows, actor: Actor, who: str,
                     rest: str) -> Outcome:
    """``@person [serious|severe] summary``: the severity word is optional."""
    severity, summary = words(rest, 1)
    if severity.lower() not in CASE_SEVERITIES:
        summary, severity = f"{severity} {summary}".strip(), "serious"
    return await cases.open(actor, deps.person(refs.parse_user(who)), summary, severity)


async def incident_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                           context: AsyncBoltContext) -> None:
    """``/incident reverse I-… reason``: an incident (often automod's) was a mistake."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/incident"):
        verb, ref, note = words(command.get("text"), 2)
        if verb.lower() != "reverse" or not ref:
            raise InvalidInput(INCIDENT_USAGE)
        await show(deps, command, await RecordFlows(deps.app.services).reverse_incident(
            await deps.actor(user_of(command)), ref, note), reply)


async def link_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                       context: AsyncBoltContext) -> None:
    """``/link @slack-person <discord id | discord:guild:id | @other>``: one person, one
    history."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/link"):
        who, other = words(command.get("text"), 1)
        if not (who and other):
            raise InvalidInput(LINK_USAGE)
        if other.startswith("<@"):  # another account in this workspace
            other = refs.parse_user(other)
        await show(deps, command, await RecordFlows(deps.app.services).link(
            await deps.actor(user_of(command)), deps.person(refs.parse_user(who)), other,
            deps.spaces()), reply)


def register(bolt: AsyncApp) -> None:
    bolt.command("/suspend")(suspend_command)
    bolt.command("/unsuspend")(unsuspend_command)
    bolt.command("/history")(history_command)
    bolt.command("/case")(case_command)
    bolt.command("/link")(link_command)
    bolt.command("/incident")(incident_command)
