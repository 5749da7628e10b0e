"""Reference suggestions: each person is offered the open references they may act on, and
nothing else (a suggestion is a convenience; the services still decide)."""

from __future__ import annotations

from datetime import timedelta

from bot.core.models import Actor, CaseOrigin, Role
from bot.core.services import RefKind
from tests.core.flows.test_appeals import EXECUTIVE, REPORTER, SUBJECT, decided_case
from tests.core.harness import STAFF, Harness, committee_actor, person

EXEC = Actor(EXECUTIVE.person, frozenset({Role.EXECUTIVE}))


async def values(h: Harness, actor: Actor, kind: RefKind, typed: str = "") -> list[str]:
    return [s.value for s in await h.services.references.suggest(actor, kind, typed)]


async def test_the_subject_and_the_reporter_are_offered_the_decision_to_appeal(
        harness: Harness) -> None:
    case = await decided_case(harness)
    assert await values(harness, Actor(SUBJECT), RefKind.APPEALABLE) == [case.id]
    assert await values(harness, Actor(REPORTER), RefKind.APPEALABLE) == [case.id]
    assert await values(harness, Actor(person("bystander")), RefKind.APPEALABLE) == []
    harness.clock.advance(timedelta(days=61))  # the window closed
    assert await values(harness, Actor(SUBJECT), RefKind.APPEALABLE) == []


async def test_the_executive_is_offered_pending_appeals_only(harness: Harness) -> None:
    case = await decided_case(harness)
    appeal = await harness.services.appeals.file(SUBJECT, case.id, "I was quoting")
    assert await values(harness, EXEC, RefKind.APPEAL) == [appeal.id]
    assert await values(harness, STAFF, RefKind.APPEAL) == []
    assert await values(harness, Actor(SUBJECT), RefKind.APPEAL) == []
    await harness.services.appeals.decide(EXEC, appeal.id, appeal.status.UPHELD, "fine")
    assert await values(harness, EXEC, RefKind.APPEAL) == []


async def test_members_are_offered_open_motions_on_cases_they_are_free_to_act_on(
        harness: Harness) -> None:
    members = await harness.seat_committee()
    case = await harness.services.cases.open(STAFF.person, person("someone"), "insults",
                                             origin=CaseOrigin.STAFF)
    motion = await harness.services.cases.propose(committee_actor(members[0]), case.id,
                                                  "A warning")
    assert await values(harness, committee_actor(members[1]), RefKind.MOTION) == [motion.id]
    assert await values(harness, committee_actor(members[1]), RefKind.CASE,
                        typed=case.id.lower()) == [case.id]
    await harness.services.cases.recuse(committee_actor(members[1]), case.id, "my cousin")
    assert await values(harness, committee_actor(members[1]), RefKind.MOTION) == []
    assert await values(harness, committee_actor(members[1]), RefKind.CASE) == []
    assert await values(harness, Actor(person("someone")), RefKind.CASE) == []
    assert await values(harness, STAFF, RefKind.CASE) == [case.id]
