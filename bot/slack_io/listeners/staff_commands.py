"""Staff slash commands: ``/suspend``, ``/unsuspend``, ``/history``, ``/case``, ``/link``,
``/incident reverse``.

Slash commands on Slack take one line of text; each command documents its word order in
the manifest's usage hint and answers a malformed line with the usage.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.errors import InvalidInput
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import Actor, Severity
from bot.core.services.cases import render_case
from bot.core.services.people import render_history
from bot.slack_io import refs
from bot.slack_io.context import SlackDeps
from bot.slack_io.listeners._common import (
    Reply,
    answering,
    guard,
    need,
    user_of,
    words,
)
from bot.slack_io.listeners.staff import suspend

CASE_USAGE = ("Usage: /case open @person [severe] <summary> · /case show <C-…> · "
              "/case communicated <C-…> · /case close <C-…> <reason>")
INCIDENT_USAGE = "Usage: /incident reverse <I-…> <why it was a mistake>"
SUSPEND_USAGE = ("Usage: /suspend @person <30m|12h|7d|2w|permanent> <channel|workspace> "
                 "<reason> [confirm]. Add `clause=<id>` to cite another part of the Code.")


async def suspend_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                          context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/suspend"):
        who, duration, scope, rest = words(command.get("text"), 3)
        if not (who and duration and scope and rest):
            raise InvalidInput(SUSPEND_USAGE)
        reason_words, clause, confirmed = [], "no-harassment", False
        for word in rest.split():
            if word.lower() == "confirm":
                confirmed = True
            elif word.startswith("clause="):
                clause = word.removeprefix("clause=")
            else:
                reason_words.append(word)
        await suspend(deps, command, deps.person(refs.parse_user(who)), reply,
                      duration=duration, scope=scope, reason=" ".join(reason_words),
                      here=str(command.get("channel_id") or "") or None, clause_id=clause,
                      confirmed=confirmed)


async def unsuspend_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                            context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/unsuspend"):
        who, reason = words(command.get("text"), 1)
        actor = await deps.staff(user_of(command))
        lifted = await deps.app.services.sanctions.unsuspend(
            actor, deps.person(refs.parse_user(need(who, "the person (@mention)"))),
            reason or "lifted early by staff")
        await reply(f"Lifted {', '.join(s.id for s in lifted)}.")


async def history_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                          context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/history"):
        who, _ = words(command.get("text"), 1)
        actor = await deps.actor(user_of(command))
        result = await deps.app.services.people.history(
            actor, deps.person(refs.parse_user(need(who, "the person (@mention)"))))
        await reply(render_history(result, bold="*", limit=3000))


async def case_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                       context: AsyncBoltContext) -> None:
    """``/case open @person [severe] summary`` · ``show C-…`` · ``communicated C-…`` ·
    ``close C-… reason`` (staff: no decision, e.g. withdrawn or resolved by amends)."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/case"):
        verb, rest = words(command.get("text"), 1)
        actor = await deps.actor(user_of(command))
        if verb == "open":
            await _case_open(deps, actor, rest, reply)
        elif verb == "show":
            await _case_show(deps, actor, need(rest, "the case reference (C-…)"), reply)
        elif verb == "communicated":
            updated = await deps.app.services.decisions.mark_communicated(
                actor, need(rest, "the case reference (C-…)"))
            assert updated.appeal_deadline is not None
            await reply("Recorded. Appeals are open until "
                        f"{deps.platform.format_time(updated.appeal_deadline)}.")
        elif verb == "close":
            await _case_close(deps, await deps.staff(user_of(command)), rest, reply)
        else:
            raise InvalidInput(CASE_USAGE)


async def _case_close(deps: SlackDeps, actor: Actor, rest: str, reply: Reply) -> None:
    """Close an open case with no decision; the committee's thread is told why."""
    ref, reason = words(rest, 1)
    need(ref, "the case reference (C-…)")
    reason = need(reason, "the reason for closing the case (it is recorded)")
    closed = await deps.app.services.cases.close(actor, ref, reason)
    await reply(f"Case {closed.id} closed. The committee's thread was told.")


async def incident_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                           context: AsyncBoltContext) -> None:
    """``/incident reverse I-… reason``: an incident (often automod's) was a mistake."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/incident"):
        actor = await deps.staff(user_of(command))
        verb, ref, note = words(command.get("text"), 2)
        if verb.lower() != "reverse" or not ref:
            raise InvalidInput(INCIDENT_USAGE)
        note = need(note, "the reason the incident was a mistake (it is recorded)")
        incident = await deps.app.services.incidents.reverse(actor, ref, note)
        await reply(f"Incident {incident.id} reversed; it no longer counts.")


async def _case_open(deps: SlackDeps, actor: Any, rest: str, reply: Reply) -> None:
    who, severity, summary = words(rest, 2)
    if severity.lower() not in ("serious", "severe"):
        summary, severity = f"{severity} {summary}".strip(), "serious"
    opened = await deps.app.services.cases.open_by_staff(
        actor, deps.person(refs.parse_user(need(who, "the person (@mention)"))),
        need(summary, "a short summary for the committee"), Severity(severity.lower()))
    await reply(f"Case {opened.id} opened; the committee has a thread for it.")


async def _case_show(deps: SlackDeps, actor: Any, ref: str, reply: Reply) -> None:
    if not (actor.is_staff or actor.roles):
        await deps.staff(actor.person.id)
    found = await deps.app.services.cases.get(ref)
    await reply(render_case(found, subject=f"`{found.subject.key}`",
                            format_time=deps.platform.format_time, bold="*"))


def parse_account(text: str, deps: SlackDeps) -> PersonRef:
    """The other account: ``discord:<guild>:<id>``, a bare Discord id (the configured
    server), or another Slack @mention."""
    cleaned = text.strip()
    if cleaned.count(":") == 2:
        return PersonRef.parse(cleaned)
    if cleaned.isdigit():
        discord = deps.app.settings.discord
        if discord is None:
            raise InvalidInput("Give the Discord account as discord:<server id>:<user id>.")
        return PersonRef(PlatformName.DISCORD, str(discord.guild_id), cleaned)
    return deps.person(refs.parse_user(cleaned))


async def link_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                       context: AsyncBoltContext) -> None:
    """``/link @slack-person <discord id | discord:guild:id>``: one person, one history."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/link"):
        who, other = words(command.get("text"), 1)
        if not (who and other):
            raise InvalidInput("Usage: /link @person <Discord user id or "
                               "discord:<server id>:<user id>>")
        actor = await deps.staff(user_of(command))
        first = deps.person(refs.parse_user(who))
        second = parse_account(other, deps)
        await deps.app.services.people.link(actor, first, second)
        await reply(f"Linked `{first.key}` and `{second.key}`: their histories are now one.")


def register(bolt: AsyncApp) -> None:
    bolt.command("/suspend")(suspend_command)
    bolt.command("/unsuspend")(unsuspend_command)
    bolt.command("/history")(history_command)
    bolt.command("/case")(case_command)
    bolt.command("/link")(link_command)
    bolt.command("/incident")(incident_command)
