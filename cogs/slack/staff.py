"""Staff: the queue's buttons, removal with a clause, and the suspend form.

The queue buttons (``coc_triage_<action>``, value = report reference) and the clause
select (target in its ``block_id``) hold all their state, so they keep working after a
restart.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.errors import InvalidInput
from bot.core.flows import Outcome
from bot.core.flows.staff import DEFAULT_CLAUSE, StaffFlows
from bot.core.identity import MessageRef, PersonRef
from bot.core.models import Role
from bot.core.ports import SeenMessage
from bot.slack_io import blocks, modals, refs
from bot.slack_io.context import SlackDeps
from bot.slack_io.platform import SlackLinkReader
from cogs.slack._common import (
    Reply,
    answering,
    channel_of,
    guard,
    user_of,
    words,
)


class SlackDirectory:
    """The flows' :class:`Directory` on Slack: standing from the configured user groups;
    ``thread_ts`` says where a message given by link sits (Slack needs it to read it)."""

    def __init__(self, deps: SlackDeps, thread_ts: str | None = None) -> None:
        self._deps, self._thread_ts = deps, thread_ts

    async def standing(self, person: PersonRef) -> frozenset[Role]:
        return await self._deps.roles.roles_of(person.id)

    async def read_as(self, reader: PersonRef, message: MessageRef) -> SeenMessage | None:
        return await SlackLinkReader(self._deps.platform, self._thread_ts).read_as(reader,
                                                                                 message)

    async def members(self) -> list[PersonRef]:
        return await self._deps.platform.members()


async def show(deps: SlackDeps, body: dict[str, Any], outcome: Outcome, reply: Reply) -> None:
    """An outcome as Slack shows it: a modal, a clause select, or an ephemeral reply (in
    parts when long, an Accept button under the last); the queue message the action came
    from is marked done."""
    if outcome.form is not None:
        form = outcome.form
        metadata = {"s": form.subject.key, "r": form.report_ref or "",
                    "c": form.channel.id if form.channel else "", "q": channel_of(body) or ""}
        protected = await SlackDirectory(deps).standing(form.subject)
        await deps.platform.open_view(str(body["trigger_id"]), modals.suspend_modal(
            metadata, form.clauses, form.default_duration, form.default_clause,
            pick_person=False, confirm=bool(protected)))
        return
    if outcome.queue_note is not None:
        await _mark_queue(deps, body, outcome.queue_note)
    question = outcome.ask_clause
    if question is not None:
        await reply(question.prompt, blocks.clause_select(question.target, question.prompt,
                                                          question.choices))
    elif outcome.text:
        parts = blocks.chunks(blocks.mrkdwn(outcome.text))
        for part in parts[:-1]:
            await reply(part)
        await reply(parts[-1], blocks.accept_blocks(parts[-1], outcome.accept)
                    if outcome.accept else None)


def staff_flows(deps: SlackDeps) -> StaffFlows:
    return StaffFlows(deps.app.services)


async def triage_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        respond: AsyncRespond, context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "staff queue button"):
        kind = str(action["action_id"]).removeprefix(blocks.TRIAGE_PREFIX)
        outcome = await staff_flows(deps).triage(await deps.actor(user_of(body)), kind,
                                                 str(action["value"]))
        await show(deps, body, outcome, reply)


async def _mark_queue(deps: SlackDeps, body: dict[str, Any], outcome: str) -> None:
    """Show the outcome on the queue message and take its buttons away."""
    message = body.get("message") or {}
    channel = channel_of(body)
    if channel and message.get("ts"):
        await deps.platform.update_text(channel, str(message["ts"]),
                                        f"{message.get('text', '')}\n\n{outcome}")


async def clause_chosen(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        respond: AsyncRespond, context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "clause select"):
        target = str(action["block_id"]).removeprefix(blocks.CLAUSE_BLOCK_PREFIX)
        clause = str((action.get("selected_option") or {}).get("value") or "")
        outcome = await staff_flows(deps).remove_with_clause(
            await deps.actor(user_of(body)), target, clause, SlackDirectory(deps))
        await show(deps, body, outcome, reply)


async def remove_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
    """``/remove <message link> [clause id] [note] [confirm]``; without a clause, a select
    asks. ``confirm`` is needed when the author is staff or on the committee."""
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/remove"):
        tokens = str(command.get("text") or "").split()
        confirmed = "confirm" in tokens  # needed when the author is staff or committee
        link, clause, note = words(" ".join(t for t in tokens if t != "confirm"), 2)
        if not link:
            raise InvalidInput("Usage: /remove <message link> [clause] [note]. Copy the "
                               "message's link from its menu.")
        message, thread_ts = refs.parse_message_link(link, deps.team)
        outcome = await staff_flows(deps).remove_message(
            await deps.actor(user_of(command)), message, clause or None,
            SlackDirectory(deps, thread_ts), note=note or None, confirmed=confirmed)
        await show(deps, command, outcome, reply)


async def remove_shortcut(ack: AsyncAck, shortcut: dict[str, Any], respond: AsyncRespond,
                          context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "remove shortcut"):
        message = shortcut.get("message") or {}
        channel = str((shortcut.get("channel") or {}).get("id") or "")
        outcome = staff_flows(deps).remove_menu(
            await deps.actor(user_of(shortcut)),
            refs.message_ref(deps.team, channel, str(message.get("ts"))),
            deps.person(str(message.get("user"))))
        await show(deps, shortcut, outcome, reply)


async def suspend(deps: SlackDeps, body: dict[str, Any], subject: PersonRef, reply: Reply, *,
                  duration: str, scope: str, reason: str, here: str | None,
                  clause_id: str = DEFAULT_CLAUSE, report_ref: str | None = None,
                  confirmed: bool = False, review: str | None = None) -> None:
    """``here`` is the channel of a channel suspension (the report's, or the one typed in)."""
    outcome = await staff_flows(deps).suspend(
        await deps.actor(user_of(body)), subject, SlackDirectory(deps), duration=duration,
        scope=scope, reason=reason, here=refs.place(deps.team, here) if here else None,
        clause_id=clause_id, report_ref=report_ref, confirmed=confirmed, review=review)
    await show(deps, body, outcome, reply)


def register(bolt: AsyncApp) -> None:
    import re

    bolt.action(re.compile(rf"^{blocks.TRIAGE_PREFIX}[a-z]+$"))(triage_button)
    bolt.action(blocks.CLAUSE_SELECT)(clause_chosen)
    bolt.command("/remove")(remove_command)
    bolt.shortcut("remove_message")(remove_shortcut)
