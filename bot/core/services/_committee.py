"""Who may act on a case: seats, recusals, and the one conflict-of-interest rule.

Every case action (vote, motion, decision, applying a sanction, overruling, closing,
deciding an appeal) asks :func:`ensure_free_to_act` before it changes anything, so no
service and no front-end carries its own copy of the rule. Whether someone reported a case
is asked of :func:`reporter_matches` and nowhere else, since the reporter may be sealed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from bot.core.errors import NotPermitted
from bot.core.identity import PersonRef, is_sealed, sealed_person
from bot.core.identity import pseudonym as pseudonym  # re-exported (it lived here)
from bot.core.models import Appeal, Appointment, Case, Office, Recusal
from bot.core.ports import Tx
from bot.core.rules.conflicts import CaseAction, Standing, conflict, free_of_conflict
from bot.core.services._context import Context, accounts_of, identity_of, unseal, when


@dataclass(frozen=True, slots=True)
class Panel:
    """The members who may vote on one case, and the accounts to add to its thread."""

    eligible: frozenset[str]  # identities of seated members who are not parties to the case
    recused: frozenset[str]
    accounts: dict[str, PersonRef]  # identity -> account of eligible members
    counsel: tuple[PersonRef, ...]

    @property
    def voting(self) -> frozenset[str]:
        return self.eligible - self.recused


async def serving(tx: Tx, office: Office, day: date) -> list[Appointment]:
    found = await tx.find(Appointment, office=office, ended_at=None)
    return [a for a in found if a.serving_on(day)]


async def tags_of(tx: Tx, person: PersonRef) -> set[str]:
    """The seal tags of every account linked to ``person`` (to find their sealed records)."""
    return {tx.sealer.tag(account) for account in await accounts_of(tx, person)}


async def sealed_refs(tx: Tx, person: PersonRef) -> list[PersonRef]:
    """The sealed references (:func:`sealed_person`) of every account linked to ``person``:
    where records kept against them as an anonymous reporter are found, by the machine."""
    return [sealed_person(account.platform, tx.sealer.tag(account))
            for account in await accounts_of(tx, person)]


async def everything_of(tx: Tx, person: PersonRef) -> list[PersonRef]:
    """Every account of ``person`` and their sealed references: for counting (escalation),
    never for showing. A sealed ``person`` is first resolved, in the machine."""
    real = await unseal(tx, person) if is_sealed(person) else person
    if real is None:
        return [person]
    return [*await accounts_of(tx, real), *await sealed_refs(tx, real)]


async def subject_matches(tx: Tx, subject: PersonRef, person: PersonRef) -> bool:
    """Whether ``person`` is ``subject``, also when the subject is sealed (by tag)."""
    if is_sealed(subject):
        return subject.id in await tags_of(tx, person)
    return await identity_of(tx, subject) == await identity_of(tx, person)


async def reporter_matches(tx: Tx, case: Case, person: PersonRef) -> bool:
    """Whether ``person`` (through any linked account) reported ``case``, named or sealed.

    The only comparison with a case's reporter anywhere: callers learn yes or no, never
    who. A sealed reporter is compared by tag (the tags of all of ``person``'s linked
    accounts), so the answer needs no person to learn who it is.
    """
    if case.reporter is not None:
        return await identity_of(tx, case.reporter) == await identity_of(tx, person)
    if case.reporter_tag is not None:
        return case.reporter_tag in await tags_of(tx, person)
    return False


async def appellant_matches(tx: Tx, appeal: Appeal, person: PersonRef) -> bool:
    """Whether ``person`` filed ``appeal``; a sealed appellant (the case's anonymous
    reporter) is compared by tag, like :func:`reporter_matches`."""
    if appeal.appellant is not None:
        return await identity_of(tx, appeal.appellant) == await identity_of(tx, person)
    if appeal.appellant_tag is not None:
        return appeal.appellant_tag in await tags_of(tx, person)
    return False


async def standing_of(tx: Tx, case: Case, person: PersonRef,
                      appeal: Appeal | None = None) -> Standing:
    """What ``person`` is to ``case`` (and to ``appeal``); linked accounts are one person."""
    identity = await identity_of(tx, person)
    recused_at = None
    for recusal in await tx.find(Recusal, case_id=case.id):
        if await identity_of(tx, recusal.member) == identity:
            recused_at = recusal.declared_at
            break
    appellant = appeal is not None and await appellant_matches(tx, appeal, person)
    return Standing(subject=await subject_matches(tx, case.subject, person),
                    reporter=await reporter_matches(tx, case, person),
                    appellant=appellant, recused_at=recused_at)


async def conflict_refusal(tx: Tx, ctx: Context, case: Case, person: PersonRef,
                           action: CaseAction, appeal: Appeal | None = None,
                           ) -> NotPermitted | None:
    """The refusal ``person`` gets for ``action`` on ``case``, or None if they may act.

    The message names the actor's own conflict (it may say they reported the case), so it
    is shown to that person only, never in a shared channel.
    """
    standing = await standing_of(tx, case, person, appeal)
    party = conflict(standing)
    if party is None:
        return None
    declared = when(ctx, person, standing.recused_at) if standing.recused_at else ""
    return NotPermitted(ctx.messages.render(f"conflict_{party.value}", case=case.id,
                                            action=action.value, declared=declared))


async def ensure_not_own_matter(tx: Tx, ctx: Context, person: PersonRef,
                                subject: PersonRef | None, what: str) -> None:
    """Staff never act in a matter about themselves (any linked account is the same
    person): the protocols' conflict rule in the staff's part of the process. A reported
    moderator cannot dismiss the report (in bad faith it would count against the
    reporter), triage or escalate it; a suspended one cannot lift their suspension; an
    incident recorded about them is reversed by someone else; their own history (whose
    case summaries are a reporter's words) is read by someone else. ``what``: "Report
    R-…"."""
    if subject is not None and await subject_matches(tx, subject, person):
        raise NotPermitted(ctx.messages.render("own_matter", what=what))


async def reading_refusal(tx: Tx, ctx: Context, case: Case, person: PersonRef,
                          template: str) -> NotPermitted | None:
    """The refusal a party to ``case`` gets for reading it (``/case show``, the case file),
    or None. The one conflict rule, with every appeal on the case: the subject, the
    reporter (their words are in it, and the subject's statement must not reach them), an
    appellant and a recused member see none of the committee's deliberation."""
    standing = await standing_of(tx, case, person)
    for appeal in await tx.find(Appeal, case_id=case.id):
        if await appellant_matches(tx, appeal, person):
            standing = replace(standing, appellant=True)
            break
    party = conflict(standing)
    if party is None:
        return None
    declared = when(ctx, person, standing.recused_at) if standing.recused_at else ""
    return NotPermitted(ctx.messages.render(template, case=case.id, reason=ctx.messages.render(
        f"case_file_party_{party.value}", declared=declared)))


async def ensure_free_to_act(tx: Tx, ctx: Context, case: Case, person: PersonRef,
                             action: CaseAction, appeal: Appeal | None = None) -> None:
    """Raise :class:`NotPermitted` when ``person`` is a party to ``case`` (or ``appeal``)."""
    refusal = await conflict_refusal(tx, ctx, case, person, action, appeal)
    if refusal is not None:
        raise refusal


async def panel_for(tx: Tx, case: Case, day: date) -> Panel:
    """The seated members free of conflict, by the same rule every case action uses."""
    standings: dict[str, Standing] = {}
    accounts: dict[str, PersonRef] = {}
    for seat in await serving(tx, Office.COMMITTEE, day):
        identity = await identity_of(tx, seat.person)
        standings[identity] = await standing_of(tx, case, seat.person)
        accounts[identity] = seat.person
    eligible = free_of_conflict(standings)
    recused = frozenset([await identity_of(tx, r.member)
                         for r in await tx.find(Recusal, case_id=case.id)])
    counsel = tuple([a.person for a in await serving(tx, Office.COUNSEL, day)
                     if conflict(await standing_of(tx, case, a.person)) is None])
    return Panel(eligible, recused,
                 {who: seat for who, seat in accounts.items() if who in eligible}, counsel)


async def holds_office(tx: Tx, person: PersonRef, office: Office, day: date) -> bool:
    identity = await identity_of(tx, person)
    for appointment in await serving(tx, office, day):
        if await identity_of(tx, appointment.person) == identity:
            return True
    return False


async def executive_free_of(tx: Tx, case: Case, appeal: Appeal, day: date) -> list[PersonRef]:
    """The serving Executive members who may judge ``appeal`` (by the one conflict rule):
    who an appeal's private place is opened with when it cannot go to the channel."""
    return [seat.person for seat in await serving(tx, Office.EXECUTIVE, day)
            if conflict(await standing_of(tx, case, seat.person, appeal)) is None]

