"""Staff remove content and suspend people; the member is told why, then access returns."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.core.models import Report, ReportStatus
from tests.discord.conftest import World, received, settled
from tests.fakes.discord.server import last

VIEW_AND_SEND = (1 << 10) | (1 << 11)


def link(world: World, message: dict) -> str:  # type: ignore[type-arg]
    return (f"https://discord.com/channels/{world.fake.guild_id}/{message['channel_id']}/"
            f"{message['id']}")


async def answered(world: World, token: str) -> str:
    fake = world.fake
    replies = await fake.wait_for(lambda: fake.reply_texts(token), "answered")
    return "\n".join(replies)


async def test_remove_deletes_and_explains_the_clause_by_dm(world: World) -> None:
    fake = world.fake
    ad = fake.post_message(world.general, world.bob, "Buy my handmade bookmarks, $5 each!")
    token = await fake.slash(world.staff, "remove", message_link=link(world, ad),
                             clause="no-restricted-content")
    reply = await answered(world, token)
    assert "Removed" in reply and "told why" in reply
    assert fake.find("DELETE", f"/channels/{world.general}/messages/{ad['id']}")
    assert int(ad["id"]) not in fake.messages[world.general]
    dm = fake.dms_to(world.bob)[0]
    assert "Buy my handmade bookmarks" in dm or "advertis" in dm.lower()
    assert "appeal" in dm.lower() or "question" in dm.lower()
    summary = await fake.wait_for(lambda: fake.channel_texts(world.committee_channel),
                                  "reported the incident to the committee")
    assert "no-restricted-content" in summary[0] and "handmade bookmarks" in summary[0]


async def test_remove_message_menu_asks_for_the_clause(world: World) -> None:
    fake = world.fake
    insult = fake.post_message(world.general, world.bob, "shut up, idiot")
    token = await fake.message_menu(world.staff, "Remove message", insult)
    await fake.wait_for(lambda: fake.replies.get(token), "asked which clause")
    prompt = fake.replies[token][0]
    prompt["channel_id"] = str(world.general)
    chosen = await fake.choose(world.staff, prompt, ["no-hate"])
    await fake.wait_for(lambda: fake.find("DELETE", f"/messages/{insult['id']}"),
                        "deleted the message")
    await fake.wait_for(lambda: fake.reply_texts(chosen), "confirmed")
    assert fake.dms_to(world.bob)


async def test_timed_server_suspension_dms_first_then_times_out_then_lifts(
        world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.staff, "suspend", member=world.bob, duration="7d",
                             scope="server", reason="repeated insults after a warning")
    reply = await answered(world, token)
    assert "S-" in reply
    dm_post = fake.find("POST", f"/channels/{fake.dm_channels[world.bob.id]}/messages")[0]
    timeout = fake.find("PATCH", f"/members/{world.bob.id}")[0]
    assert fake.calls.index(dm_post) < fake.calls.index(timeout), "DM must come first"
    until = datetime.fromisoformat(timeout.body["communication_disabled_until"])
    assert until == world.clock.now() + timedelta(days=7)
    dm = fake.dms_to(world.bob)[0]
    for expected in ("repeated insults after a warning", "<t:", "appeal", "1 week"):
        assert expected in dm

    world.clock.advance(timedelta(days=7))
    assert await world.run_due() == 1
    lifted = fake.find("PATCH", f"/members/{world.bob.id}")[-1]
    assert lifted.body["communication_disabled_until"] is None
    assert fake.timeouts[world.bob.id] is None
    assert "ended" in fake.dms_to(world.bob)[-1]


async def test_channel_suspension_overwrites_and_unsuspend_restores(world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.staff, "suspend", member=world.bob, duration="2w",
                             scope="channel", reason="spam", channel=world.general)
    await answered(world, token)
    overwrite = fake.overwrites[(world.general, world.bob.id)]
    assert int(overwrite["deny"]) & VIEW_AND_SEND == VIEW_AND_SEND and overwrite["type"] == 1
    token = await fake.slash(world.staff, "unsuspend", member=world.bob)
    assert "Lifted" in await answered(world, token)
    assert (world.general, world.bob.id) not in fake.overwrites
    assert fake.find("DELETE", f"/channels/{world.general}/permissions/{world.bob.id}")


async def test_long_server_suspension_without_a_role_is_refused_before_anything(
        world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.staff, "suspend", member=world.bob, duration="60d",
                             scope="server", reason="serious")
    reply = await answered(world, token)
    assert "28 days" in reply and "suspended_role_id" in reply
    assert fake.dms_to(world.bob) == [] and not fake.find("PATCH", "/members/")


async def test_nonsense_duration_is_refused_politely(world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.staff, "suspend", member=world.bob,
                             duration="7 days please", scope="server", reason="x")
    reply = await answered(world, token)
    assert "7 days please" in reply and "30m" in reply
    assert fake.dms_to(world.bob) == [] and not fake.find("PATCH", "/members/")


async def test_participants_cannot_suspend(world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.alice, "suspend", member=world.bob, duration="7d",
                             scope="server", reason="I don't like him")
    assert "staff" in (await answered(world, token)).lower()
    assert fake.dms_to(world.bob) == [] and not fake.find("PATCH", "/members/")


async def test_acting_on_staff_needs_confirmation(world: World) -> None:
    fake = world.fake
    other_staff = fake.member("Other Staff", *world.staff.roles)
    world.bot.get_guild(fake.guild_id)  # the fake sent the member list at start-up
    token = await fake.slash(world.staff, "suspend", member=other_staff, duration="1d",
                             scope="server", reason="test")
    reply = await answered(world, token)
    assert "confirm" in reply.lower() and not fake.find("PATCH", "/members/")
    token = await fake.slash(world.staff, "suspend", member=other_staff, duration="1d",
                             scope="server", reason="test", confirm=True)
    await answered(world, token)
    assert fake.find("PATCH", f"/members/{other_staff.id}")


async def test_nobody_at_or_above_the_bot_can_be_suspended(world: World) -> None:
    fake = world.fake
    admin = fake.member("Admin", world.moderator_role)
    token = await fake.slash(world.staff, "suspend", member=admin, duration="1d",
                             scope="server", reason="test", confirm=True)
    reply = await answered(world, token)
    assert "above the bot" in reply and not fake.find("PATCH", "/members/")


async def test_history_lists_incidents_and_suspensions(world: World) -> None:
    fake = world.fake
    ad = fake.post_message(world.general, world.bob, "$5 bookmarks")
    await answered(world, await fake.slash(world.staff, "remove", message_link=link(world, ad),
                                           clause="no-restricted-content"))
    await answered(world, await fake.slash(world.staff, "suspend", member=world.bob,
                                           duration="1d", scope="server", reason="again"))
    history = await answered(world, await fake.slash(world.staff, "history", member=world.bob))
    assert "I-" in history and "S-" in history
    await asyncio.sleep(0)
    assert last(fake.messages[world.committee_channel])


@pytest.mark.suspended_role
async def test_leaving_and_rejoining_does_not_shed_a_long_suspension(world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.staff, "suspend", member=world.bob, duration="60d",
                             scope="server", reason="harassment, decided by staff")
    await answered(world, token)
    role_path = f"/members/{world.bob.id}/roles/{world.suspended_role}"
    assert len(fake.find("PUT", role_path)) == 1
    await fake.leave_and_rejoin(world.bob)
    await fake.wait_for(lambda: len(fake.find("PUT", role_path)) == 2,
                        "put the suspension role back")
    assert world.suspended_role in fake.members[world.bob.id].roles


async def test_rejoining_without_a_suspension_changes_nothing(world: World) -> None:
    fake = world.fake
    await fake.leave_and_rejoin(world.alice)
    await received(world, world.jobs_board, "hello again")  # the rejoin was received first
    await settled(world)
    assert not fake.find("PUT", f"/members/{world.alice.id}/roles")
    assert not fake.find("PATCH", f"/members/{world.alice.id}")  # no timeout either


async def test_removing_a_committee_members_message_needs_confirm(world: World) -> None:
    fake = world.fake
    joke = fake.post_message(world.general, world.members[0], "an off-colour joke")
    reply = await answered(world, await fake.slash(
        world.staff, "remove", message_link=link(world, joke), clause="no-hate"))
    assert "confirm" in reply and "committee" in reply
    assert not fake.find("DELETE") and fake.dms_to(world.members[0]) == []
    await answered(world, await fake.slash(world.staff, "remove", message_link=link(world, joke),
                                           clause="no-hate", confirm=True))
    assert fake.find("DELETE", f"/messages/{joke['id']}")


async def test_a_reported_moderator_cannot_dismiss_the_report_about_them(world: World) -> None:
    """The staff member a report is about clicks "Dismiss in bad faith" on it: refused,
    privately, and the queue entry and the report stay as they were for other staff. (A
    report about a moderator never reaches the queue; this one was queued before Bob was
    made a moderator.)"""
    fake = world.fake
    await answered(world, await fake.slash(world.alice, "report", member=world.bob,
                                           reason="Bob mocked my accent"))
    await fake.wait_for(lambda: fake.messages[world.staff_queue], "queued the report")
    (entry,) = fake.messages[world.staff_queue].values()
    world.bob.roles.append(world.staff.roles[0])  # Bob is made a moderator
    token = await fake.click(world.bob, entry, "Dismiss in bad faith")
    await fake.wait_for(lambda: fake.reply_texts(token), "answered the click")
    (reply,) = fake.reply_texts(token)
    assert "is about you, so you cannot act on it" in reply, reply
    for body in fake.responses[token]:
        assert (body.get("data", body).get("flags") or 0) & 64, body  # ephemeral
    assert not fake.find("PATCH", f"/messages/{entry['id']}")
    async with world.app.storage.transaction() as tx:
        (report,) = await tx.find(Report)
    assert report.status is ReportStatus.OPEN
