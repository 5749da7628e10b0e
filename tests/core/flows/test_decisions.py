"""Decisions: counsel's overrule, communicating the decision, and applying its sanction."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.errors import (
    AlreadyDone,
    CocBotError,
    InvalidInput,
    InvalidState,
    NotFound,
    NotPermitted,
)
from bot.core.models import (
    ENTITY_TYPES,
    ActionKind,
    ActionStatus,
    Actor,
    Case,
    CaseOrigin,
    CaseStatus,
    CommunicationChannel,
    Motion,
    MotionStatus,
    Role,
    Sanction,
    ScheduledAction,
    VoteChoice,
)
from bot.core.ports import NoticeKind
from bot.core.rules.windows import appeal_deadline
from bot.core.services import ProposedSanction
from bot.core.services._context import Reach
from tests.core.harness import STAFF, Harness, committee_actor, person

SUBJECT = person("subject")
COUNSEL = Actor(person("counsel"))  # holds the office; no platform role needed
# The end of the 60th day after Monday 2026-01-05 (14:00 in Chicago): 23:59 there.
DEADLINE_TEXT = "2026-03-07 05:59 UTC"


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


async def case_with_motion(h: Harness, *, carried: bool = True,
                           sanction: ProposedSanction | None = None) -> tuple[Case, Motion]:
    members = await h.seat_committee()
    case = await h.services.cases.open(STAFF.person, SUBJECT, "threats in #general",
                                       origin=CaseOrigin.STAFF)
    await h.hear(case.id)
    motion = await h.services.cases.propose(committee_actor(members[0]), case.id,
                                            "Suspend for 30 days", sanction)
    choice = VoteChoice.YES if carried else VoteChoice.NO
    for member in members[:4]:
        await h.services.cases.vote(member, motion.id, choice)
    async with h.storage.transaction() as tx:
        stored = await tx.get(Motion, motion.id)
    assert stored is not None
    assert stored.status is (MotionStatus.CARRIED if carried else MotionStatus.FAILED)
    return await h.services.cases.get(case.id), stored


def decision_dms(h: Harness) -> list[str]:
    """What the subject was told of a decision (not the requests for their statement)."""
    return [n.text for p, n in h.platform.dms if p == SUBJECT
            and n.kind is NoticeKind.DECISION_DM]


async def window_action(h: Harness, case: Case) -> ScheduledAction | None:
    async with h.storage.transaction() as tx:
        return await tx.get(ScheduledAction,
                            ScheduledAction.key_for(ActionKind.APPEAL_WINDOW_CLOSE, case.id))


# Counsel's overrule -----------------------------------------------------------------


@pytest.mark.parametrize("counsel", [COUNSEL, Actor(person("lawyer"), frozenset({Role.COUNSEL}))],
                         ids=["by office", "by role"])
async def test_counsel_overrules_with_a_recorded_reason(harness: Harness, counsel: Actor) -> None:
    case, motion = await case_with_motion(harness)
    overruled = await harness.services.decisions.overrule(
        counsel, case.id, "  Publishing this would expose us to a defamation claim.  ")
    assert overruled.status is MotionStatus.OVERRULED and overruled.id == motion.id
    assert overruled.overruled_by == counsel.person
    assert overruled.overrule_reason == "Publishing this would expose us to a defamation claim."
    place, notice = harness.platform.posts[-1]
    assert place == case.thread and notice.kind is NoticeKind.RESULT
    assert "overruled motion" in notice.text and "defamation claim" in notice.text
    with pytest.raises(InvalidState, match="no carried motion"):
        await harness.services.decisions.decide(STAFF, case.id)
    assert decision_dms(harness) == []


@pytest.mark.parametrize(("actor", "ref", "reason", "error", "message"), [
    (COUNSEL, None, "   ", InvalidInput, "needs a written reason"),
    (committee_actor(person("c1")), None, "risky", NotPermitted, "Only legal counsel"),
    (STAFF, None, "risky", NotPermitted, "Only legal counsel"),
    (COUNSEL, "C-0000000", "risky", NotFound, "no case"),
])
async def test_bad_overrules_change_nothing(harness: Harness, actor: Actor, ref: str | None,
                                            reason: str, error: type[CocBotError],
                                            message: str) -> None:
    case, _ = await case_with_motion(harness)
    before = await snapshot(harness)
    posts = len(harness.platform.posts)
    with pytest.raises(error, match=message):
        await harness.services.decisions.overrule(actor, ref or case.id, reason)
    assert await snapshot(harness) == before
    assert len(harness.platform.posts) == posts


async def test_nothing_to_overrule_without_a_carried_motion(harness: Harness) -> None:
    case, _ = await case_with_motion(harness, carried=False)
    with pytest.raises(InvalidState, match="no carried motion to overrule"):
        await harness.services.decisions.overrule(COUNSEL, case.id, "risky")


async def test_a_communicated_decision_is_not_overruled(harness: Harness) -> None:
    case, _ = await case_with_motion(harness)
    await harness.services.decisions.decide(STAFF, case.id)
    with pytest.raises(InvalidState, match="appeal route"):
        await harness.services.decisions.overrule(COUNSEL, case.id, "risky")


# Communicating the decision -----------------------------------------------------------


async def test_decision_dm_states_appeal_route_and_deadline_and_starts_the_window(
        harness: Harness) -> None:
    case, motion = await case_with_motion(harness)
    decided, delivered = await harness.services.decisions.decide(
        committee_actor(person("c2")), case.id)
    now = harness.clock.now()
    assert delivered is Reach.DM and decided.communicated_via is CommunicationChannel.DM
    assert decided.status is CaseStatus.DECIDED and decided.decision == motion.text
    assert decided.decided_motion_id == motion.id
    assert decided.communicated_at == now
    assert decided.appeal_deadline == appeal_deadline(now, timedelta(days=60),
                                                      harness.ctx.calendar.zone)
    [dm] = [n for p, n in harness.platform.dms if p == SUBJECT
            and n.kind is not NoticeKind.STATEMENT_REQUEST]
    assert dm.kind is NoticeKind.DECISION_DM
    for expected in (case.id, motion.text, DEADLINE_TEXT, f"/appeal with reference {case.id}",
                     "Executive Committee"):
        assert expected in dm.text
    action = await window_action(harness, case)
    assert action is not None and action.due_at == decided.appeal_deadline
    assert action.status is ActionStatus.PENDING
    assert await harness.services.cases.get(case.id) == decided


async def test_undelivered_decision_waits_for_staff_to_record_communication(
        harness: Harness) -> None:
    case, _ = await case_with_motion(harness)
    harness.platform.closed_dms.add(SUBJECT)
    decided, delivered = await harness.services.decisions.decide(STAFF, case.id)
    assert delivered is Reach.NONE and decided.status is CaseStatus.DECIDED
    assert decided.communicated_at is None and decided.appeal_deadline is None
    assert await window_action(harness, case) is None
    with pytest.raises(NotPermitted, match="Only staff"):
        await harness.services.decisions.mark_communicated(committee_actor(person("c1")),
                                                           case.id)
    harness.clock.advance(timedelta(days=3))  # staff emailed the decision
    communicated = await harness.services.decisions.mark_communicated(STAFF, case.id)
    assert communicated.communicated_at == harness.clock.now()
    assert communicated.communicated_via is CommunicationChannel.STAFF
    assert communicated.appeal_deadline == appeal_deadline(
        harness.clock.now(), timedelta(days=60), harness.ctx.calendar.zone)
    action = await window_action(harness, case)
    assert action is not None and action.due_at == communicated.appeal_deadline
    with pytest.raises(InvalidState, match="not awaiting communication"):
        await harness.services.decisions.mark_communicated(STAFF, case.id)


@pytest.mark.parametrize(("actor", "ref", "error", "message"), [
    (Actor(person("member")), None, NotPermitted, "committee members or staff"),
    (Actor(SUBJECT), None, NotPermitted, "committee members or staff"),
    (STAFF, "C-0000000", NotFound, "no case"),
])
async def test_bad_decide_requests_change_nothing(harness: Harness, actor: Actor,
                                                  ref: str | None, error: type[CocBotError],
                                                  message: str) -> None:
    case, _ = await case_with_motion(harness)
    before = await snapshot(harness)
    with pytest.raises(error, match=message):
        await harness.services.decisions.decide(actor, ref or case.id)
    assert await snapshot(harness) == before
    assert decision_dms(harness) == []


async def test_a_case_without_a_carried_motion_cannot_be_decided(harness: Harness) -> None:
    case, _ = await case_with_motion(harness, carried=False)
    before = await snapshot(harness)
    with pytest.raises(InvalidState, match="no carried motion"):
        await harness.services.decisions.decide(STAFF, case.id)
    assert await snapshot(harness) == before


async def test_deciding_twice_is_refused(harness: Harness) -> None:
    case, _ = await case_with_motion(harness)
    await harness.services.decisions.decide(STAFF, case.id)
    before = await snapshot(harness)
    with pytest.raises(InvalidState, match="already decided"):
        await harness.services.decisions.decide(STAFF, case.id)
    assert await snapshot(harness) == before
    assert len(decision_dms(harness)) == 1


# Applying the carried motion's sanction ------------------------------------------------


async def test_carried_sanction_is_applied_once(harness: Harness) -> None:
    case, motion = await case_with_motion(
        harness, sanction=ProposedSanction("30d", "no-harassment"))
    sanction = await harness.services.decisions.apply_sanction(STAFF, motion.id)
    assert [s.id for s in harness.platform.restricted] == [sanction.id]
    assert sanction.case_id == case.id and sanction.subject == SUBJECT
    assert sanction.interim is False  # the committee's decision, not staff de-escalation
    assert sanction.reason == motion.text and sanction.clause_id == "no-harassment"
    assert sanction.ends_at == harness.clock.now() + timedelta(days=30)
    assert any("Suspend for 30 days" in t for t in harness.platform.dms_to(SUBJECT))
    async with harness.storage.transaction() as tx:
        stored = await tx.get(Motion, motion.id)
    assert stored is not None and stored.applied_sanction_id == sanction.id

    before = await snapshot(harness)
    with pytest.raises(AlreadyDone, match=sanction.id):
        await harness.services.decisions.apply_sanction(committee_actor(person("c1")),
                                                        motion.id)
    assert await snapshot(harness) == before
    assert len(harness.platform.restricted) == 1


async def test_two_simultaneous_clicks_apply_the_sanction_once(harness: Harness) -> None:
    _, motion = await case_with_motion(harness, sanction=ProposedSanction("30d", "no-hate"))
    results = await asyncio.gather(
        harness.services.decisions.apply_sanction(STAFF, motion.id),
        harness.services.decisions.apply_sanction(committee_actor(person("c1")), motion.id),
        return_exceptions=True)
    applied = [r for r in results if isinstance(r, Sanction)]
    refused = [r for r in results if isinstance(r, AlreadyDone)]
    assert len(applied) == 1 and len(refused) == 1, results
    assert len(harness.platform.restricted) == 1
    async with harness.storage.transaction() as tx:
        assert await tx.count(Sanction) == 1
        stored = await tx.get(Motion, motion.id)
    assert stored is not None and stored.applied_sanction_id == applied[0].id


async def test_a_sanction_the_platform_refuses_can_be_applied_again(harness: Harness) -> None:
    _, motion = await case_with_motion(harness, sanction=ProposedSanction("30d", "no-hate"))
    harness.platform.down = True
    with pytest.raises(CocBotError, match="not answering"):
        await harness.services.decisions.apply_sanction(STAFF, motion.id)
    harness.platform.down = False
    sanction = await harness.services.decisions.apply_sanction(STAFF, motion.id)
    assert sanction.active and [s.id for s in harness.platform.restricted] == [sanction.id]


@pytest.mark.parametrize(("actor", "ref", "sanction", "carried", "error", "message"), [
    (Actor(person("member")), None, ProposedSanction("30d", "no-hate"), True, NotPermitted,
     "Only staff or committee"),
    (STAFF, "M-0000000", ProposedSanction("30d", "no-hate"), True, NotFound, "no motion"),
    (STAFF, None, None, True, InvalidState, "does not decide a suspension"),
    (STAFF, None, ProposedSanction("30d", "no-hate"), False, InvalidState, "failed"),
])
async def test_bad_apply_requests_change_nothing(
        harness: Harness, actor: Actor, ref: str | None, sanction: ProposedSanction | None,
        carried: bool, error: type[CocBotError], message: str) -> None:
    _, motion = await case_with_motion(harness, carried=carried, sanction=sanction)
    before = await snapshot(harness)
    with pytest.raises(error, match=message):
        await harness.services.decisions.apply_sanction(actor, ref or motion.id)
    assert await snapshot(harness) == before
    assert harness.platform.restricted == []


async def test_an_overruled_motion_cannot_be_applied(harness: Harness) -> None:
    case, motion = await case_with_motion(harness, sanction=ProposedSanction("30d", "no-hate"))
    await harness.services.decisions.overrule(COUNSEL, case.id, "legal risk")
    with pytest.raises(InvalidState, match="overruled"):
        await harness.services.decisions.apply_sanction(STAFF, motion.id)
    assert harness.platform.restricted == []
