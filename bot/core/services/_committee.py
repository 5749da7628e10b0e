"""Who sits on the committee for a given case: seats, recusals, and ineligibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.identity import PersonRef
from bot.core.models import Appointment, Case, Office, Recusal
from bot.core.ports import Tx
from bot.core.services._context import identity_of


@dataclass(frozen=True, slots=True)
class Panel:
    """The members who may vote on one case, and the accounts to add to its thread."""

    eligible: frozenset[str]  # identities of seated members, minus subject and reporter
    recused: frozenset[str]
    accounts: dict[str, PersonRef]  # identity -> account of eligible members
    counsel: tuple[PersonRef, ...]

    @property
    def voting(self) -> frozenset[str]:
        return self.eligible - self.recused


async def serving(tx: Tx, office: Office, day: date) -> list[Appointment]:
    found = await tx.find(Appointment, office=office, ended_at=None)
    return [a for a in found if a.serving_on(day)]


async def panel_for(tx: Tx, case: Case, day: date) -> Panel:
    """The subject and the reporter of a case can never vote on it, whatever their seat."""
    excluded = {await identity_of(tx, case.subject)}
    if case.reporter is not None:
        excluded.add(await identity_of(tx, case.reporter))
    accounts: dict[str, PersonRef] = {}
    for seat in await serving(tx, Office.COMMITTEE, day):
        identity = await identity_of(tx, seat.person)
        if identity not in excluded:
            accounts[identity] = seat.person
    recused = frozenset([await identity_of(tx, r.member)
                         for r in await tx.find(Recusal, case_id=case.id)])
    counsel = tuple(a.person for a in await serving(tx, Office.COUNSEL, day))
    return Panel(frozenset(accounts), recused, accounts, counsel)


async def holds_office(tx: Tx, person: PersonRef, office: Office, day: date) -> bool:
    identity = await identity_of(tx, person)
    for appointment in await serving(tx, office, day):
        if await identity_of(tx, appointment.person) == identity:
            return True
    return False
