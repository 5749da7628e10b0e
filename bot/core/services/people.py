"""A person's record across platforms: linked accounts and their history."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import InvalidInput
from bot.core.identity import PersonRef
from bot.core.messages import safe
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
from bot.core.services._context import Context, accounts_of, audit, identity_of, require


@dataclass(frozen=True, slots=True)
class History:
    accounts: list[PersonRef]
    incidents: list[Incident]
    sanctions: list[Sanction]
    cases: list[Case]
    appeals: list[Appeal]
    bad_faith_reports: int


def render_history(history: History, *, bold: str = "**", limit: int = 1990) -> str:
    """The staff view of a person's record, in the platform's bold marker (Discord ``**``,
    Slack ``*``); incidents name their platform, since linked accounts merge records."""
    def heading(text: str) -> str:
        return f"{bold}{text}{bold}"

    lines = [f"{heading('Accounts:')} {', '.join(f'`{a.key}`' for a in history.accounts)}",
             heading(f"Incidents ({len(history.incidents)}):")]
    lines += [f"• {i.created_at:%Y-%m-%d} {i.id} {i.kind.value} — {i.clause_id} "
              f"({i.subject.platform.value}){' (reversed)' if i.reversed_at else ''}"
              f"{' [auto]' if i.automated else ''}" for i in history.incidents[-15:]]
    lines.append(heading(f"Suspensions ({len(history.sanctions)}):"))
    lines += [f"• {s.starts_at:%Y-%m-%d} {s.id} {s.scope.value} until "
              f"{s.ends_at or 'permanent'} — {s.status.value}" for s in history.sanctions[-10:]]
    lines.append(heading(f"Cases ({len(history.cases)}):"))
    lines += [f"• {c.opened_at:%Y-%m-%d} {c.id} {c.status.value} — {safe(c.summary[:80])}"
              for c in history.cases[-10:]]
    if history.appeals:
        lines.append(heading(f"Appeals ({len(history.appeals)}):"))
        lines += [f"• {a.filed_at:%Y-%m-%d} {a.id} on {a.case_id} — {a.status.value}"
                  for a in history.appeals[-10:]]
    if history.bad_faith_reports:
        lines.append(f"{heading('Reports dismissed in bad faith:')} "
                     f"{history.bad_faith_reports}")
    return "\n".join(lines)[:limit]


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
