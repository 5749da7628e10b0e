"""The committee roster: seven seats, staggered nonrenewable three-year terms."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot.core.errors import InvalidInput, InvalidState, NotFound, NotPermitted
from bot.core.identity import PersonRef
from bot.core.models import ActionKind, Actor, Appointment, Office, Role
from bot.core.refs import new_ref, normalise_ref
from bot.core.rules.terms import crowded_years, fiscal_year, overlaps, term_end
from bot.core.services._committee import serving
from bot.core.services._context import (
    Context,
    accounts_of,
    after_commit,
    audit,
    cancel,
    require,
    schedule,
)


@dataclass(frozen=True, slots=True)
class RosterOverview:
    holders: dict[Office, list[Appointment]]
    empty_seats: list[int]
    warning: str  # empty when the serving seats' terms are staggered


def parse_term_start(text: str | None) -> date | None:
    """A term start typed by staff (``YYYY-MM-DD``); None when left out."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"'{text.strip()[:40]}' is not a date; give the term start as "
                           "YYYY-MM-DD, for example 2026-09-01.") from None


class RosterService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def appoint(self, actor: Actor | None, person: PersonRef, office: Office, *,
                      seat: int | None = None, term_start: date | None = None,
                      confirmed: bool = False) -> Appointment:
        """Seat someone; a committee seat is refused to anyone who already served a term,
        a term overlapping the seat's serving term is refused, and one that would crowd
        the endings of terms into one fiscal year needs ``confirmed``."""
        ctx = self._ctx
        if actor is not None:
            require(actor, Role.STAFF, "change the committee roster")
        start = term_start or ctx.now().date()
        async with ctx.storage.transaction() as tx:
            for account in await accounts_of(tx, person):
                held = await tx.find(Appointment, person=account, office=office)
                if office is Office.COMMITTEE and held:
                    raise NotPermitted("Committee terms are nonrenewable, and this person has "
                                       f"already served (seat {held[0].seat}, from "
                                       f"{held[0].term_start}).")
                if any(a.serving_on(start) for a in held):
                    raise InvalidState(f"This person already holds the {office.value} office.")
            end = None
            if office is Office.COMMITTEE:
                end = term_end(start, ctx.policy.term_years)
                terms = await tx.find(Appointment, office=Office.COMMITTEE, ended_at=None)
                seat = self._check_seat(seat, start, end, terms)
                self._check_stagger(start, end, terms, confirmed)
            appointment = Appointment(
                id=new_ref("P"), person=person, office=office, term_start=start,
                appointed_at=ctx.now(), appointed_by=actor.person if actor else None,
                seat=seat if office is Office.COMMITTEE else None, term_end=end)
            await tx.insert(appointment)
            await audit(tx, ctx, f"roster.appointed.{office.value}", "appointment",
                        appointment.id, actor=appointment.appointed_by,
                        details=f"seat={seat} term={start}..{end}")
            action = None
            if end is not None:
                warn_on = end - timedelta(days=ctx.policy.term_warning.days)
                action = await schedule(tx, ctx, ActionKind.TERM_ENDING, appointment.id,
                                        ctx.morning_of(warn_on))
        after_commit(ctx, action)
        return appointment

    def _check_seat(self, seat: int | None, start: date, end: date,
                    terms: list[Appointment]) -> int:
        """The seat for a term ``[start, end)``: the one asked for if no term in it
        overlaps, else the lowest such seat."""
        seats = self._ctx.policy.committee_seats
        if seat is not None and not 1 <= seat <= seats:
            raise InvalidInput(f"Seats are numbered 1 to {seats}.")
        clashes = {a.seat: a for a in terms if a.seat is not None
                   and overlaps(start, end, a.term_start, a.term_end)}
        if seat is None:
            free = [n for n in range(1, seats + 1) if n not in clashes]
            if not free:
                raise InvalidState(f"All {seats} committee seats are filled for a term from "
                                   f"{start} to {end}; end a term first, or start it later.")
            return free[0]
        held = clashes.get(seat)
        if held is not None:
            raise InvalidState(
                f"Seat {seat} is held by someone else from {held.term_start} until "
                f"{held.term_end} ({held.id}); a term starting {start} would overlap it. "
                f"Start the new term on {held.term_end} or later, choose another seat, or "
                "end that term first.")
        return seat

    def _check_stagger(self, start: date, end: date, terms: list[Appointment],
                       confirmed: bool) -> None:
        """More than the policy's limit of seats ending in one fiscal year needs confirm:
        the protocols want staggered terms, so the committee never turns over at once."""
        limit = self._ctx.policy.max_terms_ending_per_year
        fy = self._ctx.fiscal_year_start
        ends = [a.term_end for a in terms if a.term_end is not None and a.term_end > start]
        year = fiscal_year(end, fy)
        crowded = crowded_years([*ends, end], fy, limit)
        if year in crowded and not confirmed:
            raise NotPermitted(
                f"With this term, {crowded[year]} committee seats would end in fiscal year "
                f"{year}-{(year + 1) % 100:02d} (more than {limit}): terms are meant to be "
                "staggered. Choose another term start, or repeat with confirm if you are sure.")

    async def not_staggered(self) -> dict[int, int]:
        """Fiscal years in which more serving seats end than the policy allows."""
        ends = [a.term_end for a in await self.current(Office.COMMITTEE)
                if a.term_end is not None]
        return crowded_years(ends, self._ctx.fiscal_year_start,
                             self._ctx.policy.max_terms_ending_per_year)

    async def overview(self, actor: Actor) -> RosterOverview:
        """What ``/roster show`` shows (staff only): each office's holders, each seat's
        term, empty seats, and a warning when terms are not staggered."""
        require(actor, Role.STAFF, "see the committee roster")
        holders = {office: await self.current(office) for office in Office}
        warning = ""
        crowded = await self.not_staggered()
        if crowded:
            years = ", ".join(f"{n} seats in fiscal year {y}-{(y + 1) % 100:02d}"
                              for y, n in crowded.items())
            warning = self._ctx.messages.render(
                "roster_not_staggered", years=years,
                limit=self._ctx.policy.max_terms_ending_per_year)
        return RosterOverview(holders, await self.empty_seats(), str(warning))

    async def end(self, actor: Actor, ref: str, reason: str) -> Appointment:
        require(actor, Role.STAFF, "change the committee roster")
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please say why the term ends early (resigned, removed...); "
                               "the reason goes on the record.")
        async with self._ctx.storage.transaction() as tx:
            appointment = await tx.get(Appointment, normalise_ref(ref))
            if appointment is None:
                raise NotFound(f"There is no appointment '{ref}'.")
            if appointment.ended_at is not None:
                raise InvalidState("That appointment has already ended.")
            ended = replace(appointment, ended_at=self._ctx.now(), end_reason=reason)
            await tx.update(ended)
            await cancel(tx, ActionKind.TERM_ENDING, appointment.id)
            await audit(tx, self._ctx, "roster.ended", "appointment", appointment.id,
                        actor=actor.person, reason=reason)
        return ended

    async def current(self, office: Office) -> list[Appointment]:
        async with self._ctx.storage.transaction() as tx:
            return await serving(tx, office, self._ctx.now().date())

    async def empty_seats(self) -> list[int]:
        taken = {a.seat for a in await self.current(Office.COMMITTEE)}
        return [n for n in range(1, self._ctx.policy.committee_seats + 1) if n not in taken]
