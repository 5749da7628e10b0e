"""Committee cases: the private thread, recusal, statements, motions and reaction votes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.errors import CocBotError, InvalidInput, InvalidState, NotFound, NotPermitted
from bot.core.identity import PersonRef, PlaceRef
from bot.core.models import (
    ENTITY_TYPES,
    ActionKind,
    ActionStatus,
    Actor,
    Case,
    CaseOrigin,
    Motion,
    MotionStatus,
    Recusal,
    Role,
    ScheduledAction,
    Severity,
    Vote,
    VoteChoice,
)
from bot.core.policy import Policy
from bot.core.ports import NoticeKind, Storage
from bot.core.services import ProposedSanction
from tests.core.harness import STAFF, Harness, build_harness, committee_actor, person

YES, NO, ABSTAIN = VoteChoice.YES, VoteChoice.NO, VoteChoice.ABSTAIN
SUBJECT = person("subject")
COUNSEL = person("counsel")
OUTSIDER = person("outsider")


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


async def seated(h: Harness) -> list[PersonRef]:
    return await h.seat_committee()


async def open_case(h: Harness, subject: PersonRef = SUBJECT, *,
                    severity: Severity = Severity.SERIOUS,
                    reporter: PersonRef | None = None) -> Case:
    return await h.services.cases.open(STAFF.person, subject, "harassment in #general",
                                       origin=CaseOrigin.REPORT if reporter else CaseOrigin.STAFF,
                                       severity=severity, reporter=reporter)


async def motion_on(h: Harness, case: Case, proposer: PersonRef,
                    text: str = "Suspend for 30 days") -> Motion:
    return await h.services.cases.propose(committee_actor(proposer), case.id, text)


async def cast(h: Harness, motion: Motion, votes: list[tuple[PersonRef, VoteChoice]]) -> None:
    for voter, choice in votes:
        await h.services.cases.vote(voter, motion.id, choice)


async def stored_motion(h: Harness, motion: Motion) -> Motion:
    async with h.storage.transaction() as tx:
        found = await tx.get(Motion, motion.id)
    assert found is not None
    return found


def thread_texts(h: Harness, case: Case) -> list[str]:
    return [n.text for place, n in h.platform.posts if place == case.thread]


# Opening a case ---------------------------------------------------------------------


async def test_thread_holds_only_eligible_members_and_counsel(harness: Harness) -> None:
    members = await seated(harness)
    subject, reporter = members[6], members[5]  # committee members can be involved too
    case = await open_case(harness, subject, reporter=reporter)
    [(title, added)] = harness.platform.threads
    assert title == f"Case {case.id}"
    assert set(added) == {*members[:5], COUNSEL} and len(added) == 6
    assert subject not in added and reporter not in added
    assert case.thread == PlaceRef(harness.platform.platform, "100", "thread-1")
    place, notice = harness.platform.posts[-1]
    assert place == case.thread and notice.kind is NoticeKind.CASE_OPENED
    # No count and no names: a member left out (the reporter) must not be singled out.
    assert "Quorum is 4" in notice.text and "5" not in notice.text.split("Quorum")[1]
    assert "Eligible members" not in notice.text
    assert notice.mention_everyone is False and "EMERGENCY" not in notice.text
    assert reporter.id not in notice.text  # the opening post never names the reporter
    assert (await harness.services.cases.get(case.id)).thread == case.thread


@pytest.mark.parametrize(("severity", "emergency"), [
    (Severity.SEVERE, True),
    (Severity.SERIOUS, False),
    (Severity.MINOR, False),
])
async def test_severe_cases_ping_everyone_as_an_emergency(
        harness: Harness, severity: Severity, emergency: bool) -> None:
    await seated(harness)
    case = await harness.services.cases.open_by_staff(STAFF, SUBJECT, "threats in DMs", severity)
    assert case.origin is CaseOrigin.STAFF and case.severity is severity
    _, notice = harness.platform.posts[-1]
    assert notice.mention_everyone is emergency
    assert ("EMERGENCY: please convene as soon as practical." in notice.text) is emergency


@pytest.mark.parametrize(("actor", "summary", "error", "message"), [
    (Actor(person("member")), "threats", NotPermitted, "Only staff"),
    (committee_actor(person("c1")), "threats", NotPermitted, "Only staff"),
    (STAFF, "   ", InvalidInput, "short summary"),
])
async def test_bad_case_openings_change_nothing(harness: Harness, actor: Actor, summary: str,
                                                error: type[CocBotError], message: str) -> None:
    await seated(harness)
    before = await snapshot(harness)
    with pytest.raises(error, match=message):
        await harness.services.cases.open_by_staff(actor, SUBJECT, summary, Severity.SEVERE)
    assert await snapshot(harness) == before
    assert harness.platform.threads == []


async def test_case_is_recorded_even_if_the_thread_cannot_open(harness: Harness) -> None:
    await seated(harness)
    harness.platform.down = True
    case = await open_case(harness)
    assert case.thread is None
    assert (await harness.services.cases.get(case.id)).summary == "harassment in #general"


# Recusal ----------------------------------------------------------------------------


async def test_recusal_removes_member_from_thread_and_their_votes_stop_counting(
        harness: Harness) -> None:
    members = await seated(harness)
    case = await open_case(harness)
    motion = await motion_on(harness, case, members[0])
    await cast(harness, motion, [(members[0], YES), (members[1], YES), (members[2], YES)])
    assert (await harness.services.cases.tally_for(motion.id)).yes == 3
    edits_before = len(harness.platform.edits)

    recusal = await harness.services.cases.recuse(committee_actor(members[1]), case.id,
                                                  "I work with the subject")
    assert recusal.reason == "I work with the subject" and recusal.member == members[1]
    assert harness.platform.removed_from_threads == [(case.thread, members[1])]
    result = await harness.services.cases.tally_for(motion.id)
    assert (result.yes, result.ignored) == (2, 1)
    # the motion message shows the recount straight away
    assert len(harness.platform.edits) == edits_before + 1
    message, notice = harness.platform.edits[-1]
    assert message == motion.message and "✅ 2 ·" in notice.text

    outcome = await harness.services.cases.vote(members[1], motion.id, NO)
    assert outcome.counted is False and "recused" in outcome.reason
    assert (await harness.services.cases.tally_for(motion.id)).no == 0
    with pytest.raises(NotPermitted, match="You recused yourself from case"):
        await motion_on(harness, case, members[1])


@pytest.mark.parametrize(("who", "ref", "reason", "error", "message"), [
    ("c1", None, "  ", InvalidInput, "nature of the conflict"),
    ("c1", "C-0000000", "friend", NotFound, "no case"),
    ("outsider", None, "friend", NotPermitted, "seated committee members"),
])
async def test_bad_recusals_change_nothing(harness: Harness, who: str, ref: str | None,
                                           reason: str, error: type[CocBotError],
                                           message: str) -> None:
    await seated(harness)
    case = await open_case(harness)
    before = await snapshot(harness)
    with pytest.raises(error, match=message):
        await harness.services.cases.recuse(committee_actor(person(who)), ref or case.id, reason)
    assert await snapshot(harness) == before
    assert harness.platform.removed_from_threads == []


async def test_recusing_twice_is_refused(harness: Harness) -> None:
    members = await seated(harness)
    case = await open_case(harness)
    await harness.services.cases.recuse(committee_actor(members[0]), case.id, "my colleague")
    with pytest.raises(InvalidState, match="already recused"):
        await harness.services.cases.recuse(committee_actor(members[0]), case.id, "again")
    async with harness.storage.transaction() as tx:
        assert await tx.count(Recusal) == 1


# The subject's statement: tests/core/flows/test_hearing.py


# Motions ----------------------------------------------------------------------------


async def test_motion_is_posted_in_the_thread_with_voting_reactions(harness: Harness) -> None:
    members = await seated(harness)
    case = await open_case(harness)
    motion = await motion_on(harness, case, members[0])
    assert motion.message is not None and case.thread is not None
    assert motion.message.channel == case.thread.id
    assert any(motion.id in t and "Quorum: 4" in t for t in thread_texts(harness, case))
    assert [e for m, e in harness.platform.reactions if m == motion.message] == ["✅", "❌", "➖"]
    assert motion.closes_at == harness.clock.now() + timedelta(days=7)
    async with harness.storage.transaction() as tx:
        action = await tx.get(ScheduledAction,
                              ScheduledAction.key_for(ActionKind.MOTION_CLOSE, motion.id))
    assert action is not None and action.due_at == motion.closes_at
    assert await harness.services.cases.motion_for_message(motion.message) == motion


@pytest.mark.parametrize(("proposer", "ref", "text", "sanction", "error", "message"), [
    ("c1", None, "  ", None, InvalidInput, "write the motion"),
    ("c1", None, "Suspend", ProposedSanction("a while", "no-hate"), InvalidInput,
     "not a duration"),
    ("c1", None, "Suspend", ProposedSanction("30d", "no-such-clause"), InvalidInput,
     "no clause"),
    ("c1", "C-0000000", "Suspend", None, NotFound, "no case"),
    ("outsider", None, "Suspend", None, NotPermitted, "eligible"),
    ("c7", None, "Dismiss the case", None, NotPermitted, "is about you"),  # c7 is the subject
])
async def test_bad_motions_change_nothing(harness: Harness, proposer: str, ref: str | None,
                                          text: str, sanction: ProposedSanction | None,
                                          error: type[CocBotError], message: str) -> None:
    members = await seated(harness)
    case = await open_case(harness, members[6])
    before = await snapshot(harness)
    with pytest.raises(error, match=message):
        await harness.services.cases.propose(committee_actor(person(proposer)), ref or case.id,
                                             text, sanction)
    assert await snapshot(harness) == before
    assert harness.platform.reactions == []


async def test_no_motions_once_a_case_is_closed(harness: Harness) -> None:
    members = await seated(harness)
    case = await open_case(harness)
    await harness.services.cases.close(STAFF, case.id, "withdrawn by the reporter")
    with pytest.raises(InvalidState, match="closed; no new motions"):
        await motion_on(harness, case, members[0])


# Votes ------------------------------------------------------------------------------

# votes by seat number (1..7); seat 7 is the subject of the case
WINDOW_TABLE = [
    ("three yes: no quorum", [(1, YES), (2, YES), (3, YES)], (3, 0, 0), MotionStatus.FAILED),
    ("majority with quorum", [(1, YES), (2, YES), (3, YES), (4, NO)], (3, 1, 0),
     MotionStatus.CARRIED),
    ("abstentions count toward quorum", [(1, YES), (2, YES), (3, ABSTAIN), (4, ABSTAIN)],
     (2, 0, 2), MotionStatus.CARRIED),
    ("a tie fails", [(1, YES), (2, YES), (3, NO), (4, NO)], (2, 2, 0), MotionStatus.FAILED),
    ("a tie with abstentions fails", [(1, YES), (2, NO), (3, ABSTAIN), (4, ABSTAIN)],
     (1, 1, 2), MotionStatus.FAILED),
    ("the subject's vote never counts", [(1, YES), (2, YES), (3, YES), (7, YES)], (3, 0, 0),
     MotionStatus.FAILED),
    ("changed votes count once", [(1, NO), (2, YES), (3, YES), (1, YES), (4, NO)], (3, 1, 0),
     MotionStatus.CARRIED),
]


@pytest.mark.parametrize(("votes", "counts", "status"), [row[1:] for row in WINDOW_TABLE],
                         ids=[row[0] for row in WINDOW_TABLE])
async def test_window_closes_motion_with_the_result_as_it_stands(
        harness: Harness, votes: list[tuple[int, VoteChoice]], counts: tuple[int, int, int],
        status: MotionStatus) -> None:
    members = await seated(harness)
    case = await open_case(harness, members[6])
    motion = await motion_on(harness, case, members[0])
    # the subject is heard, so their statement reminder is not on the calendar either
    await harness.services.hearing.submit(Actor(case.subject), case.id, "My side.")
    await cast(harness, motion, [(members[n - 1], choice) for n, choice in votes])
    assert (await stored_motion(harness, motion)).status is MotionStatus.OPEN
    result = await harness.services.cases.tally_for(motion.id)
    assert (result.yes, result.no, result.abstain) == counts

    harness.clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert await harness.run_due() == 0
    harness.clock.advance(timedelta(seconds=1))
    assert await harness.run_due() == 1
    closed = await stored_motion(harness, motion)
    assert closed.status is status and closed.closed_at == harness.clock.now()
    announcement = thread_texts(harness, case)[-1]
    assert f"Motion {motion.id} on case {case.id}: {status.value.upper()}" in announcement
    assert result.describe() in announcement
    # the motion message itself no longer looks open
    message, shown = harness.platform.edits[-1]
    assert message == motion.message
    assert shown.text.endswith(f"{result.describe()} — {status.value.upper()}")
    assert await harness.run_due() == 0  # exactly once


EARLY_TABLE = [
    ("four yes decide it", [(1, YES), (2, YES), (3, YES), (4, YES)], MotionStatus.CARRIED),
    ("four no decide it", [(1, NO), (2, NO), (3, NO), (4, NO)], MotionStatus.FAILED),
    ("a full tie is decided", [(1, YES), (2, YES), (3, YES), (4, NO), (5, NO), (6, NO)],
     MotionStatus.FAILED),
    ("three yes could still lose", [(1, YES), (2, YES), (3, YES)], MotionStatus.OPEN),
    ("three to two could still tie", [(1, YES), (2, YES), (3, YES), (4, NO), (5, NO)],
     MotionStatus.OPEN),
    ("three no: a tie at best", [(1, NO), (2, NO), (3, NO)], MotionStatus.FAILED),
    ("two no with four to come", [(1, NO), (2, NO)], MotionStatus.OPEN),
]


@pytest.mark.parametrize(("votes", "status"), [row[1:] for row in EARLY_TABLE],
                         ids=[row[0] for row in EARLY_TABLE])
async def test_motion_closes_early_only_when_the_outcome_is_decided(
        harness: Harness, votes: list[tuple[int, VoteChoice]], status: MotionStatus) -> None:
    members = await seated(harness)
    case = await open_case(harness, members[6])  # six members may vote
    motion = await motion_on(harness, case, members[0])
    await cast(harness, motion, [(members[n - 1], choice) for n, choice in votes])
    stored = await stored_motion(harness, motion)
    assert stored.status is status
    results = [t for t in thread_texts(harness, case) if "Motion" in t and ": " in t
               and any(s in t for s in ("CARRIED", "FAILED"))]
    async with harness.storage.transaction() as tx:
        action = await tx.get(ScheduledAction,
                              ScheduledAction.key_for(ActionKind.MOTION_CLOSE, motion.id))
    assert action is not None
    if status is MotionStatus.OPEN:
        assert results == [] and action.status is ActionStatus.PENDING
    else:
        assert len(results) == 1 and status.value.upper() in results[0]
        assert action.status is ActionStatus.CANCELLED
        assert harness.platform.edits[-1][1].text.endswith(status.value.upper())
        late = await harness.services.cases.vote(members[5], motion.id, YES)
        assert late.counted is False and "closed" in late.reason
        assert late.tally == await harness.services.cases.tally_for(motion.id)


async def test_carried_motion_with_a_sanction_is_announced_as_ready(harness: Harness) -> None:
    members = await seated(harness)
    case = await open_case(harness)
    motion = await harness.services.cases.propose(committee_actor(members[0]), case.id,
                                                  "Suspend for 30 days",
                                                  ProposedSanction("30d", "no-harassment"))
    await cast(harness, motion, [(m, YES) for m in members[:4]])
    _, notice = harness.platform.posts[-1]
    assert notice.kind is NoticeKind.SANCTION_READY and notice.subject_id == motion.id


async def test_quorum_counts_only_eligible_non_recused_voters(harness: Harness) -> None:
    members = await seated(harness)
    case = await open_case(harness, members[6], reporter=members[5])
    await harness.services.cases.recuse(committee_actor(members[4]), case.id, "my manager")
    motion = await motion_on(harness, case, members[0])
    outcomes = [await harness.services.cases.vote(voter, motion.id, YES)
                for voter in (members[0], members[1], members[2], members[4], members[5],
                              members[6], OUTSIDER, STAFF.person)]
    assert [o.counted for o in outcomes] == [True, True, True] + [False] * 5
    assert "recused" in outcomes[3].reason
    assert "You reported this case" in outcomes[4].reason
    assert "is about you" in outcomes[5].reason
    assert all("Only eligible committee members" in o.reason for o in outcomes[6:])
    # What the committee may be told never says which conflict it was.
    assert outcomes[3].notice == outcomes[4].notice == outcomes[5].notice
    assert "conflict of interest" in outcomes[4].notice and "report" not in outcomes[4].notice
    result = await harness.services.cases.tally_for(motion.id)
    assert (result.yes, result.participating, result.quorum_met) == (3, 3, False)
    async with harness.storage.transaction() as tx:
        voters = {v.voter for v in await tx.find(Vote, motion_id=motion.id)}
    assert voters == set(members[:3])  # refused votes are never stored
    # Four members may vote (1-4): three yes and one outstanding cannot be beaten.
    assert (await stored_motion(harness, motion)).status is MotionStatus.OPEN
    await harness.services.cases.vote(members[3], motion.id, NO)
    assert (await stored_motion(harness, motion)).status is MotionStatus.CARRIED


async def test_votes_change_until_close_and_a_retraction_withdraws(harness: Harness) -> None:
    members = await seated(harness)
    case = await open_case(harness)
    motion = await motion_on(harness, case, members[0])
    cases = harness.services.cases
    await cases.vote(members[0], motion.id, YES)
    await cases.vote(members[0], motion.id, YES)  # a replayed event counts once
    assert (await cases.tally_for(motion.id)).yes == 1
    outcome = await cases.vote(members[0], motion.id, NO)  # switching: ❌ added ...
    assert (outcome.tally.yes, outcome.tally.no) == (0, 1)
    assert await cases.retract(members[0], motion.id, YES) is None  # ... then ✅ removed
    assert (await cases.tally_for(motion.id)).no == 1
    withdrawn = await cases.retract(members[0], motion.id, NO)
    assert withdrawn is not None and withdrawn.counted
    assert withdrawn.tally.participating == 0
    async with harness.storage.transaction() as tx:
        assert await tx.count(Vote) == 0


async def test_tally_is_edited_in_place_on_the_motion_message(harness: Harness) -> None:
    members = await seated(harness)
    case = await open_case(harness)
    motion = await motion_on(harness, case, members[0])
    posts_before = len(harness.platform.posts)
    await cast(harness, motion, [(members[0], YES), (members[1], NO), (members[2], ABSTAIN)])
    await harness.services.cases.vote(OUTSIDER, motion.id, YES)  # refused: no edit
    assert len(harness.platform.posts) == posts_before  # votes never add messages
    assert [m for m, _ in harness.platform.edits] == [motion.message] * 3
    last = harness.platform.edits[-1][1].text
    assert "**Tally:** ✅ 1 · ❌ 1 · ➖ 1 — 3 of 4 needed for quorum (quorum not met)" in last
    assert motion.text in last


async def test_votes_on_unknown_motions_are_refused(harness: Harness) -> None:
    members = await seated(harness)
    with pytest.raises(NotFound, match="no motion"):
        await harness.services.cases.vote(members[0], "M-0000000", YES)


async def test_closing_a_motion_twice_does_nothing(harness: Harness) -> None:
    members = await seated(harness)
    case = await open_case(harness)
    motion = await motion_on(harness, case, members[0])
    first = await harness.services.cases.close_motion(motion.id)
    assert first is not None and first.status is MotionStatus.FAILED
    posts = len(harness.platform.posts)
    assert await harness.services.cases.close_motion(motion.id) is None
    assert len(harness.platform.posts) == posts


async def test_case_close_needs_staff_and_an_open_case(harness: Harness) -> None:
    await seated(harness)
    case = await open_case(harness)
    with pytest.raises(NotPermitted):
        await harness.services.cases.close(Actor(SUBJECT, frozenset({Role.COMMITTEE})),
                                           case.id, "resolved")
    closed = await harness.services.cases.close(STAFF, case.id, "resolved by amends")
    assert closed.final_at == harness.clock.now()
    with pytest.raises(InvalidState, match="not open"):
        await harness.services.cases.close(STAFF, case.id, "again")


async def test_vote_window_and_quorum_follow_the_policy(clock: FakeClock,
                                                        storage: Storage) -> None:
    h = await build_harness(clock, storage, Policy(quorum=3, vote_window=timedelta(days=3)))
    members = await h.seat_committee()
    case = await open_case(h)
    motion = await motion_on(h, case, members[0])
    assert motion.closes_at == clock.now() + timedelta(days=3)
    assert "Quorum: 3" in thread_texts(h, case)[-1]
    await cast(h, motion, [(members[0], YES), (members[1], YES), (members[2], YES)])
    assert (await stored_motion(h, motion)).status is MotionStatus.OPEN
    clock.advance(timedelta(days=3))
    assert await h.run_due() == 1
    assert (await stored_motion(h, motion)).status is MotionStatus.CARRIED


async def test_closing_a_case_needs_a_reason(harness: Harness) -> None:
    from bot.core.models import CaseStatus

    case = await harness.services.cases.open(STAFF.person, person("subject"), "summary",
                                             origin=CaseOrigin.STAFF)
    with pytest.raises(InvalidInput, match="why the case is closed"):
        await harness.services.cases.close(STAFF, case.id, "")
    assert (await harness.services.cases.get(case.id)).status is CaseStatus.OPEN


async def _close_action(h: Harness, motion: Motion) -> ScheduledAction | None:
    async with h.storage.transaction() as tx:
        return await tx.get(ScheduledAction, ScheduledAction.key_for(ActionKind.MOTION_CLOSE,
                                                                     motion.id))


async def test_a_closed_case_takes_no_more_votes_and_its_motions_cannot_carry(
        harness: Harness) -> None:
    """Staff close a case while a motion is open: the motion closes with it (not carried),
    its window no longer runs, and a late reaction is refused and not stored."""
    members = await seated(harness)
    case = await open_case(harness)
    motion = await motion_on(harness, case, members[0])
    await cast(harness, motion, [(members[0], YES)])
    await harness.services.cases.close(STAFF, case.id, "resolved by amends")
    closed = await stored_motion(harness, motion)
    assert closed.status is MotionStatus.FAILED and closed.closed_at is not None
    action = await _close_action(harness, motion)
    assert action is None or action.status is not ActionStatus.PENDING
    outcomes = [await harness.services.cases.vote(m, motion.id, YES) for m in members[1:5]]
    assert not any(o.counted for o in outcomes)
    assert f"Motion {motion.id} is closed" in outcomes[0].reason
    async with harness.storage.transaction() as tx:
        assert {v.voter for v in await tx.find(Vote, motion_id=motion.id)} == {members[0]}
    harness.clock.advance(timedelta(days=8))
    await harness.run_due()
    assert (await stored_motion(harness, motion)).status is MotionStatus.FAILED


async def test_a_recusal_after_a_motion_carried_reopens_it_if_it_no_longer_carries(
        harness: Harness) -> None:
    """Four yes carry a motion early; one of the four then declares a conflict. Their
    vote stops counting, so the motion lacks its quorum: it cannot be communicated as
    carried, and it is open again for the members still free to vote, until its window."""
    members = await seated(harness)
    case = await open_case(harness)
    await harness.hear(case.id)
    motion = await motion_on(harness, case, members[0])
    await cast(harness, motion, [(m, YES) for m in members[:4]])
    assert (await stored_motion(harness, motion)).status is MotionStatus.CARRIED
    await harness.services.cases.recuse(committee_actor(members[1]), case.id,
                                        "I coach the subject's team")
    reopened = await stored_motion(harness, motion)
    assert reopened.status is MotionStatus.OPEN and reopened.closed_at is None
    action = await _close_action(harness, motion)
    assert action is not None and action.status is ActionStatus.PENDING
    assert action.due_at == motion.closes_at
    with pytest.raises(InvalidState, match="no carried motion"):
        await harness.services.decisions.decide(committee_actor(members[0]), case.id)
    assert any("no longer carried" in text for text in thread_texts(harness, case))
    await cast(harness, motion, [(members[4], YES)])
    assert (await stored_motion(harness, motion)).status is MotionStatus.CARRIED
    decided, _ = await harness.services.decisions.decide(committee_actor(members[0]), case.id)
    assert decided.decision is not None


async def test_a_recusal_after_the_window_leaves_a_motion_failed(harness: Harness) -> None:
    members = await seated(harness)
    case = await open_case(harness)
    motion = await motion_on(harness, case, members[0])
    await cast(harness, motion, [(m, YES) for m in members[:4]])
    harness.clock.advance(timedelta(days=8))
    await harness.services.cases.recuse(committee_actor(members[1]), case.id, "my cousin")
    assert (await stored_motion(harness, motion)).status is MotionStatus.FAILED
    with pytest.raises(InvalidState, match="no carried motion"):
        await harness.services.decisions.decide(committee_actor(members[0]), case.id)


async def test_a_recusal_that_leaves_the_result_standing_changes_nothing(
        harness: Harness) -> None:
    members = await seated(harness)
    case = await open_case(harness)
    motion = await motion_on(harness, case, members[0])
    await cast(harness, motion, [(members[0], YES), (members[1], NO), (members[2], YES),
                                 (members[3], YES), (members[4], YES)])
    assert (await stored_motion(harness, motion)).status is MotionStatus.CARRIED
    await harness.services.cases.recuse(committee_actor(members[2]), case.id, "a friend")
    result = await harness.services.cases.tally_for(motion.id)
    assert (result.yes, result.no, result.carried) == (3, 1, True)
    assert (await stored_motion(harness, motion)).status is MotionStatus.CARRIED
    assert not any("no longer carried" in text for text in thread_texts(harness, case))
