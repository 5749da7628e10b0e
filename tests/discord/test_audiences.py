"""A report about a moderator never reaches the staff queue the moderator reads, on Discord.

It goes to the Member Review Committee as a case, in a private thread the moderator is
not in; the reporter's acknowledgement is the one every report gets. A report about
anyone else is queued for staff exactly as before.
"""

from __future__ import annotations

import json

import pytest

from bot.core.models import Actor, Case, Report, ReportStatus, Role
from bot.discord_io import setup_check
from tests.discord.conftest import World, settled
from tests.discord.test_anonymity import outbound_to_others
from tests.discord.test_reports import REF, queue_message
from tests.fakes.discord.server import message_text
from tests.waiting import eventually

REASON = "The moderator mocked my accent in voice chat"


def seen_by(world: World, channel: int) -> str:
    return "\n".join(world.fake.channel_texts(channel))


@pytest.mark.parametrize("anonymous", [False, True])
async def test_a_report_about_a_moderator_goes_to_the_committee_not_the_queue(
        world: World, anonymous: bool) -> None:
    fake, moderator = world.fake, world.staff
    token = await fake.slash(world.alice, "report", reason=REASON, member=moderator,
                             anonymous=anonymous)
    (ack,) = await fake.wait_for(lambda: fake.reply_texts(token), "acknowledged the report")
    ref = REF.search(ack)
    assert ref is not None and "received and only staff can see it" in ack
    await settled(world)
    async with world.app.storage.transaction() as tx:
        (report,) = await tx.find(Report)
        (case,) = await tx.find(Case)
    assert report.status is ReportStatus.ESCALATED and report.case_id == case.id
    # Nothing in the staff queue, the moderator's DMs, or their overview mentions it.
    assert fake.messages[world.staff_queue] == {}
    theirs = "\n".join([seen_by(world, world.staff_queue), *fake.dms_to(moderator)])
    for secret in (REASON, ref[0], str(world.alice.id), "alice"):
        assert secret not in theirs, secret
    overview = await world.app.services.overview.staff_queue(
        Actor(world.ref(moderator), frozenset({Role.STAFF})))
    assert overview is not None and overview.reports == ()
    # The committee has it, in a private thread the moderator and the reporter are not in.
    assert case.thread is not None
    thread = int(case.thread.id)
    assert REASON in seen_by(world, thread)
    assert "not through the staff queue" in seen_by(world, thread)
    members = fake.thread_members[thread]
    assert moderator.id not in members and world.alice.id not in members
    assert {m.id for m in world.members} <= members
    if anonymous:  # the reporter is in nothing the bot sent anyone else
        for call in outbound_to_others(world, world.alice, [token], []):
            text = json.dumps(call.body)
            assert str(world.alice.id) not in text and "alice" not in text, call


async def test_a_report_about_a_member_is_queued_for_staff_as_before(world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.alice, "report", reason="Bob keeps insulting me",
                             member=world.bob)
    queued = message_text(await queue_message(world))
    await fake.wait_for(lambda: fake.reply_texts(token), "acknowledged the report")
    assert "Bob keeps insulting me" in queued and str(world.alice.id) in queued
    await settled(world)
    async with world.app.storage.transaction() as tx:
        assert await tx.find(Case) == []


async def test_a_member_with_view_access_to_the_queue_counts_as_staff(world: World) -> None:
    """Not the staff role, but an overwrite that lets Bob read the queue: he reads it,
    so a report about him stays out of it."""
    fake = world.fake
    fake.channels[world.staff_queue]["permission_overwrites"].append(
        fake.overwrite(world.bob.id, allow=1 << 10, member=True))
    await fake.dispatch("CHANNEL_UPDATE", fake.channels[world.staff_queue])
    token = await fake.slash(world.alice, "report", reason="Bob keeps insulting me",
                             member=world.bob)
    await fake.wait_for(lambda: fake.reply_texts(token), "acknowledged the report")
    await settled(world)
    async with world.app.storage.transaction() as tx:
        (report,) = await tx.find(Report)
    assert report.status is ReportStatus.ESCALATED
    assert fake.messages[world.staff_queue] == {}


async def test_a_queue_everyone_can_read_leaves_only_the_staff_role_to_tell(
        world: World) -> None:
    """A staff queue @everyone may view is a set-up mistake the bot names at start-up; it
    does not make every reported member "staff": a report about a member is queued as
    before, and one about a holder of the staff role still goes to the committee."""
    fake = world.fake
    queue = fake.channels[world.staff_queue]
    queue["permission_overwrites"] = [o for o in queue["permission_overwrites"]
                                      if int(o["id"]) != fake.guild_id]
    await fake.dispatch("CHANNEL_UPDATE", queue)
    guild = world.bot.get_guild(fake.guild_id)
    assert guild is not None
    # A gateway event makes no call to the fake: poll the bot's cache until it has it.
    problems = await eventually(lambda: setup_check.problems(guild, world.bot.settings),
                                "the bot saw the queue become readable by everyone")
    (problem,) = problems
    assert "staff_queue_channel_id" in problem and "Deny View Channel to @everyone" in problem

    token = await fake.slash(world.alice, "report", reason="Bob keeps insulting me",
                             member=world.bob)
    queued = message_text(await queue_message(world))
    assert "Bob keeps insulting me" in queued
    await fake.wait_for(lambda: fake.reply_texts(token), "acknowledged the report")
    token = await fake.slash(world.alice, "report", reason=REASON, member=world.staff)
    await fake.wait_for(lambda: fake.reply_texts(token), "acknowledged the report")
    await settled(world)
    async with world.app.storage.transaction() as tx:
        reports = {r.target.id if r.target else "": r for r in await tx.find(Report)}
    assert reports[str(world.bob.id)].status is ReportStatus.OPEN
    assert reports[str(world.staff.id)].status is ReportStatus.ESCALATED
    assert REASON not in seen_by(world, world.staff_queue)
