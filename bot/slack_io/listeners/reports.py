"""Participants' reports: ``/report`` and the "Report message" shortcut, through a modal.

Every reply is ephemeral (or a DM), so nobody else sees that a report was made or by whom.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.errors import InvalidInput
from bot.core.identity import MessageRef, PersonRef
from bot.core.messages import safe
from bot.core.services import ReportDraft
from bot.slack_io import blocks, refs
from bot.slack_io.context import SlackDeps, deps_of
from bot.slack_io.listeners._common import (
    Reply,
    answering,
    guard,
    user_of,
    via_ephemeral,
    via_respond,
)
from bot.slack_io.platform import SlackLinkReader

EXCERPT_IN_METADATA = 1000


async def report_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
    """``/report`` alone opens the form; ``/report @who [link] what happened`` files at once."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/report"):
        text = (command.get("text") or "").strip()
        channel = str(command.get("channel_id") or "")
        if not text:
            await deps.platform.open_view(str(command["trigger_id"]), blocks.report_modal(
                {"c": channel}, with_target=True))
            return
        anonymous = text.split(maxsplit=1)[0].lower() in ("anon", "anonymous")
        if anonymous:
            text = text.split(maxsplit=1)[1] if " " in text else ""
        target, link, reason = _parse_report_text(text)
        user = user_of(command)
        draft = await _draft(deps, user, reason, anonymous, target, link, channel)
        await _submit(deps, user, draft, reply)


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


async def _draft(deps: SlackDeps, user: str, reason: str, anonymous: bool,
                 target_id: str | None, link: str | None, channel: str | None) -> ReportDraft:
    """Fill in what Slack knows: the linked message's author and text (read only if the
    reporter can read it, see ``ReportService.read_linked``), and the channel."""
    message: MessageRef | None = None
    excerpt = None
    target: PersonRef | None = deps.person(target_id) if target_id else None
    if link:
        message, thread_ts = refs.parse_message_link(link, deps.team)
        seen = await deps.app.services.reports.read_linked(
            SlackLinkReader(deps.platform, thread_ts), deps.person(user), message)
        excerpt = seen.text or None
        target = target or seen.author
    place = message.place if message else (refs.place(deps.team, channel) if channel else None)
    return ReportDraft(reason=reason, anonymous=anonymous, target=target, message=message,
                       message_excerpt=excerpt,
                       message_link=refs.message_link(message) if message else None,
                       channel=place)


async def _submit(deps: SlackDeps, user_id: str, draft: ReportDraft, reply: Reply) -> None:
    services = deps.app.services
    report = await services.reports.submit(deps.person(user_id), draft)
    await reply(services.reports.acknowledgement(report))


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
            draft = ReportDraft(
                reason=reason, anonymous=anonymous,
                target=deps.person(meta["a"]) if meta.get("a") else None, message=message,
                message_excerpt=meta.get("x") or None, message_link=refs.message_link(message),
                channel=message.place)
        else:
            target = blocks.view_value(values, "target")
            link = blocks.view_value(values, "link")
            if target is None and link is None:
                raise InvalidInput("Please choose the person or paste the message link.")
            draft = await _draft(deps, user, reason, anonymous, target, link, meta.get("c"))
        await _submit(deps, user, draft, reply)


def register(bolt: AsyncApp) -> None:
    bolt.command("/report")(report_command)
    bolt.shortcut("report_message")(report_shortcut)
    bolt.view(blocks.REPORT_VIEW)(report_submitted)
