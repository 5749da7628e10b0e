"""On Slack, a matter never goes to a channel the person it is about reads.

A report about a member of staff goes to the committee as a case, not to the staff queue
(nor to their App Home); a case about someone in the committee's channel is discussed in
a private conversation of its own, created for it, that they are not invited to; votes
there count as in a thread.
"""

from __future__ import annotations

import json

import pytest

from bot.core.models import Case, Motion, Report, ReportStatus
from tests.slack.conftest import (
    COMMITTEE,
    COMMITTEE_CH,
    COUNSEL,
    GENERAL,
    OUTSIDER,
    QUEUE,
    REPORTER,
    STAFF_USER,
    SlackWorld,
)
from tests.slack.test_committee import _motion, _react
from tests.slack.test_home import open_home

REASON = "mocked my accent in the all-hands call"


async def stored(world: SlackWorld) -> tuple[list[Report], list[Case]]:
    async with world.app.storage.transaction() as tx:
        return await tx.find(Report), await tx.find(Case)


def queue_texts(world: SlackWorld) -> str:
    return "\n".join(c.text for c in world.fake.calls
                     if c.get("channel") == QUEUE and c.method.startswith("chat."))


def readable_by(world: SlackWorld, user: str, channel: str) -> bool:
    return user in world.fake.members.get(channel, set())


@pytest.mark.parametrize("anonymous", [False, True])
async def test_a_report_about_staff_goes_to_the_committee_not_the_queue(
        world: SlackWorld, anonymous: bool) -> None:
    await world.seat_committee()
    world.fake.reset()
    prefix = "anonymous " if anonymous else ""
    await world.command("/report", f"{prefix}<@{STAFF_USER}|sam> {REASON}", user=REPORTER,
                        channel=GENERAL)
    (ack,) = world.fake.responses()
    (report,), (case,) = await stored(world)
    assert f"Your report *{report.id}* was received and only staff can see it" in ack
    assert report.status is ReportStatus.ESCALATED and report.case_id == case.id
    # Nothing reached the staff queue, nor the moderator's DMs or App Home.
    assert queue_texts(world) == ""
    home = json.dumps(await open_home(world, STAFF_USER))
    theirs = "\n".join([queue_texts(world), home, *world.fake.dm_texts(STAFF_USER)])
    for secret in (REASON, report.id, REPORTER):
        assert secret not in theirs, secret
    # The committee has it: the moderator does not sit in the committee's channel, so a
    # named report's case thread is there; a case from an anonymous report is always
    # discussed in a conversation of its own (wherever its reporter sits).
    assert not readable_by(world, STAFF_USER, COMMITTEE_CH)
    assert case.thread is not None
    place = case.thread.id if anonymous else COMMITTEE_CH
    assert case.thread.id.startswith(f"{COMMITTEE_CH}/") is not anonymous
    thread = "\n".join(c.text for c in world.fake.called("chat.postMessage", channel=place))
    assert REASON in thread and "not through the staff queue" in thread
    if anonymous:  # the reporter's id is in nothing sent to anyone but them
        for call in world.fake.calls:
            if call.get("channel") == f"D{REPORTER}" or call.method == "response_url" \
                    or call.get("users") == REPORTER:
                continue
            assert REPORTER not in call.text, call


async def test_a_report_about_a_member_reaches_the_queue_as_before(world: SlackWorld) -> None:
    await world.command("/report", f"<@{OUTSIDER}|o> {REASON}", user=REPORTER,
                        channel=GENERAL)
    assert REASON in queue_texts(world) and REPORTER in queue_texts(world)
    (report,), cases = await stored(world)
    assert report.status is ReportStatus.OPEN and cases == []
    assert world.fake.called("conversations.create") == []


async def test_a_case_about_a_committee_member_is_held_in_its_own_conversation(
        world: SlackWorld) -> None:
    subject = COMMITTEE[4]
    await world.seat_committee()
    world.fake.reset()
    await world.command("/case", f"open <@{subject}> threatening messages to two members")
    (case,) = (await stored(world))[1]
    assert case.thread is not None and "/" not in case.thread.id
    own = case.thread.id
    (created,) = world.fake.called("conversations.create")
    assert created.get("is_private") in (True, "true", "1") and own.startswith("G")
    (invited,) = world.fake.called("conversations.invite", channel=own)
    assert set(str(invited.get("users")).split(",")) == {*COMMITTEE[:4], COUNSEL}
    assert not readable_by(world, subject, own)
    # Nothing about the case in the committee's channel, where the subject reads.
    assert not any(case.id in c.text or "threatening" in c.text
                   for c in world.fake.calls if c.get("channel") == COMMITTEE_CH)
    assert "threatening" in "\n".join(c.text for c in world.fake.called(
        "chat.postMessage", channel=own))
    # Votes in the conversation count like votes in a thread.
    motion = await _motion(world, case)
    assert motion.message is not None and motion.message.channel == own
    for member in COMMITTEE[:4]:
        await _react(world, motion, member, "white_check_mark")
    tally = await world.app.services.cases.tally_for(motion.id)
    assert tally.yes == 4 and tally.carried
    async with world.app.storage.transaction() as tx:
        assert (await tx.get(Motion, motion.id)) is not None


async def test_a_recused_member_leaves_the_cases_conversation(world: SlackWorld) -> None:
    await world.seat_committee()
    await world.command("/case", f"open <@{COMMITTEE[4]}> threatening messages")
    (case,) = (await stored(world))[1]
    assert case.thread is not None
    await world.command("/recuse", f"{case.id} the subject is my business partner",
                        user=COMMITTEE[0], channel=case.thread.id)
    assert world.fake.called("conversations.kick", channel=case.thread.id, user=COMMITTEE[0])
    assert not readable_by(world, COMMITTEE[0], case.thread.id)
