"""Staff: the queue's buttons, removal with a clause, and the suspend form.

The queue buttons (``coc_triage_<action>``, value = report reference) and the clause
select (target in its ``block_id``) hold all their state, so they keep working after a
restart.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.durations import parse_duration
from bot.core.errors import InvalidInput
from bot.core.identity import PersonRef
from bot.core.models import IncidentKind, SanctionScope
from bot.core.services import IncidentDraft, SuspensionRequest
from bot.core.services.sanctions import parse_scope
from bot.slack_io import blocks, refs
from bot.slack_io.context import SlackDeps, deps_of
from bot.slack_io.listeners._common import (
    Reply,
    channel_of,
    clause_choices,
    guard,
    user_of,
    via_ephemeral,
    via_respond,
    words,
)
from bot.slack_io.platform import SlackLinkReader


async def triage_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        respond: AsyncRespond, context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    reply = via_respond(respond)
    async with guard(reply, "staff queue button"):
        kind = str(action["action_id"]).removeprefix(blocks.TRIAGE_PREFIX)
        await _triage(deps, body, kind, str(action["value"]), reply)


async def _triage(deps: SlackDeps, body: dict[str, Any], kind: str, ref: str,
                  reply: Reply) -> None:
    services = deps.app.services
    user = user_of(body)
    actor = await deps.staff(user)
    if kind in ("dismiss", "badfaith"):
        report = await services.reports.dismiss(actor, ref, bad_faith=kind == "badfaith")
        await _mark_queue(deps, body, f"{report.status.value.replace('_', ' ')} by <@{user}>")
        await reply(f"Report {report.id} dismissed"
                    f"{' in bad faith' if kind == 'badfaith' else ''}.")
        return
    report = await services.reports.get(actor, ref)
    if kind == "remove":
        if report.message is None:
            raise InvalidInput(f"Report {report.id} is about a person, not a message; use "
                               "Suspend or Escalate, or /remove with a message link.")
        await reply("Which part of the Code did the message break?",
                    blocks.clause_select(report.id, clause_choices(deps)))
    elif kind == "suspend":
        if report.target is None:
            raise InvalidInput(f"Report {report.id} names no person to suspend.")
        metadata = {"s": report.target.key, "r": report.id,
                    "c": report.channel.id if report.channel else "",
                    "q": channel_of(body) or ""}
        await deps.platform.open_view(str(body["trigger_id"]),
                                      blocks.suspend_modal(metadata, clause_choices(deps)))
    elif kind == "escalate":
        case = await services.reports.escalate(actor, report.id)
        await _mark_queue(deps, body, f"escalated to case {case.id} by <@{user}>")
        await reply(f"Case {case.id} opened for the committee.")
    else:
        raise InvalidInput("That button is no longer supported.")


async def _mark_queue(deps: SlackDeps, body: dict[str, Any], outcome: str) -> None:
    """Show the outcome on the queue message and take its buttons away."""
    message = body.get("message") or {}
    channel = channel_of(body)
    if channel and message.get("ts"):
        await deps.platform.update_text(channel, str(message["ts"]),
                                        f"{message.get('text', '')}\n\n✅ {outcome}")


async def clause_chosen(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        respond: AsyncRespond, context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    reply = via_respond(respond)
    async with guard(reply, "clause select"):
        target = str(action["block_id"]).removeprefix(blocks.CLAUSE_BLOCK_PREFIX)
        clause = str((action.get("selected_option") or {}).get("value") or "")
        await remove_with_clause(deps, await deps.staff(user_of(body)), target, clause,
                                 reply)


def encode_message_target(channel: str, ts: str, author: str) -> str:
    return f"m:{channel}:{ts}:{author}"


async def remove_with_clause(deps: SlackDeps, actor: Any, target: str, clause_id: str,
                             reply: Reply, note: str | None = None, *,
                             confirmed: bool = False) -> None:
    """Delete (or have staff delete), DM the author with the clause, record, inform."""
    services = deps.app.services
    if target.startswith("R-"):
        report = await services.reports.get(actor, target)
        if report.message is None or report.target is None:
            raise InvalidInput(f"Report {report.id} has no message to remove.")
        draft = IncidentDraft(subject=report.target, kind=IncidentKind.REMOVAL,
                              clause_id=clause_id, message=report.message,
                              excerpt=report.message_excerpt, report_id=report.id, note=note,
                              target_standing=await deps.roles.roles_of(report.target.id),
                              confirmed=confirmed)
    else:
        try:
            _, channel, ts, author = target.split(":")
        except ValueError as exc:
            raise InvalidInput("That removal request is no longer valid; please start "
                               "again.") from exc
        draft = IncidentDraft(subject=deps.person(author), kind=IncidentKind.REMOVAL,
                              clause_id=clause_id, note=note,
                              message=refs.message_ref(deps.team, channel, ts),
                              target_standing=await deps.roles.roles_of(author),
                              confirmed=confirmed)
    outcome = await services.incidents.handle(actor, draft)
    await reply(_removal_text(deps, outcome.incident.id, outcome.incident.dm_delivered,
                              outcome.escalated.id if outcome.escalated else None))


def _removal_text(deps: SlackDeps, ref: str, delivered: bool | None,
                  escalated: str | None) -> str:
    first = "Removed." if deps.platform.can_delete_others else \
        "Recorded, but I cannot delete other people's messages without SLACK_ADMIN_TOKEN: " \
        "please delete it by hand (the staff queue has the link)."
    dm = "" if delivered is not False else \
        " Their DMs are closed, so staff were asked to contact them another way."
    extra = f" Repeated incidents opened case {escalated}." if escalated else ""
    return f"{first} Incident {ref} recorded; the author was told why, and the committee " \
           f"informed.{dm}{extra}"


async def remove_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
    """``/remove <message link> [clause id] [note] [confirm]``; without a clause, a select
    asks. ``confirm`` is needed when the author is staff or on the committee."""
    await ack()
    deps = deps_of(context)
    reply = via_respond(respond)
    async with guard(reply, "/remove"):
        actor = await deps.staff(user_of(command))
        tokens = str(command.get("text") or "").split()
        confirmed = "confirm" in tokens  # needed when the author is staff or committee
        link, clause, note = words(" ".join(t for t in tokens if t != "confirm"), 2)
        if not link:
            raise InvalidInput("Usage: /remove <message link> [clause] [note]. Copy the "
                               "message's link from its menu.")
        message, thread_ts = refs.parse_message_link(link, deps.team)
        seen = await deps.app.services.reports.read_linked(
            SlackLinkReader(deps.platform, thread_ts), actor.person, message)
        if seen.author is None:
            raise InvalidInput("That message has no author I can act on (a bot or a "
                               "workflow posted it); please delete it by hand.")
        target = encode_message_target(message.channel, message.id, seen.author.id)
        if not clause:
            await reply("Which part of the Code did the message break?",
                        blocks.clause_select(target, clause_choices(deps)))
            return
        deps.app.settings.code.clause(clause)
        await remove_with_clause(deps, actor, target, clause, reply, note or None,
                                 confirmed=confirmed)


async def remove_shortcut(ack: AsyncAck, shortcut: dict[str, Any], respond: AsyncRespond,
                          context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    reply = via_respond(respond)
    async with guard(reply, "remove shortcut"):
        await deps.staff(user_of(shortcut))
        message = shortcut.get("message") or {}
        channel = str((shortcut.get("channel") or {}).get("id") or "")
        target = encode_message_target(channel, str(message.get("ts")), str(message.get("user")))
        await reply("Which part of the Code did this message break?",
                    blocks.clause_select(target, clause_choices(deps)))


async def suspend(deps: SlackDeps, user_id: str, subject: PersonRef, duration: str,
                  scope: str, reason: str, channel: str | None, reply: Reply, *,
                  clause_id: str = "no-harassment", report_ref: str | None = None,
                  confirmed: bool = False) -> None:
    services = deps.app.services
    actor = await deps.staff(user_id)
    parsed_scope = parse_scope(scope, "workspace")
    place = refs.place(deps.team, channel) if channel else None
    standing = await deps.roles.roles_of(subject.id)
    sanction = await services.sanctions.suspend(actor, SuspensionRequest(
        subject=subject, duration=parse_duration(duration), scope=parsed_scope,
        reason=reason, clause_id=clause_id,
        channel=place if parsed_scope is SanctionScope.CHANNEL else None,
        target_standing=standing, confirmed=confirmed, report_id=report_ref))
    delivered = "" if sanction.dm_delivered else \
        " Their DMs are closed: please tell them in writing another way."
    end = deps.platform.format_time(sanction.ends_at) if sanction.ends_at else "permanent"
    await reply(f"Suspended ({sanction.scope.value}) until {end}. Reference "
                f"{sanction.id}.{delivered}")


async def suspend_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                            context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    meta: dict[str, str] = json.loads(view.get("private_metadata") or "{}")
    user = user_of(body)
    reply = via_ephemeral(deps, meta.get("q") or None, user)
    async with guard(reply, "suspend form"):
        values = view["state"]["values"]
        await suspend(deps, user, PersonRef.parse(meta["s"]),
                      blocks.view_value(values, "duration") or "",
                      blocks.view_value(values, "scope") or "space",
                      blocks.view_value(values, "reason") or "", meta.get("c") or None, reply,
                      clause_id=blocks.view_value(values, "clause") or "no-harassment",
                      report_ref=meta.get("r") or None)


def register(bolt: AsyncApp) -> None:
    import re

    bolt.action(re.compile(rf"^{blocks.TRIAGE_PREFIX}[a-z]+$"))(triage_button)
    bolt.action(blocks.CLAUSE_SELECT)(clause_chosen)
    bolt.command("/remove")(remove_command)
    bolt.shortcut("remove_message")(remove_shortcut)
    bolt.view(blocks.SUSPEND_VIEW)(suspend_submitted)
