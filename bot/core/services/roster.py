"""The committee roster: seven seats, staggered nonrenewable three-year terms."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.core.errors import InvalidInput, InvalidState, NotFound, NotPermitted
from bot.core.identity import PersonRef
from bot.core.models import ActionKind, Actor, Appointment, Office, Role
from bot.core.refs import new_ref, normalise_ref
from bot.core.rules.terms import term_end
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


class RosterService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def appoint(self, actor: Actor | None, person: PersonRef, office: Office, *,
                      seat: int | None = None, term_start: date | None = None) -> Appointment:
        """Seat someone; a committee seat is refused to anyone who already served a term."""
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
                seat = self._check_seat(seat, await serving(tx, Office.COMMITTEE, start))
                end = term_end(start, ctx.policy.term_years)
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

    def _check_seat(self, seat: int | None, seated: list[Appointment]) -> int:
        seats = self._ctx.policy.committee_seats
        taken = {a.seat for a in seated}
        if seat is None:
            free = [n for n in range(1, seats + 1) if n not in taken]
            if not free:
                raise InvalidState(f"All {seats} committee seats are filled.")
            return free[0]
        if not 1 <= seat <= seats:
            raise InvalidInput(f"Seats are numbered 1 to {seats}.")
        if seat in taken:
            raise InvalidState(f"Seat {seat} is held by someone else until their term ends.")
        return seat

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

    async def overview(self, actor: Actor) -> tuple[dict[Office, list[Appointment]], list[int]]:
        """Who serves in each office today, and the empty committee seats (for staff)."""
        require(actor, Role.STAFF, "see the committee roster")
        return {office: await self.current(office) for office in Office}, \
            await self.empty_seats()

    async def current(self, office: Office) -> list[Appointment]:
        async with self._ctx.storage.transaction() as tx:
            return await serving(tx, office, self._ctx.now().date())

    async def empty_seats(self) -> list[int]:
        taken = {a.seat for a in await self.current(Office.COMMITTEE)}
        return [n for n in range(1, self._ctx.policy.committee_seats + 1) if n not in taken]
