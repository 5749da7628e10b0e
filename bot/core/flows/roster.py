"""The committee roster: seat someone, and see who holds which seat.

Written once for every platform; the service decides who may (staff only). The term's
start is optional (default today), for recording a term that began before the bot did.
"""

from __future__ import annotations

from bot.core.errors import InvalidInput
from bot.core.flows._base import FlowBase, problems, token
from bot.core.flows._outcome import Outcome
from bot.core.identity import PersonRef
from bot.core.markup import Trusted
from bot.core.models import Actor, Appointment, Office
from bot.core.services.roster import parse_term_start


class RosterFlows(FlowBase):
    async def appoint(self, actor: Actor, person: PersonRef, office: str, *,
                      seat: int | None = None, term_start: str | None = None,
                      confirmed: bool = False) -> Outcome:
        """Seat ``person`` as committee member, counsel or executive; ``confirmed`` seats
        even when too many terms would end in one fiscal year."""
        parsed = self._office(office)
        self._seat_fits(office, seat)
        made = await self._services.roster.appoint(actor, person, parsed, seat=seat,
                                                   term_start=parse_term_start(term_start),
                                                   confirmed=confirmed)
        who = self._who(actor.person, person)
        if made.seat is not None:
            return Outcome(text=self._say(
                "reply_appointed_seat", person=who, seat=made.seat,
                start=token(made.term_start), end=token(made.term_end), ref=token(made.id)))
        return Outcome(text=self._say("reply_appointed", person=who, office=token(parsed.value),
                                      start=token(made.term_start), ref=token(made.id)))

    def check_appoint(self, office: str, *, seat: int | None,
                      term_start: str | None) -> dict[str, str]:
        """What :meth:`appoint` would refuse in a form's ``office``, ``seat`` and ``start``."""
        return problems(office=lambda: self._office(office),
                        seat=lambda: self._seat_fits(office, seat),
                        start=lambda: parse_term_start(term_start))

    def _seat_fits(self, office: str, seat: int | None) -> None:
        try:
            parsed = self._office(office)
        except InvalidInput:
            return  # the office itself is refused
        if seat is not None and parsed is not Office.COMMITTEE:
            raise InvalidInput(self._say("roster_seat_not_committee", office=parsed.value))

    def _office(self, word: str) -> Office:
        try:
            return Office(word.strip().lower())
        except ValueError:
            raise InvalidInput(self._say("roster_bad_office", office=word)) from None

    async def show(self, actor: Actor) -> Outcome:
        """Who serves in each office, and which committee seats are empty."""
        overview = await self._services.roster.overview(actor)
        serving, empty = overview.holders, overview.empty_seats
        lines = [self._line(actor.person, a) for office in Office
                 for a in sorted(serving[office], key=lambda a: (a.seat or 0, a.term_start))]
        if overview.warning:
            lines.append(Trusted(overview.warning))  # rendered from a template by the service
        lines.append(self._say("roster_empty_seats", seats=token(", ".join(map(str, empty))))
                     if empty else self._say("roster_full"))
        if not any(serving.values()):
            lines.insert(0, self._say("roster_nobody"))
        return Outcome(text=Trusted("\n".join(lines)))

    def _line(self, reader: PersonRef, a: Appointment) -> Trusted:
        who = self._who(reader, a.person)
        if a.seat is not None:
            return self._say("roster_line_seat", person=who, seat=a.seat,
                             start=token(a.term_start), end=token(a.term_end), ref=token(a.id))
        return self._say("roster_line", office=token(a.office.value), person=who,
                         ref=token(a.id))
