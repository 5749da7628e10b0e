"""Every participant, committee, counsel and Executive interaction, as each role.

The front-ends check no role: whatever they pass on, the services refuse the wrong
person with a message they can act on, and a refusal changes nothing (no row, no audit
entry, no DM, no post). Run through the flows, as both front-ends run them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

import pytest

from bot.core.errors import CocBotError, NotFound, NotPermitted
from bot.core.flows import Outcome
from bot.core.flows.appeals import AppealFlows
from bot.core.flows.code import CodeFlows
from bot.core.flows.committee import CommitteeFlows, Refused
from bot.core.flows.reports import ReportFlows
from bot.core.identity import PlaceRef, PlatformName
from bot.core.models import (
    ENTITY_TYPES,
    Actor,
    CaseOrigin,
    Motion,
    MotionStatus,
    Office,
    Role,
    VoteChoice,
)
from bot.core.services import ProposedSanction
from tests.core.flows.directory import FakeDirectory
from tests.core.harness import STAFF, Harness, committee_actor, person

SUBJECT = person("subject")
REPORTER = person("reporter")
ACTORS = {
    "participant": Actor(person("p1")),
    "staff": STAFF,
    "committee": Actor(person("c1"), frozenset({Role.COMMITTEE})),
    "counsel": Actor(person("counsel"), frozenset({Role.COUNSEL})),
    "executive": Actor(person("president"), frozenset({Role.EXECUTIVE})),
}
HERE = PlaceRef(PlatformName.DISCORD, "100", "general")


@dataclass
class Scene:
    """A seated committee, an executive, and a case about SUBJECT reported by REPORTER
    whose motion (a 30-day suspension) has carried."""

    h: Harness
    case: str
    motion: str
    directory: FakeDirectory
    appeal: str = ""


async def scene(h: Harness) -> Scene:
    members = await h.seat_committee()
    await h.services.roster.appoint(STAFF, ACTORS["executive"].person, Office.EXECUTIVE,
                                    term_start=date(2025, 7, 1))
    case = await h.services.cases.open(STAFF.person, SUBJECT, "harassment in #general",
                                       origin=CaseOrigin.REPORT, reporter=REPORTER)
    await h.hear(case.id)
    motion = await h.services.cases.propose(committee_actor(members[1]), case.id,
                                            "Suspend for 30 days",
                                            ProposedSanction("30d", "no-harassment"))
    for member in members[1:5]:
        await h.services.cases.vote(member, motion.id, VoteChoice.YES)
    return Scene(h, case.id, motion.id, FakeDirectory(people=[SUBJECT, REPORTER]))


async def decided(s: Scene) -> None:
    """The decision communicated to the subject: the appeal window is open."""
    await s.h.services.decisions.decide(STAFF, s.case)


async def appealed(s: Scene) -> None:
    """The decision communicated and appealed by the subject."""
    await decided(s)
    appeal = await s.h.services.appeals.file(SUBJECT, s.case, "I was quoting someone else.")
    s.appeal = appeal.id


# What must have happened before a command makes sense (done before the snapshot).
PREPARE: dict[str, Callable[[Scene], Awaitable[None]]] = {
    "appeal file": decided, "appeal decide": appealed}


Run = Callable[[Scene, Actor], Awaitable[Outcome]]


def flows(s: Scene) -> tuple[CommitteeFlows, AppealFlows, CodeFlows, ReportFlows]:
    services = s.h.services
    return (CommitteeFlows(services), AppealFlows(services), CodeFlows(services),
            ReportFlows(services))


async def report(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[3].report(a.person, s.directory, reason="insults in #general",
                                    anonymous=False, target=SUBJECT, here=HERE)


async def recuse(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[0].recuse(a, s.case, "the subject is my cousin")


async def motion(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[0].motion(a, s.case, "A written warning")


async def overrule(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[0].overrule(a, s.case, "It would expose the association")


async def decide(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[0].decide(a, s.case)


async def apply(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[0].apply(a, s.motion)


async def appeal_file(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[1].file(a.person, s.case, "I was quoting someone else.")


async def appeal_decide(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[1].decide(a, s.appeal, "upheld", "The decision stands.")


async def code_show(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[2].show(HERE)


async def code_accept(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[2].accept(a.person, "v1")


async def code_publish(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[2].publish(a, "Clarified the reporting section", s.directory)


async def code_status(s: Scene, a: Actor) -> Outcome:
    return await flows(s)[2].status(a, s.directory)


ALL = frozenset(ACTORS)
# command -> (who may, what the reply says when they do, what a refusal says, its error)
TABLE: dict[str, tuple[Run, frozenset[str], str, str, type[CocBotError]]] = {
    "report": (report, ALL, "was received and only staff can see it", "", NotPermitted),
    "recuse": (recuse, frozenset({"committee"}), "You are recused from case",
               "Only seated committee members can recuse", NotPermitted),
    "motion": (motion, frozenset({"committee"}), "is open for votes",
               "Only eligible committee members can propose", NotPermitted),
    "overrule": (overrule, frozenset({"counsel"}), "overruled; the reason is recorded",
                 "Only legal counsel can overrule", NotPermitted),
    "decide": (decide, frozenset({"committee", "staff"}), "Appeals are open until",
               "Only committee members or staff can communicate", NotPermitted),
    "apply": (apply, frozenset({"committee", "staff"}), "Applied: suspension",
              "Only staff or committee members can apply", NotPermitted),
    # nobody in ACTORS is involved in the case: only the subject and reporter may appeal
    "appeal file": (appeal_file, frozenset(), "", "no case '.*' that involves you", NotFound),
    "appeal decide": (appeal_decide, frozenset({"executive"}), "upheld; the case is final",
                      "Only the Executive Committee decides appeals", NotPermitted),
    "code show": (code_show, ALL, "Code of Conduct", "", NotPermitted),
    "code accept": (code_accept, ALL, "Thank you for accepting the Code of Conduct (v1)", "",
                    NotPermitted),
    "code publish": (code_publish, frozenset({"staff"}), "Published v1. 2 members will be asked",
                     "Only staff can publish a new version of the Code", NotPermitted),
    "code status": (code_status, frozenset({"staff"}), "**v1**: 0 accepted, 2 not yet",
                    "Only staff can see who has accepted the Code", NotPermitted),
}


async def snapshot(h: Harness) -> tuple[object, ...]:
    async with h.storage.transaction() as tx:
        rows = tuple([await tx.find(cls) for cls in ENTITY_TYPES])
    return rows, len(h.platform.dms), len(h.platform.posts), len(h.platform.edits)


@pytest.mark.parametrize("role", list(ACTORS))
@pytest.mark.parametrize("command", list(TABLE))
async def test_each_command_as_each_role(harness: Harness, command: str, role: str) -> None:
    run, allowed, reply, refusal, error = TABLE[command]
    s = await scene(harness)
    actor = ACTORS[role]
    prepare = PREPARE.get(command)
    if prepare is not None:
        await prepare(s)
    if role in allowed:
        outcome = await run(s, actor)
        assert outcome.text is not None and reply in outcome.text
        return
    before = await snapshot(harness)
    with pytest.raises(error, match=refusal):
        await run(s, actor)
    assert await snapshot(harness) == before


@pytest.mark.parametrize("role", list(ACTORS))
async def test_a_vote_by_each_role(harness: Harness, role: str) -> None:
    """Only a seated, eligible member's reaction is a vote; anyone else is told privately,
    and the tally is unchanged."""
    s = await scene(harness)
    committee = CommitteeFlows(harness.services)
    open_motion = await committee.motion(committee_actor(person("c6")), s.case, "A warning")
    assert open_motion.text is not None
    async with harness.storage.transaction() as tx:
        [pending] = await tx.find(Motion, status=MotionStatus.OPEN)
    assert pending.message is not None
    before = await harness.services.cases.tally_for(pending.id)
    refused = await committee.reaction(ACTORS[role].person, pending.message, "✅", "✅",
                                       added=True)
    after = await harness.services.cases.tally_for(pending.id)
    if role == "committee":
        assert refused is None and after.yes == before.yes + 1
    else:
        assert isinstance(refused, Refused) and refused.motion == pending.id
        assert f"Your ✅ reaction on motion {pending.id} does not count" in refused.text
        assert after == before
