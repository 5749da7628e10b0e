"""The subject is heard on Discord, through the real client against the fake: the DM with
its statement button and form, the committee's thread and ``/case show``, the tally, the
reminder, closed DMs, and the committee's relayed conversation both ways."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.discord.conftest import World
from tests.discord.test_committee import answered, carry, put_motion
from tests.discord.test_conflicts import refused_privately
from tests.discord.test_reports import report_about_a_message
from tests.fakes.discord.server import JSON, labels, message_text

CASE = re.compile(r"C-[0-9A-Z]{7}")


async def escalated(world: World) -> tuple[str, int]:
    """Alice reports bob's insult; staff escalate it: the case ref and its thread."""
    fake = world.fake
    _, queued = await report_about_a_message(world)
    click = await fake.click(world.staff, queued, "Escalate")
    found = CASE.search((await fake.wait_for(lambda: fake.reply_texts(click), "escalated"))[0])
    assert found
    thread = next(cid for cid, c in fake.channels.items()
                  if c.get("parent_id") == str(world.committee_channel))
    return found.group(0), thread


def bot_dms(world: World) -> list[JSON]:
    return [m for m in world.fake.dm_messages(world.bob)
            if m["author"]["id"] == str(world.fake.bot.id)]


async def test_subject_is_asked_and_the_statement_reaches_the_committee(world: World) -> None:
    fake = world.fake
    ref, thread = await escalated(world)
    ask = (await fake.wait_for(lambda: [m for m in bot_dms(world) if ref in message_text(m)],
                               "asked bob for his statement"))[0]
    text = message_text(ask)
    assert "moron" in text and "Give or edit your statement" in labels(ask)
    for trace in (str(world.alice.id), "Insulting me", "alice>"):
        assert trace not in text
    assert "alice" not in text.replace("moron, alice", "")

    click = await fake.click(world.bob, ask, "statement")
    await fake.wait_for(lambda: fake.responses.get(click), "opened the statement form")
    assert fake.responses[click][0]["type"] == 9  # a modal, as the first answer
    submitted = await fake.submit_modal(world.bob, click, {
        "your side": "I was angry and I am sorry @everyone"})
    reply = (await fake.wait_for(lambda: fake.reply_texts(submitted), "thanked bob"))[0]
    assert "with the committee" in reply
    shown = await fake.wait_for(lambda: [t for t in fake.channel_texts(thread)
                                         if "Statement from the subject" in t],
                                "showed the statement in the thread")
    assert "I was angry" in shown[0] and "@everyone" not in shown[0]

    token = await fake.slash(world.members[0], "case", "show", ref=ref)
    assert "I was angry" in await answered(world, token)

    motion = await put_motion(world, ref, thread)
    await fake.react(world.members[1], motion, "✅")
    await fake.wait_for(lambda: "Subject's statement: received" in message_text(
        fake.messages[thread][int(motion["id"])]), "noted the statement under the tally")
    told = await fake.wait_for(lambda: [m for m in bot_dms(world)
                                        if "voting" in message_text(m)],
                               "told bob a motion is before the committee")
    assert "Suspend bob" not in message_text(told[0])


async def test_the_reminder_fires_on_the_fake_clock(world: World) -> None:
    fake = world.fake
    ref, _ = await escalated(world)
    await fake.wait_for(lambda: bot_dms(world), "asked bob")
    world.clock.advance(timedelta(days=5, minutes=1))
    assert await world.run_due() >= 1
    reminder = await fake.wait_for(lambda: [m for m in bot_dms(world)
                                            if "Reminder" in message_text(m)], "reminded bob")
    assert ref in message_text(reminder[0]) and labels(reminder[0])


async def test_closed_dms_tell_staff(world: World) -> None:
    fake = world.fake
    fake.closed_dms.add(world.bob.id)
    ref, _ = await escalated(world)
    alert = await fake.wait_for(lambda: [t for t in fake.channel_texts(world.staff_queue)
                                         if ref in t and "unreachable" in t],
                                "told staff bob is unreachable")
    assert str(world.bob.id) in alert[0]
    assert (await world.app.services.cases.get(ref)).subject_unreachable_at is not None


