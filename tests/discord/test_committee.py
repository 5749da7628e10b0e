"""The committee decides in a private thread by reactions; counsel and the Executive
Committee have the last word; the person is told and may appeal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.discord.conftest import World
from tests.fakes.discord.server import JSON, labels, message_text

CASE = re.compile(r"C-[0-9A-Z]{7}")


async def answered(world: World, token: str) -> str:
    fake = world.fake
    return "\n".join(await fake.wait_for(lambda: fake.reply_texts(token), "answered"))


async def open_case(world: World, severity: str = "serious") -> tuple[str, int]:
    """Staff open a case about bob; returns its reference and the thread id."""
    fake = world.fake
    reply = await answered(world, await fake.slash(
        world.staff, "case", "open", member=world.bob,
        summary="Repeated harassment of alice after two removals", severity=severity))
    found = CASE.search(reply)
    assert found, reply
    threads = await fake.wait_for(
        lambda: [cid for cid, c in fake.channels.items()
                 if c.get("parent_id") == str(world.committee_channel)],
        "opened the case thread")
    return found.group(0), threads[-1]


async def put_motion(world: World, ref: str, thread: int, **extra: str) -> JSON:
    fake = world.fake
    before = len(fake.messages[thread])
    await answered(world, await fake.slash(world.members[0], "motion", case=ref,
                                           text="Suspend bob for 30 days", channel=thread,
                                           **extra))
    await fake.wait_for(lambda: len(fake.messages[thread]) > before, "posted the motion")
    motion = list(fake.messages[thread].values())[before]
    await fake.wait_for(lambda: len(fake.reactions.get((thread, int(motion["id"])), {})) == 3,
                        "added the voting reactions")
    return motion


async def carry(world: World, thread: int, motion: JSON) -> None:
    """Four eligible members vote yes: quorum, and the motion carries."""
    fake = world.fake
    for member in world.members[:4]:
        await fake.react(member, motion, "✅")
    await fake.wait_for(lambda: "carried" in message_text(
        fake.messages[thread][int(motion["id"])]).lower(), "closed the motion")


async def test_case_thread_holds_only_eligible_members_and_counsel(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    added = fake.thread_members[thread] - {fake.bot.id}
    assert added == {m.id for m in world.members} | {world.counsel.id}
    assert world.bob.id not in added
    create = fake.find("POST", f"/channels/{world.committee_channel}/threads")[0]
    assert create.body["type"] == 12 and create.body["invitable"] is False
    assert "Repeated harassment" in "\n".join(fake.channel_texts(thread))
    assert ref in "\n".join(fake.channel_texts(thread))


async def test_a_severe_case_pings_the_committee_outside_the_thread(world: World) -> None:
    fake = world.fake
    _, thread = await open_case(world, severity="severe")
    ping = await fake.wait_for(lambda: fake.channel_texts(world.committee_channel),
                               "pinged the committee")
    assert "Emergency" in ping[0] and f"<#{thread}>" in ping[0]


@pytest.mark.suspended_role
async def test_reaction_vote_carries_with_quorum_and_the_sanction_applies_in_one_click(
        world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    motion = await put_motion(world, ref, thread, suspend_for="30d", clause="no-harassment")
    mid = int(motion["id"])
    assert set(fake.reactions[(thread, mid)]) == {"✅", "❌", "➖"}

    # Someone who is not on the panel reacts: removed, never counted.
    await fake.react(world.alice, motion, "✅")
    await fake.wait_for(lambda: world.alice.id not in fake.reactions[(thread, mid)]["✅"],
                        "removed the ineligible reaction")
    # A vote changed and a vote withdrawn.
    await fake.react(world.members[1], motion, "❌")
    await fake.react(world.members[1], motion, "❌", add=False)
    for member in world.members[:3]:
        await fake.react(member, motion, "✅")
    await fake.wait_for(lambda: "3" in message_text(fake.messages[thread][mid]),
                        "updated the tally")
    assert "carried" not in message_text(fake.messages[thread][mid]).lower()
    await fake.react(world.members[3], motion, "✅")
    ready = await fake.wait_for(
        lambda: [m for m in fake.messages[thread].values() if labels(m)], "announced the result")
    tally = message_text(fake.messages[thread][mid]).lower()
    assert "carried" in tally and "4" in tally
    ready_message = ready[0]
    ready_message["channel_id"] = str(thread)

    click = await fake.click(world.staff, ready_message, "Apply")
    applied = await answered(world, click)
    assert "S-" in applied, applied
    # 30 days is beyond Discord's 28-day timeout: the configured role carries it.
    role_path = f"/members/{world.bob.id}/roles/{world.suspended_role}"
    assert len(fake.find("PUT", role_path)) == 1
    assert world.suspended_role in fake.members[world.bob.id].roles
    second = await fake.click(world.staff, ready_message, "Apply")
    assert "already" in (await answered(world, second)).lower()
    assert len(fake.find("PUT", role_path)) == 1

    world.clock.advance(timedelta(days=30))
    assert await world.run_due() >= 1
    assert fake.find("DELETE", role_path)
    assert world.suspended_role not in fake.members[world.bob.id].roles


async def test_recusal_removes_the_member_from_the_thread(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    member = world.members[4]
    reply = await answered(world, await fake.slash(member, "recuse", case=ref,
                                                   reason="She is my neighbour"))
    assert "recused" in reply
    assert fake.find("DELETE", f"/channels/{thread}/thread-members/{member.id}")
    assert member.id not in fake.thread_members[thread]


async def test_decision_goes_by_dm_with_the_appeal_route_then_the_appeal_is_decided(
        world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    motion = await put_motion(world, ref, thread)
    await carry(world, thread, motion)
    await world.hear(ref)
    reply = await answered(world, await fake.slash(world.members[0], "decide", case=ref))
    assert "Appeals are open until" in reply
    dm = await fake.wait_for(lambda: fake.dms_to(world.bob), "sent the decision")
    assert ref in dm[-1] and "/appeal" in dm[-1] and "<t:" in dm[-1]

    world.clock.advance(timedelta(days=10))
    filed = await answered(world, await fake.slash(world.bob, "appeal", "file", case=ref,
                                                   reason="I was provoked"))
    appeal = re.search(r"A-[0-9A-Z]{7}", filed)
    assert appeal, filed
    landed = await fake.wait_for(lambda: fake.channel_texts(world.executive_channel),
                                 "sent the appeal to the Executive Committee")
    assert "I was provoked" in landed[0]

    refused = await answered(world, await fake.slash(world.alice, "appeals", "decide",
                                                     ref=appeal.group(0), outcome="overturned",
                                                     reason="no"))
    assert "Executive" in refused
    decided = await answered(world, await fake.slash(
        world.executive, "appeals", "decide", ref=appeal.group(0), outcome="upheld",
        reason="The record supports the decision"))
    assert "upheld" in decided
    assert "upheld" in fake.dms_to(world.bob)[-1].lower()


async def test_an_appeal_after_sixty_days_is_refused_with_the_deadline(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    motion = await put_motion(world, ref, thread)
    await carry(world, thread, motion)
    await world.hear(ref)
    await answered(world, await fake.slash(world.members[0], "decide", case=ref))
    world.clock.advance(timedelta(days=61))
    refused = await answered(world, await fake.slash(world.bob, "appeal", "file", case=ref,
                                                     reason="I only saw the decision now"))
    assert "closed" in refused.lower() or "deadline" in refused.lower()
    assert "<t:" in refused  # the deadline, shown in the reader's own time zone
    assert fake.channel_texts(world.executive_channel) == []


async def test_counsel_overrules_a_carried_motion(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    motion = await put_motion(world, ref, thread)
    await carry(world, thread, motion)
    member_try = await answered(world, await fake.slash(world.members[1], "overrule", case=ref,
                                                        reason="I disagree"))
    assert "counsel" in member_try.lower()
    reply = await answered(world, await fake.slash(
        world.counsel, "overrule", case=ref, reason="Exposes the association to liability"))
    assert "overruled" in reply
    assert any("liability" in text for text in fake.channel_texts(thread))




async def test_case_show_gives_status_and_appeal_window(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    motion = await put_motion(world, ref, thread)
    await carry(world, thread, motion)
    await world.hear(ref)
    await answered(world, await fake.slash(world.members[0], "decide", case=ref))
    shown = await answered(world, await fake.slash(world.staff, "case", "show", ref=ref))
    assert f"**Case {ref}** — decided" in shown and f"<@{world.bob.id}>" in shown
    assert "Appeal window until <t:" in shown
    refused = await answered(world, await fake.slash(world.alice, "case", "show", ref=ref))
    assert "staff" in refused.lower() and ref not in refused
