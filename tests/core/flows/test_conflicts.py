"""One conflict rule for every case action: a party to a case cannot act on it.

Each action is tried by each kind of party, every one of them holding every role and seat
the action needs, so the conflict is the only thing that can stop them. The refusal must
say why, and nothing may change: no row, no audit entry, no post, no DM.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

import pytest

from bot.core.errors import NotPermitted
from bot.core.flows.cases import CaseFlows
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import (
    ENTITY_TYPES,
    Actor,
    Appeal,
    AppealStatus,
    AuditEntry,
    Case,
    CaseOrigin,
    CaseStatus,
    Motion,
    MotionStatus,
    Office,
    Role,
    VoteChoice,
)
from bot.core.services import ProposedSanction
from bot.core.services._context import Reach
from tests.core.harness import STAFF, Harness, committee_actor, person

EVERY_ROLE = frozenset({Role.STAFF, Role.COMMITTEE, Role.COUNSEL, Role.EXECUTIVE})
SLACK_SUBJECT = person("U7", PlatformName.SLACK, "T1")  # the subject's second account
EXECUTIVE = person("president")  # an Executive member with no part in the case


@dataclass
class Scene:
    """A case on c7 (seated, Executive) reported by c6 (seated, Executive); c5 recused."""

    case: Case
    motion: Motion | None = None
    appeal: Appeal | None = None


Act = Callable[[Harness, Scene, Actor], Awaitable[object]]


async def _case(h: Harness) -> tuple[Scene, list[PersonRef]]:
    members = await h.seat_committee()
    for exec_member in (members[6], members[5], EXECUTIVE):
        await h.services.roster.appoint(STAFF, exec_member, Office.EXECUTIVE,
                                        term_start=date(2025, 7, 1))
    await h.services.people.link(STAFF, members[6], SLACK_SUBJECT)
    case = await h.services.cases.open(STAFF.person, members[6], "threats in #general",
                                       origin=CaseOrigin.REPORT, reporter=members[5])
    await h.hear(case.id)
    await h.services.cases.recuse(committee_actor(members[4]), case.id, "She is my sister")
    return Scene(case), members


async def _with_motion(h: Harness, *, carried: bool) -> tuple[Scene, list[PersonRef]]:
    scene, members = await _case(h)
    motion = await h.services.cases.propose(committee_actor(members[0]), scene.case.id,
                                            "Suspend for 30 days",
                                            ProposedSanction("30d", "no-harassment"))
    if carried:  # c1..c4 are the only members free of conflict: all four must vote
        for member in members[:4]:
            await h.services.cases.vote(member, motion.id, VoteChoice.YES)
    async with h.storage.transaction() as tx:
        stored = await tx.get(Motion, motion.id)
    assert stored is not None
    assert stored.status is (MotionStatus.CARRIED if carried else MotionStatus.OPEN)
    return Scene(scene.case, stored), members


async def _appealed(h: Harness) -> tuple[Scene, list[PersonRef]]:
    """Decided and communicated; the reporter (c6) appeals."""
    scene, members = await _with_motion(h, carried=True)
    await h.services.decisions.decide(committee_actor(members[0]), scene.case.id)
    appeal = await h.services.appeals.file(members[5], scene.case.id,
                                           "The suspension is far too lenient for threats.")
    return Scene(scene.case, scene.motion, appeal), members


async def _uncommunicated(h: Harness) -> tuple[Scene, list[PersonRef]]:
    scene, members = await _with_motion(h, carried=True)
    h.platform.closed_dms.add(members[6])
    decided, delivered = await h.services.decisions.decide(STAFF, scene.case.id)
    assert delivered is Reach.NONE and decided.status is CaseStatus.DECIDED
    return scene, members


async def _vote(h: Harness, scene: Scene, actor: Actor) -> object:
    assert scene.motion is not None
    outcome = await h.services.cases.vote(actor.person, scene.motion.id, VoteChoice.YES)
    if not outcome.counted:  # a reaction is not a command: it is refused, not raised
        raise NotPermitted(outcome.reason)
    return outcome


async def _apply(h: Harness, scene: Scene, actor: Actor) -> object:
    assert scene.motion is not None
    return await h.services.decisions.apply_sanction(actor, scene.motion.id)


async def _decide_appeal(h: Harness, scene: Scene, actor: Actor) -> object:
    assert scene.appeal is not None
    return await h.services.appeals.decide(actor, scene.appeal.id, AppealStatus.OVERTURNED,
                                           "The committee overreached.")


Setup = Callable[[Harness], Awaitable[tuple[Scene, list[PersonRef]]]]
ACTIONS: dict[str, tuple[Setup, Act]] = {
    "vote": (lambda h: _with_motion(h, carried=False), _vote),
    "motion": (_case, lambda h, s, a: h.services.cases.propose(a, s.case.id, "Dismiss it")),
    "close": (_case, lambda h, s, a: h.services.cases.close(a, s.case.id, "withdrawn")),
    "decide": (lambda h: _with_motion(h, carried=True),
               lambda h, s, a: h.services.decisions.decide(a, s.case.id)),
    "communicated": (_uncommunicated,
                     lambda h, s, a: h.services.decisions.mark_communicated(a, s.case.id)),
    "apply": (lambda h: _with_motion(h, carried=True), _apply),
    "overrule": (lambda h: _with_motion(h, carried=True),
                 lambda h, s, a: h.services.decisions.overrule(a, s.case.id, "liability")),
    "appeal-decide": (_appealed, _decide_appeal),
}

# who acts (an index into the seated members, or the subject's linked account), and the
# refusal each must get; the reporter (c6) is also the appellant in the appeal scene.
PARTIES: dict[str, tuple[int | PersonRef, str]] = {
    "subject holding a committee seat and the Executive": (6, "is about you"),
    "reporter holding a committee seat and the Executive": (5, "You reported this case"),
    "member who recused": (4, r"You recused yourself from case C-\w+ on 2026-01-05"),
    "linked second account of the subject": (SLACK_SUBJECT, "is about you"),
}


async def _everything(h: Harness) -> tuple[dict[str, list[object]], int, int]:
    async with h.storage.transaction() as tx:
        rows = {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}
    return rows, len(h.platform.posts), len(h.platform.dms)


@pytest.mark.parametrize("party", list(PARTIES))
@pytest.mark.parametrize("action", list(ACTIONS))
async def test_no_party_to_a_case_can_act_on_it(harness: Harness, action: str,
                                                party: str) -> None:
    setup, act = ACTIONS[action]
    scene, members = await setup(harness)
    who, why = PARTIES[party]
    actor = Actor(members[who] if isinstance(who, int) else who, EVERY_ROLE)
    if action == "appeal-decide" and who == 5:
        why = "You appealed the decision on case"  # the reporter filed the appeal
    before = await _everything(harness)
    with pytest.raises(NotPermitted, match=why):
        await act(harness, scene, actor)
    assert await _everything(harness) == before


@pytest.mark.parametrize("action", list(ACTIONS))
async def test_a_member_free_of_conflict_can_act(harness: Harness, action: str) -> None:
    """The control: the same scene lets someone with no part in the case act."""
    setup, act = ACTIONS[action]
    scene, members = await setup(harness)
    actor = Actor(EXECUTIVE if action == "appeal-decide" else members[3], EVERY_ROLE)
    async with harness.storage.transaction() as tx:
        audited = await tx.count(AuditEntry)
    await act(harness, scene, actor)
    async with harness.storage.transaction() as tx:
        assert await tx.count(AuditEntry) > audited


async def test_the_refusal_names_the_case_and_the_action(harness: Harness) -> None:
    scene, members = await _with_motion(harness, carried=True)
    with pytest.raises(NotPermitted) as refused:
        await harness.services.decisions.decide(Actor(members[5], EVERY_ROLE), scene.case.id)
    assert scene.case.id in refused.value.message
    assert "cannot communicate the decision on it" in refused.value.message


async def test_an_appeal_by_the_subject_is_decided_by_another_executive(
        harness: Harness) -> None:
    scene, members = await _with_motion(harness, carried=True)
    await harness.services.decisions.decide(committee_actor(members[0]), scene.case.id)
    appeal = await harness.services.appeals.file(SLACK_SUBJECT, scene.case.id,
                                                 "I was quoting someone else, not threatening.")
    for own in (members[6], SLACK_SUBJECT):  # either of the subject's accounts
        with pytest.raises(NotPermitted, match="You appealed the decision on case"):
            await harness.services.appeals.decide(Actor(own, EVERY_ROLE), appeal.id,
                                                  AppealStatus.OVERTURNED, "mine")
    decided = await harness.services.appeals.decide(
        Actor(EXECUTIVE), appeal.id, AppealStatus.UPHELD, "The record supports it.")
    assert decided.status is AppealStatus.UPHELD and decided.decided_by == EXECUTIVE


async def test_a_recused_members_old_vote_stops_counting_and_cannot_close_early(
        harness: Harness) -> None:
    """Recusing after voting withdraws the vote's weight at once (no quorum from it)."""
    scene, members = await _case(harness)
    motion = await harness.services.cases.propose(committee_actor(members[0]), scene.case.id,
                                                  "Warn in writing")
    for member in members[:3]:
        await harness.services.cases.vote(member, motion.id, VoteChoice.YES)
    await harness.services.cases.recuse(committee_actor(members[2]), scene.case.id, "friend")
    outcome = await harness.services.cases.vote(members[3], motion.id, VoteChoice.YES)
    assert outcome.counted and outcome.tally.yes == 3 and not outcome.tally.quorum_met
    assert outcome.motion.status is MotionStatus.OPEN


@pytest.mark.parametrize("party", list(PARTIES))
async def test_no_party_to_a_case_can_read_it_with_case_show(harness: Harness,
                                                             party: str) -> None:
    """`/case show` holds the reporter's own words, the subject's statement and the
    committee's relayed conversation: the same rule as the case file keeps every party
    out, whatever seat or role they hold (a staff member reported, a member who reported)."""
    scene, members = await _case(harness)
    who, why = PARTIES[party]
    actor = Actor(members[who] if isinstance(who, int) else who, EVERY_ROLE)
    before = await _everything(harness)
    reason = {"is about you": "the case is about you",
              "You reported this case": "you reported it"}.get(
        why, "you recused yourself from it on 2026-01-05")
    with pytest.raises(NotPermitted, match=f"You cannot read case C-\\w+: {reason}"):
        await CaseFlows(harness.services).show(actor, scene.case.id)
    assert await _everything(harness) == before
    shown = await CaseFlows(harness.services).show(Actor(members[3], EVERY_ROLE),
                                                   scene.case.id)
    assert "threats in #general" in str(shown.text)  # the control: a free member reads it
