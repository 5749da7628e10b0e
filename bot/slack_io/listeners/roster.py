"""The committee roster on Slack: ``/roster appoint`` and ``/roster show`` (staff only).

``/roster appoint @person committee|counsel|executive [seat] [YYYY-MM-DD]`` seats someone
as the Discord command does; the optional date is the term's start (default today), for
recording a term that began before the bot did. Who may *vote* comes from this roster.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.core.errors import InvalidInput
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import Actor, Appointment, Office
from bot.slack_io import refs
from bot.slack_io.context import SlackDeps
from bot.slack_io.listeners._common import Reply, answering, guard, user_of, words

USAGE = ("Usage: /roster appoint @person <committee|counsel|executive> [seat number] "
         "[term start YYYY-MM-DD] · /roster show")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def who(deps: SlackDeps, person: PersonRef) -> str:
    """A mention for this workspace's accounts; the account key for anyone else's."""
    if person.platform is PlatformName.SLACK and person.space == deps.team:
        return f"<@{person.id}>"
    return f"`{person.key}`"


def parse_appointment(rest: str) -> tuple[str, Office, int | None, date | None]:
    """``@person office [seat] [YYYY-MM-DD]`` in any order after the office."""
    person, office_word, extra = words(rest, 2)
    if not (person and office_word):
        raise InvalidInput(USAGE)
    try:
        office = Office(office_word.lower())
    except ValueError:
        raise InvalidInput(f"'{office_word}' is not an office: use committee, counsel or "
                           "executive.") from None
    seat: int | None = None
    start: date | None = None
    for word in extra.split():
        if word.isdigit() and seat is None:
            seat = int(word)
        elif _DATE.match(word) and start is None:
            try:
                start = date.fromisoformat(word)
            except ValueError:
                raise InvalidInput(f"'{word}' is not a date (YYYY-MM-DD).") from None
        else:
            raise InvalidInput(f"I did not understand '{word}'. {USAGE}")
    if seat is not None and office is not Office.COMMITTEE:
        raise InvalidInput("Only committee appointments have a seat number.")
    return refs.parse_user(person), office, seat, start


async def _appoint(deps: SlackDeps, actor: Actor, rest: str, reply: Reply) -> None:
    user, office, seat, start = parse_appointment(rest)
    made = await deps.app.services.roster.appoint(actor, deps.person(user), office, seat=seat,
                                                  term_start=start)
    term = f" seat {made.seat}, term {made.term_start} to {made.term_end}" if made.seat else \
        f" from {made.term_start}"
    await reply(f"<@{user}> appointed to {office.value}{term} ({made.id}).")


def _line(deps: SlackDeps, office: Office, a: Appointment) -> str:
    seat = f" seat {a.seat}, until {a.term_end}" if a.seat else ""
    return f"• {office.value}: {who(deps, a.person)}{seat} ({a.id})"


async def _show(deps: SlackDeps, reply: Reply) -> None:
    roster = deps.app.services.roster
    lines = [_line(deps, office, a) for office in Office for a in await roster.current(office)]
    empty = await roster.empty_seats()
    lines.append(f"Empty committee seats: {', '.join(map(str, empty)) or 'none'}")
    await reply("\n".join(lines))


async def roster_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond,
                         context: AsyncBoltContext) -> None:
    deps, reply = await answering(ack, context, respond)
    async with guard(reply, "/roster"):
        actor = await deps.staff(user_of(command))
        verb, rest = words(command.get("text"), 1)
        if verb.lower() == "appoint":
            await _appoint(deps, actor, rest, reply)
        elif verb.lower() == "show":
            await _show(deps, reply)
        else:
            raise InvalidInput(USAGE)


def register(bolt: AsyncApp) -> None:
    bolt.command("/roster")(roster_command)
