"""A person's record across platforms: linked accounts and their history."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import InvalidInput
from bot.core.identity import PersonRef
from bot.core.models import (
    Actor,
    Appeal,
    Case,
    Incident,
    PersonLink,
    Report,
    ReportStatus,
    Role,
    Sanction,
)
from bot.core.services._committee import ensure_not_own_matter
from bot.core.services._context import Context, accounts_of, audit, identity_of, require


@dataclass(frozen=True, slots=True)
class History:
    accounts: list[PersonRef]
    incidents: list[Incident]
    sanctions: list[Sanction]
    cases: list[Case]
    appeals: list[Appeal]
    bad_faith_reports: int


class PeopleService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def link(self, actor: Actor, first: PersonRef, second: PersonRef) -> str:
        """Record that two accounts are one person, so their histories merge."""
        require(actor, Role.STAFF, "link accounts")
        if first == second:
            raise InvalidInput("Those are the same account.")
        async with self._ctx.storage.transaction() as tx:
            identity = await identity_of(tx, first)
            other = await identity_of(tx, second)
            now = self._ctx.now()
            # Merge whatever group `second` belonged to into `first`'s identity. An unlinked
            # account can still name a group: the first account linked is its identity.
            members = await tx.find(PersonLink, identity=other)
            for account in {first, second, *(m.person for m in members)}:
                await tx.upsert(PersonLink(id=account.key, person=account, identity=identity,
                                           linked_by=actor.person, linked_at=now))
            await audit(tx, self._ctx, "person.linked", "person", identity, actor=actor.person,
                        details=f"{first.key} = {second.key}")
        return identity

    async def history(self, actor: Actor, person: PersonRef) -> History:
        require(actor, Role.STAFF, "see a member's history")
        async with self._ctx.storage.transaction() as tx:
            # Their own record holds case summaries in the words of whoever reported them.
            await ensure_not_own_matter(tx, self._ctx, actor.person, person, "This history")
            accounts = await accounts_of(tx, person)
            incidents: list[Incident] = []
            sanctions: list[Sanction] = []
            cases: list[Case] = []
            appeals: list[Appeal] = []
            bad_faith = 0
            for account in accounts:
                incidents += await tx.find(Incident, subject=account, order_by="created_at")
                sanctions += await tx.find(Sanction, subject=account, order_by="starts_at")
                cases += await tx.find(Case, subject=account, order_by="opened_at")
                appeals += await tx.find(Appeal, appellant=account, order_by="filed_at")
                # Named reports only: anonymous ones count against a pseudonym, never here.
                bad_faith += await tx.count(Report, reporter=account,
                                            status=ReportStatus.DISMISSED_BAD_FAITH)
        return History(accounts, sorted(incidents, key=lambda i: i.created_at),
                       sorted(sanctions, key=lambda s: s.starts_at),
                       sorted(cases, key=lambda c: c.opened_at), appeals, bad_faith)
