"""A committee member reports anonymously, twice, and appeals: nothing the bot sends to
anyone but themselves carries a trace of them (id, name, mention), on Discord."""

from __future__ import annotations

import json
import re

from tests.discord.conftest import World
from tests.discord.test_committee import answered, carry, put_motion
from tests.discord.test_reports import queue_message
from tests.fakes.discord.server import Call, FakeUser, message_text

CASE = re.compile(r"C-[0-9A-Z]{7}")
PSEUDONYM = re.compile(r"~[a-z2-7]{6}")


async def report_anonymously(world: World, reporter: FakeUser, tokens: list[str]) -> None:
    fake = world.fake
    token = await fake.slash(reporter, "report", reason="He keeps insulting everyone",
                             member=world.bob, anonymous=True)
    tokens.append(token)
    await fake.wait_for(lambda: fake.reply_texts(token), "acknowledged the report")


def outbound_to_others(world: World, reporter: FakeUser, own: list[str],
                       skip: list[str]) -> list[Call]:
    """Every request the bot made except its private answers to the reporter (``own``
    interactions, DMs to them) and the ``skip`` interactions checked separately."""
    fake = world.fake
    dm = fake.dm_channels.get(reporter.id)
    private = [*own, *skip] + ([f"/channels/{dm}/"] if dm else [])
    return [c for c in fake.calls if c.method != "GET"
            and not any(part in c.path for part in private)
            and not (c.path.endswith("/users/@me/channels")
                     and str((c.body or {}).get("recipient_id")) == str(reporter.id))]


async def test_full_anonymous_flow_leaves_no_trace_of_the_reporter(world: World) -> None:
    fake = world.fake
    reporter = world.members[6]  # a committee member, so they are also kept off the case
    own: list[str] = []

    # 1. An anonymous report, dismissed in bad faith: staff see a pseudonym and its record.
    await report_anonymously(world, reporter, own)
    click = await fake.click(world.staff, await queue_message(world), "Dismiss in bad faith")
    confirmation = await answered(world, click)
    assert "1 dismissed in bad faith" in confirmation and PSEUDONYM.search(confirmation)
    name = PSEUDONYM.search(confirmation).group(0)  # type: ignore[union-attr]

    # 2. /history of the reporter is that of someone who never reported.
    history_token = await fake.slash(world.staff, "history", member=reporter)
    history = await answered(world, history_token)
    control = await answered(world, await fake.slash(world.staff, "history",
                                                     member=world.members[5]))
    assert history.replace(str(reporter.id), "X") == control.replace(
        str(world.members[5].id), "X")
    assert "bad faith" not in history

    # 3. A second anonymous report shows the pseudonym's record, and is escalated.
    await report_anonymously(world, reporter, own)
    second = await queue_message(world, 2)
    assert f"{name}: 1 dismissed in bad faith" in message_text(second)
    reply = await answered(world, await fake.click(world.staff, second, "Escalate"))
    ref = CASE.search(reply).group(0)  # type: ignore[union-attr]
    [thread] = [cid for cid, c in fake.channels.items()
                if c.get("parent_id") == str(world.committee_channel)]
    assert reporter.id not in fake.thread_members[thread]
    opened = fake.channel_texts(thread)[0]
    assert "Eligible" not in opened and "Quorum is 4" in opened

    # 4. The committee decides; the reporter appeals; the Executive is not told who.
    motion = await put_motion(world, ref, thread)
    await carry(world, thread, motion)
    await world.hear(ref)
    await answered(world, await fake.slash(world.members[0], "decide", case=ref))
    token = await fake.slash(reporter, "appeal", "file", case=ref,
                             reason="The decision does not protect the people he insulted")
    own.append(token)
    assert "A-" in "\n".join(await fake.wait_for(lambda: fake.reply_texts(token), "filed"))
    landed = await fake.wait_for(lambda: fake.channel_texts(world.executive_channel),
                                 "told the Executive Committee")
    assert "the reporter (anonymous)" in landed[-1]

    # Nothing anyone else received carries the reporter's id, name or mention.
    sent = outbound_to_others(world, reporter, own, skip=[history_token])
    assert len(sent) > 20  # the flow really ran: queue posts, thread, motion, DMs, ...
    for call in sent:
        text = call.path + json.dumps(call.body)
        assert str(reporter.id) not in text and reporter.name not in text, call
