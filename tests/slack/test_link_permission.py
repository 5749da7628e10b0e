"""A link is read with the linking person's access: a participant cannot have the bot copy
a message from a conversation they are not in (the committee's, someone's private channel)
into the staff queue, and cannot tell such a message from one that does not exist."""

from __future__ import annotations

from bot.core.models import Incident, Report
from tests.slack.conftest import (
    COMMITTEE,
    COMMITTEE_CH,
    GENERAL,
    QUEUE,
    RANDOM,
    REPORTER,
    STAFF_USER,
    SUBJECT,
    SlackWorld,
)
from tests.slack.helpers import link

SECRET_TEXT = "committee only: we think the subject is lying"
PRIVATE = "GPRIVATE"


async def _reports(world: SlackWorld) -> int:
    async with world.app.storage.transaction() as tx:
        return await tx.count(Report)


def _refusal(world: SlackWorld) -> str:
    return world.app.settings.messages.render("link_unreadable")


def _read(world: SlackWorld, channel: str) -> bool:
    """Whether the bot read any message of ``channel`` (history or thread replies)."""
    return any(c.get("channel") == channel for c in world.fake.calls
               if c.method in ("conversations.history", "conversations.replies"))


async def test_a_link_into_the_committee_channel_is_refused_and_nothing_reaches_staff(
        world: SlackWorld) -> None:
    ts = world.fake.add_message(COMMITTEE_CH, COMMITTEE[0], SECRET_TEXT)
    await world.command("/report", f"{link(COMMITTEE_CH, ts)} look at this", user=REPORTER)
    assert world.fake.responses() == [_refusal(world)]
    assert await _reports(world) == 0
    assert world.fake.called("chat.postMessage", channel=QUEUE) == []
    assert SECRET_TEXT not in " ".join(c.text for c in world.fake.calls)
    assert not _read(world, COMMITTEE_CH)  # refused before the bot read a word


async def test_unreadable_and_nonexistent_get_the_same_answer(world: SlackWorld) -> None:
    world.fake.members[PRIVATE] = {SUBJECT}
    world.fake.private.add(PRIVATE)
    real = world.fake.add_message(PRIVATE, SUBJECT, "a private plan")
    await world.command("/report", f"{link(PRIVATE, real)} see", user=REPORTER)
    await world.command("/report", f"{link(PRIVATE, '1767600000.999999')} see", user=REPORTER)
    await world.command("/report", f"{link('GNOSUCH', '1767600000.999999')} see", user=REPORTER)
    await world.command("/report", f"{link(GENERAL, '1767600000.999999')} see", user=REPORTER)
    assert world.fake.responses() == [_refusal(world)] * 4
    assert await _reports(world) == 0
    assert world.fake.called("chat.postMessage", channel=QUEUE) == []


async def test_the_report_form_link_is_checked_too(world: SlackWorld) -> None:
    ts = world.fake.add_message(COMMITTEE_CH, COMMITTEE[0], SECRET_TEXT)
    await world.command("/report", "", user=REPORTER)
    await world.submit_view(world.last_view(), {
        "link": {"type": "plain_text_input", "value": link(COMMITTEE_CH, ts)},
        "reason": {"type": "plain_text_input", "value": "see this"},
        "anonymous": {"type": "checkboxes", "selected_options": []}})
    refusal = world.fake.called("chat.postEphemeral", user=REPORTER)[-1]
    assert refusal.get("text") == _refusal(world)
    assert await _reports(world) == 0
    assert world.fake.called("chat.postMessage", channel=QUEUE) == []


async def test_a_member_of_a_private_channel_can_report_from_it(world: SlackWorld) -> None:
    world.fake.members[PRIVATE] = {REPORTER, SUBJECT}
    world.fake.private.add(PRIVATE)
    ts = world.fake.add_message(PRIVATE, SUBJECT, "you are worthless")
    await world.command("/report", f"{link(PRIVATE, ts)} insulted me", user=REPORTER)
    async with world.app.storage.transaction() as tx:
        (report,) = await tx.find(Report)
    assert report.message_excerpt == "you are worthless"
    assert report.target == world.person(SUBJECT)
    assert len(world.fake.called("chat.postMessage", channel=QUEUE)) == 1


async def test_a_guest_reads_only_the_public_channels_they_are_in(world: SlackWorld) -> None:
    world.fake.guests.add(REPORTER)
    world.fake.members[GENERAL].discard(REPORTER)
    hidden = world.fake.add_message(GENERAL, SUBJECT, "said in general")
    seen = world.fake.add_message(RANDOM, SUBJECT, "said in random")
    await world.command("/report", f"{link(GENERAL, hidden)} rude", user=REPORTER)
    assert world.fake.responses() == [_refusal(world)]
    await world.command("/report", f"{link(RANDOM, seen)} rude", user=REPORTER)
    assert await _reports(world) == 1


async def test_staff_remove_is_limited_to_what_that_staff_member_can_read(
        world: SlackWorld) -> None:
    ts = world.fake.add_message(COMMITTEE_CH, COMMITTEE[0], SECRET_TEXT)
    await world.command("/remove", f"{link(COMMITTEE_CH, ts)} no-harassment", user=STAFF_USER)
    assert world.fake.responses() == [_refusal(world)]
    assert world.fake.called("chat.delete") == []
    async with world.app.storage.transaction() as tx:
        assert await tx.count(Incident) == 0
    assert SECRET_TEXT not in " ".join(c.text for c in world.fake.calls)
