"""Participants' reports on Slack: ``/report``, the message shortcut and the report form.

Every reply is ephemeral, so nobody else sees that a report was made or by whom.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.flows import Outcome
from bot.core.flows.reports import ReportFlows, Seen
from bot.core.messages import safe
from bot.slack_io import blocks, refs
from bot.slack_io.context import SlackDeps, deps_of
from cogs.slack._common import answering, guard, user_of, via_ephemeral, via_respond
from cogs.slack.staff import SlackDirectory, show

EXCERPT_IN_METADATA = 1000


async def report_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
    """``/report`` alone opens the form; ``/report [anon] @who [link] what happened`` files
    at once."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/report"):
        text = (command.get("text") or "").strip()
        channel = str(command.get("channel_id") or "")
        if not text:
            await deps.platform.open_view(str(command["trigger_id"]), blocks.report_modal(
                {"c": channel}, with_target=True))
            return
        first, _, rest = text.partition(" ")
        anonymous = first.lower() in ("anon", "anonymous")
        target, link, reason = _parse_report_text(rest if anonymous else text)
        outcome = await _report(deps, user_of(command), reason, anonymous, target, link,
                                channel)
        await show(deps, command, outcome, reply)


def _parse_report_text(text: str) -> tuple[str | None, str | None, str]:
    target = link = None
    rest = []
    for word in text.split():
        if target is None and word.startswith("<@"):
            target = refs.parse_user(word)
        elif link is None and "slack.com/archives/" in word:
            link = word.strip("<>").split("|")[0]
        else:
            rest.append(word)
    return target, link, " ".join(rest)


async def _report(deps: SlackDeps, user: str, reason: str, anonymous: bool,
                  target: str | None, link: str | None, channel: str | None) -> Outcome:
    """A report naming a person and/or linking a message (read only as far as the reporter
    can read it: ``ReportService.read_linked``)."""
    message, thread_ts = refs.parse_message_link(link, deps.team) if link else (None, None)
    return await ReportFlows(deps.app.services).report(
        deps.person(user), SlackDirectory(deps, thread_ts), reason=reason,
        anonymous=anonymous, target=deps.person(target) if target else None, message=message,
        link=refs.message_link(message) if message else None,
        here=refs.place(deps.team, channel) if channel else None)


async def report_shortcut(ack: AsyncAck, shortcut: dict[str, Any], respond: AsyncRespond,
                          context: AsyncBoltContext) -> None:
    """Message shortcut: the form knows the message; the person adds the reason."""
    await ack()
    deps = deps_of(context)
    async with guard(via_respond(respond), "report shortcut"):
        message = shortcut.get("message") or {}
        metadata = {"c": str((shortcut.get("channel") or {}).get("id") or ""),
                    "m": str(message.get("ts") or ""), "a": str(message.get("user") or ""),
                    # made safe before it travels to Slack and back in the form
                    "x": safe(str(message.get("text") or ""))[:EXCERPT_IN_METADATA]}
        await deps.platform.open_view(str(shortcut["trigger_id"]),
                                      blocks.report_modal(metadata, with_target=False))


async def report_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                           context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    meta: dict[str, str] = json.loads(view.get("private_metadata") or "{}")
    user = user_of(body)
    reply = via_ephemeral(deps, meta.get("c") or None, user)
    async with guard(reply, "report form"):
        values = view["state"]["values"]
        reason = blocks.view_value(values, "reason") or ""
        anonymous = "yes" in (blocks.view_value(values, "anonymous") or "")
        if meta.get("m"):
            message = refs.message_ref(deps.team, meta["c"], meta["m"])
            outcome = await ReportFlows(deps.app.services).report_seen(
                deps.person(user), Seen(message, refs.message_link(message),
                                        deps.person(meta["a"]) if meta.get("a") else None,
                                        meta.get("x") or None),
                reason=reason, anonymous=anonymous)
        else:
            outcome = await _report(deps, user, reason, anonymous,
                                    blocks.view_value(values, "target"),
                                    blocks.view_value(values, "link"), meta.get("c"))
        await show(deps, body, outcome, reply)


def register(bolt: AsyncApp) -> None:
    bolt.command("/report")(report_command)
    bolt.shortcut("report_message")(report_shortcut)
    bolt.view(blocks.REPORT_VIEW)(report_submitted)
