"""The committee roster on Slack: ``/roster appoint`` and ``/roster show``.

``/roster appoint @person committee|counsel|executive [seat] [YYYY-MM-DD] [confirm]`` seats
someone as the Discord command does; the optional date is the term's start (default
today), for staggering terms or recording a term that began before the bot did;
``confirm`` seats even when too many terms would end in one fiscal year. Who may *vote*
comes from this roster.
The listener only reads the line; the flow (``bot.core.flows.roster``) does the rest, and
the service decides who may (staff).
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.errors import InvalidInput
from bot.core.flows import Outcome
from bot.core.flows.roster import RosterFlows
from bot.core.models import Actor
from bot.slack_io import refs
from bot.slack_io.context import SlackDeps
from cogs.slack import forms
from cogs.slack._common import answering, guard, user_of, words
from cogs.slack.staff import show

USAGE = ("Usage: /roster appoint @person <committee|counsel|executive> [seat number] "
         "[term start YYYY-MM-DD] [confirm] · /roster show")
_DATE_SHAPED = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_extras(extra: str) -> tuple[int | None, str | None, bool]:
    """``[seat] [YYYY-MM-DD] [confirm]`` in any order: a number is the seat, a date the term
    start, ``confirm`` seats even when too many terms would end in one fiscal year."""
    seat: int | None = None
    start: str | None = None
    confirm = False
    for word in extra.split():
        if word.lower() == "confirm":
            confirm = True
        elif word.isdigit() and seat is None:
            seat = int(word)
        elif _DATE_SHAPED.match(word) and start is None:
            start = word
        else:
            raise InvalidInput(f"I did not understand '{word}'. {USAGE}")
    return seat, start, confirm


async def _appoint(deps: SlackDeps, actor: Actor, rest: str) -> Outcome:
    person, office, extra = words(rest, 2)
    if not (person and office):
        raise InvalidInput(USAGE)
    seat, start, confirm = parse_extras(extra)
    return await RosterFlows(deps.app.services).appoint(
        actor, deps.person(refs.parse_user(person)), office, seat=seat, term_start=start,
        confirmed=confirm)


async def roster_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/roster"):
        actor = await deps.actor(user_of(command))
        verb, rest = words(command.get("text"), 1)
        if verb.lower() == "appoint" and not rest.strip():
            await forms.open_appoint(deps, command, str(command.get("channel_id") or "") or None)
            return
        if verb.lower() == "appoint":
            outcome = await _appoint(deps, actor, rest)
        elif verb.lower() == "show":
            outcome = await RosterFlows(deps.app.services).show(actor)
        else:
            raise InvalidInput(USAGE)
        await show(deps, command, outcome, reply)


def register(bolt: AsyncApp) -> None:
    bolt.command("/roster")(roster_command)