async def test_a_relayed_conversation_both_ways_then_ended(world: World) -> None:
    fake = world.fake
    ref, thread = await escalated(world)
    member = world.members[2]
    opened = await answered(world, await fake.slash(member, "case", "contact", case=ref,
                                                    channel=thread))
    assert "was told" in opened
    invite = await fake.wait_for(lambda: [m for m in bot_dms(world)
                                          if "would like to talk" in message_text(m)],
                                 "asked bob to talk")
    assert str(member.id) not in message_text(invite[0])

    await fake.say_dm(world.bob, "I would like to explain <@&123>")
    relayed = await fake.wait_for(lambda: [t for t in fake.channel_texts(thread)
                                           if "The subject wrote" in t], "relayed bob's DM")
    assert "I would like to explain" in relayed[0] and "<@&123>" not in relayed[0]
    await fake.wait_for(lambda: [m for m in bot_dms(world)
                                 if "Passed on" in message_text(m)], "acknowledged bob")

    said = await answered(world, await fake.slash(member, "case", "reply", case=ref,
                                                  text="Please tell us more.", channel=thread))
    assert "Member Review Committee" in said
    to_bob = await fake.wait_for(lambda: [m for m in bot_dms(world)
                                          if "Please tell us more" in message_text(m)],
                                 "relayed the committee's answer")
    assert "Member Review Committee" in message_text(to_bob[0])
    assert str(member.id) not in message_text(to_bob[0])

    # someone not party to it: refused, privately, nothing relayed
    refused = await answered(world, await fake.slash(world.alice, "case", "reply", case=ref,
                                                     text="Hi bob"))
    assert "Only seated members" in refused
    assert not any("Hi bob" in message_text(m) for m in bot_dms(world))

    click = await fake.click(world.bob, invite[0], "End the conversation")
    assert "ended" in (await fake.wait_for(lambda: fake.reply_texts(click), "ended"))[0]
    await fake.wait_for(lambda: [t for t in fake.channel_texts(thread)
                                 if "was ended by the subject" in t], "told the committee")
    await fake.say_dm(world.bob, "after the end")
    await fake.wait_for(lambda: [m for m in bot_dms(world)
                                 if "not passed on" in message_text(m)], "told bob")
    assert not any("after the end" in t for t in fake.channel_texts(thread))
    show = await answered(world, await fake.slash(world.members[0], "case", "show", ref=ref))
    assert "2 message(s) relayed" in show and "ended" in show


async def test_decide_waits_for_the_statement_unless_a_reason_is_given(world: World) -> None:
    """/decide before bob answered and before his deadline is refused, privately, saying
    until when and how to decide anyway; a reason decides, and the thread shows it."""
    fake = world.fake
    ref, thread = await escalated(world)
    motion = await put_motion(world, ref, thread)
    await carry(world, thread, motion)
    due = int((world.clock.now() + timedelta(days=7)).timestamp())
    refused = await refused_privately(world, world.members[0], "decide", case=ref)
    assert f"until <t:{due}:F>" in refused and "without_statement:" in refused
    assert "Nothing was changed" in refused
    short = await refused_privately(world, world.members[0], "decide", case=ref,
                                    without_statement="now")
    assert "at least 3 words" in short
    assert not [t for t in fake.dms_to(world.bob) if "has decided" in t]
    reply = await answered(world, await fake.slash(
        world.members[0], "decide", case=ref,
        without_statement="He told staff he will not take part"))
    assert "Appeals are open until" in reply
    decision = await fake.wait_for(
        lambda: [t for t in fake.dms_to(world.bob) if "has decided" in t], "sent the decision")
    assert ref in decision[0]
    [note] = [t for t in fake.channel_texts(thread) if "without the subject's statement" in t]
    assert "He told staff he will not take part" in note and f"<t:{due}:F>" in note
    assert f"<@{world.members[0].id}>" in note
