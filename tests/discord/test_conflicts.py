"""Conflicts of interest on Discord: a party to a case is refused, privately, and nothing
moves: no decision DM, no post, the case stays where it was."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.models import Appeal, AppealStatus, Case, CaseStatus
from tests.discord.conftest import World
from tests.discord.test_committee import answered, carry, put_motion
from tests.fakes.discord.server import JSON, FakeUser

CASE = re.compile(r"C-[0-9A-Z]{7}")
APPEAL = re.compile(r"A-[0-9A-Z]{7}")
EPHEMERAL = 64


async def open_case_about(world: World, subject: FakeUser) -> tuple[str, int]:
    fake = world.fake
    threads_before = {cid for cid, c in fake.channels.items()
                      if c.get("parent_id") == str(world.committee_channel)}
    reply = await answered(world, await fake.slash(
        world.staff, "case", "open", member=subject,
        summary="Threatening messages to two members", severity="serious"))
    found = CASE.search(reply)
    assert found, reply
    thread = await fake.wait_for(
        lambda: [cid for cid, c in fake.channels.items()
                 if c.get("parent_id") == str(world.committee_channel)
                 and cid not in threads_before], "opened the case thread")
    return found.group(0), thread[0]


async def refused_privately(world: World, user: FakeUser, *command: str,
                            **options: str) -> str:
    """Run a command; every answer to it must be ephemeral, and the text is returned."""
    fake = world.fake
    token = await fake.slash(user, *command, **options)
    text = await answered(world, token)
    for body in fake.responses[token]:
        assert (body.get("data", body).get("flags") or 0) & EPHEMERAL, body
    return text


async def stored(world: World, ref: str) -> Case:
    async with world.app.storage.transaction() as tx:
        case = await tx.get(Case, ref)
    assert case is not None
    return case


async def carried(world: World, thread: int, motion: JSON) -> None:
    """Carry the motion and wait for the result to be announced (the motion message and
    the announcement both say so), so no post is still on its way when the test counts."""
    await carry(world, thread, motion)
    await world.fake.wait_for(lambda: sum("CARRIED" in text for text in
                                          world.fake.channel_texts(thread)) >= 2,
                              "announced the result")


def channel_posts(world: World) -> int:
    return sum(len(texts) for texts in world.fake.messages.values())


async def test_a_recused_member_cannot_decide(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case_about(world, world.bob)
    recused = world.members[4]
    await answered(world, await fake.slash(recused, "recuse", case=ref,
                                           reason="bob is my brother-in-law"))
    await carried(world, thread, await put_motion(world, ref, thread))
    posts, dms = channel_posts(world), len(fake.dms_to(world.bob))
    text = await refused_privately(world, recused, "decide", case=ref)
    assert f"You recused yourself from case {ref} on" in text and "cannot" in text
    assert len(fake.dms_to(world.bob)) == dms  # no decision DM
    assert channel_posts(world) == posts
    assert (await stored(world, ref)).status is CaseStatus.OPEN


async def test_the_subject_holding_the_committee_role_cannot_decide(world: World) -> None:
    fake = world.fake
    subject = world.members[6]
    ref, thread = await open_case_about(world, subject)
    assert subject.id not in fake.thread_members[thread]
    await carried(world, thread, await put_motion(world, ref, thread))
    posts, dms = channel_posts(world), len(fake.dms_to(subject))
    text = await refused_privately(world, subject, "decide", case=ref)
    assert f"Case {ref} is about you, so you cannot communicate the decision" in text
    assert len(fake.dms_to(subject)) == dms  # no decision DM
    assert channel_posts(world) == posts
    assert (await stored(world, ref)).status is CaseStatus.OPEN


async def test_the_subjects_vote_is_removed_and_only_they_are_told_why(world: World) -> None:
    fake = world.fake
    subject = world.members[6]
    ref, thread = await open_case_about(world, subject)
    motion = await put_motion(world, ref, thread)
    await fake.react(subject, motion, "❌")
    await fake.wait_for(lambda: subject.id not in fake.reactions[(thread, int(motion["id"]))]
                        .get("❌", set()), "removed the subject's reaction")
    told = await fake.wait_for(
        lambda: [t for t in fake.dms_to(subject) if "cannot vote on it" in t],
        "told the subject why")
    assert f"Case {ref} is about you, so you cannot vote on it" in told[-1]
    assert not any("about you" in text for text in fake.channel_texts(thread))
    motion_ref = re.search(r"M-[0-9A-Z]{7}", str(motion["content"]))
    assert motion_ref is not None
    assert (await world.app.services.cases.tally_for(motion_ref.group(0))).no == 0


async def test_an_executive_cannot_decide_their_own_appeal(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case_about(world, world.executive)
    await carried(world, thread, await put_motion(world, ref, thread))
    await world.hear(ref)
    await answered(world, await fake.slash(world.members[0], "decide", case=ref))
    world.clock.advance(timedelta(days=3))
    filed = await answered(world, await fake.slash(
        world.executive, "appeal", "file", case=ref, reason="I never threatened anyone."))
    appeal = APPEAL.search(filed)
    assert appeal, filed
    # The case is about an Executive member, who reads the Executive's channel: the appeal
    # goes to a private thread of its own, with the other Executive members only.
    await fake.wait_for(lambda: fake.find(
        "POST", f"/channels/{world.executive_channel}/threads"), "routed it apart")
    assert fake.channel_texts(world.executive_channel) == []
    assert not any(world.executive.id in members for members in fake.thread_members.values())
    dms, posts = len(fake.dms_to(world.executive)), channel_posts(world)

    text = await refused_privately(world, world.executive, "appeals", "decide",
                                   ref=appeal.group(0), outcome="overturned",
                                   reason="I was right")
    assert f"You appealed the decision on case {ref}" in text
    assert len(fake.dms_to(world.executive)) == dms and channel_posts(world) == posts
    assert (await stored(world, ref)).status is CaseStatus.APPEALED
    async with world.app.storage.transaction() as tx:
        pending = await tx.get(Appeal, appeal.group(0))
    assert pending is not None and pending.status is AppealStatus.PENDING


async def test_the_subject_on_the_committee_cannot_read_their_case(world: World) -> None:
    """`/case show` holds the report's words and the committee's deliberation: a member
    the case is about is refused, privately, as the case file refuses them."""
    subject = world.members[6]
    ref, _ = await open_case_about(world, subject)
    text = await refused_privately(world, subject, "case", "show", ref=ref)
    assert f"You cannot read case {ref}: the case is about you" in text, text
    assert "Threatening messages" not in text
    shown = await answered(world, await world.fake.slash(world.members[0], "case", "show",
                                                        ref=ref))
    assert "Threatening messages" in shown, shown  # a member free of conflict reads it


async def test_a_recusal_after_the_vote_carried_reopens_the_motion(world: World) -> None:
    """One of the four members whose ✅ carried the motion declares a conflict: the
    motion is no longer carried (quorum lost), the thread says so, and /decide is
    refused privately until the members free to vote carry it again."""
    fake = world.fake
    ref, thread = await open_case_about(world, world.bob)
    motion = await put_motion(world, ref, thread)
    await carried(world, thread, motion)
    await answered(world, await fake.slash(world.members[1], "recuse", case=ref,
                                           reason="bob is my flatmate"))
    await fake.wait_for(lambda: any("no longer carried" in text
                                    for text in fake.channel_texts(thread)), "said so")
    dms = len(fake.dms_to(world.bob))
    text = await refused_privately(world, world.members[0], "decide", case=ref)
    assert "carried" in text, text
    assert len(fake.dms_to(world.bob)) == dms
    assert (await stored(world, ref)).status is CaseStatus.OPEN
    await fake.react(world.members[4], motion, "✅")
    await fake.wait_for(lambda: sum("CARRIED" in t for t in fake.channel_texts(thread)) >= 3,
                        "carried again")
