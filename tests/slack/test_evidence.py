"""Evidence on Slack: the channel's (or the thread's) history around a removed message is
read before the delete and kept, masked, with the incident; later edits are kept too."""

from __future__ import annotations

import asyncio

from bot.core.models import Evidence, EvidenceKind, Incident
from bot.core.services import ReportDraft
from bot.slack_io import refs
from tests.slack.conftest import GENERAL, REPORTER, SUBJECT, SlackWorld
from tests.slack.helpers import link
from tests.slack.test_watch import changed
from tests.waiting import DEADLINE


async def _kept(world: SlackWorld) -> list[Evidence]:
    async with world.app.storage.transaction() as tx:
        incidents = await tx.find(Incident)
        rows = await tx.find(Evidence, subject_id=incidents[0].id)
    return sorted(rows, key=lambda r: r.position)


async def test_remove_keeps_the_channel_context_read_before_the_delete(
        world: SlackWorld) -> None:
    fake = world.fake
    for n in range(7):
        fake.add_message(GENERAL, REPORTER, f"before {n}")
    ts = fake.add_message(GENERAL, SUBJECT, "idiot, my number is 312-555-0199", files=[
        {"name": "shot.png", "permalink": "https://fake.slack.com/files/shot.png"}])
    for n in range(8):
        fake.add_message(GENERAL, REPORTER, f"after {n}")
    await world.command("/remove", f"{link(GENERAL, ts)} no-hate")
    history = fake.called("conversations.history", channel=GENERAL)
    delete = fake.called("chat.delete", channel=GENERAL, ts=ts)[0]
    assert history and all(fake.calls.index(h) < fake.calls.index(delete) for h in history)
    rows = await _kept(world)
    assert [r.position for r in rows] == list(range(-5, 6))
    assert [r.text for r in rows if r.position < 0] == [f"before {n}" for n in range(2, 7)]
    assert [r.text for r in rows if r.position > 0] == [f"after {n}" for n in range(5)]
    message = rows[5]
    assert message.kind is EvidenceKind.MESSAGE and message.author == world.person(SUBJECT)
    assert message.text == "idiot, my number is [phone removed]"
    assert message.attachments == ("shot.png <https://fake.slack.com/files/shot.png>",)


async def test_a_thread_reply_keeps_its_thread_as_context(world: SlackWorld) -> None:
    fake = world.fake
    fake.add_message(GENERAL, REPORTER, "in the channel, not the thread")
    parent = fake.add_message(GENERAL, REPORTER, "what do you all think?")
    fake.add_message(GENERAL, REPORTER, "first answer", thread_ts=parent)
    reply = fake.add_message(GENERAL, SUBJECT, "you are an idiot", thread_ts=parent)
    fake.add_message(GENERAL, REPORTER, "that was uncalled for", thread_ts=parent)
    fake.add_message(GENERAL, REPORTER, "later in the channel")
    await world.command("/remove", f"{link(GENERAL, reply)}?thread_ts={parent} no-hate")
    rows = await _kept(world)
    assert [(r.position, r.text) for r in rows] == [
        (-2, "what do you all think?"), (-1, "first answer"), (0, "you are an idiot"),
        (1, "that was uncalled for")]


async def test_an_edit_of_a_reported_message_is_kept(world: SlackWorld) -> None:
    fake = world.fake
    ts = fake.add_message(GENERAL, SUBJECT, "you are all wrong")
    await world.app.services.reports.submit(world.person(REPORTER), ReportDraft(
        reason="rude", target=world.person(SUBJECT),
        message=refs.message_ref(fake.team, GENERAL, ts)))
    fake.messages[(GENERAL, ts)]["text"] = "never mind, mail me at x@example.org"
    await world.event(changed(ts, "you are all wrong", "never mind, mail me at x@example.org",
                              fake.next_ts()))
    edits = await _edits_kept(world)
    assert [e.text for e in edits] == ["never mind, mail me at [email removed]"]


async def _edits_kept(world: SlackWorld, within: float = DEADLINE) -> list[Evidence]:
    """Wait for the edit Bolt stores after acknowledging the event (no call to wait on)."""
    async def poll() -> list[Evidence]:
        while True:
            async with world.app.storage.transaction() as tx:
                found = await tx.find(Evidence, kind=EvidenceKind.EDIT)
            if found:
                return found
            await asyncio.sleep(0.01)
    try:
        return await asyncio.wait_for(poll(), within)
    except TimeoutError:
        raise AssertionError("the edit was never kept") from None
