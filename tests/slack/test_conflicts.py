"""Conflicts of interest on Slack: a party to a case is refused, privately (ephemeral),
and nothing moves: no decision DM, no post in any channel, the case stays where it was."""

from __future__ import annotations

from bot.core.models import Appeal, AppealStatus, Case, CaseStatus, Motion
from tests.slack.conftest import COMMITTEE, COMMITTEE_CH, EXEC_CH, EXECUTIVE, SUBJECT, SlackWorld
from tests.slack.test_committee import _motion, _react


async def open_case_about(world: SlackWorld, subject: str) -> Case:
    await world.seat_committee()
    await world.command("/case", f"open <@{subject}> threatening messages to two members")
    async with world.app.storage.transaction() as tx:
        cases = await tx.find(Case)
    assert len(cases) == 1, world.fake.responses()
    return cases[0]


async def carry(world: SlackWorld, case: Case, voters: list[str]) -> Motion:
    motion = await _motion(world, case)
    for member in voters:
        await _react(world, motion, member, "white_check_mark")
    assert (await world.app.services.cases.tally_for(motion.id)).carried
    return motion


def posts(world: SlackWorld) -> int:
    return len(world.fake.called("chat.postMessage"))


def private_refusal(world: SlackWorld) -> str:
    """The last reply went through the response_url, ephemeral: only the actor saw it."""
    reply = world.fake.called("response_url")[-1]
    assert reply.params.get("response_type") == "ephemeral", reply.params
    return str(reply.params.get("text"))


async def status_of(world: SlackWorld, case: Case) -> CaseStatus:
    async with world.app.storage.transaction() as tx:
        stored = await tx.get(Case, case.id)
    assert stored is not None
    return stored.status


async def test_a_recused_member_cannot_decide(world: SlackWorld) -> None:
    case = await open_case_about(world, SUBJECT)
    await world.command("/recuse", f"{case.id} the subject is my business partner",
                        user=COMMITTEE[4], channel=COMMITTEE_CH)
    await carry(world, case, COMMITTEE[:4])
    before, dms = posts(world), len(world.fake.dm_texts(SUBJECT))
    await world.command("/decide", case.id, user=COMMITTEE[4], channel=COMMITTEE_CH)
    text = private_refusal(world)
    assert f"You recused yourself from case {case.id} on" in text
    assert len(world.fake.dm_texts(SUBJECT)) == dms and posts(world) == before
    assert await status_of(world, case) is CaseStatus.OPEN


async def test_the_subject_holding_the_committee_role_cannot_decide(world: SlackWorld) -> None:
    subject = COMMITTEE[4]
    case = await open_case_about(world, subject)
    await carry(world, case, COMMITTEE[:4])
    before, dms = posts(world), len(world.fake.dm_texts(subject))
    await world.command("/decide", case.id, user=subject, channel=COMMITTEE_CH)
    text = private_refusal(world)
    assert f"Case {case.id} is about you, so you cannot communicate the decision" in text
    assert len(world.fake.dm_texts(subject)) == dms and posts(world) == before
    assert await status_of(world, case) is CaseStatus.OPEN


async def test_the_subjects_reaction_is_not_counted_and_only_they_learn_why(
        world: SlackWorld) -> None:
    subject = COMMITTEE[4]
    case = await open_case_about(world, subject)
    motion = await _motion(world, case)
    await _react(world, motion, subject, "x")
    assert (await world.app.services.cases.tally_for(motion.id)).no == 0
    told = world.fake.called("chat.postEphemeral", user=subject)
    assert told and f"Case {case.id} is about you" in told[-1].params["text"]
    # The subject sits in the committee's channel, so the case is discussed in a private
    # conversation of its own, which they were never invited to.
    assert case.thread is not None and "/" not in case.thread.id
    assert subject not in world.fake.members[case.thread.id]
    shared = [c.get("text") for c in world.fake.called("chat.postMessage",
                                                        channel=case.thread.id)]
    # Not announced there either: a note would single out an ineligible member (an
    # anonymous reporter among them).
    assert shared and not any("does not count" in t for t in shared)


async def test_an_executive_cannot_decide_their_own_appeal(world: SlackWorld) -> None:
    case = await open_case_about(world, EXECUTIVE)
    await carry(world, case, COMMITTEE[:4])
    await world.hear(case.id)
    await world.command("/decide", case.id, user=COMMITTEE[0], channel=COMMITTEE_CH)
    await world.command("/appeal", f"{case.id} I never threatened anyone, read the thread.",
                        user=EXECUTIVE, channel=f"D{EXECUTIVE}")
    async with world.app.storage.transaction() as tx:
        appeals = await tx.find(Appeal, case_id=case.id)
    assert len(appeals) == 1, world.fake.responses()
    before, dms = posts(world), len(world.fake.dm_texts(EXECUTIVE))
    await world.command("/appeal", f"decide {appeals[0].id} overturned I was right.",
                        user=EXECUTIVE, channel=EXEC_CH)
    text = private_refusal(world)
    assert f"You appealed the decision on case {case.id}" in text
    assert posts(world) == before and len(world.fake.dm_texts(EXECUTIVE)) == dms
    async with world.app.storage.transaction() as tx:
        pending = await tx.get(Appeal, appeals[0].id)
    assert pending is not None and pending.status is AppealStatus.PENDING
    assert await status_of(world, case) is CaseStatus.APPEALED


async def test_the_subject_on_the_committee_cannot_read_their_case(world: SlackWorld) -> None:
    """`/case show` holds the report's words and the committee's deliberation: a member
    the case is about is refused, privately, as the case file refuses them."""
    subject = COMMITTEE[4]
    case = await open_case_about(world, subject)
    await world.command("/case", f"show {case.id}", user=subject, channel=COMMITTEE_CH)
    text = private_refusal(world)
    assert f"You cannot read case {case.id}: the case is about you" in text, text
    assert "threatening messages" not in text
    await world.command("/case", f"show {case.id}", user=COMMITTEE[0], channel=COMMITTEE_CH)
    assert "threatening messages" in world.fake.responses()[-1]
