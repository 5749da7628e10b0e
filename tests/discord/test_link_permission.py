"""/report and /remove read a linked message only if the person could read it themselves:
Discord's role permissions and channel overwrites decide, threads included."""

from __future__ import annotations

from tests.discord.conftest import World
from tests.fakes.discord.server import FakeDiscord, message_text

SECRET_TEXT = "committee only: we think the subject is lying"


def _link(fake: FakeDiscord, channel: int, message: dict) -> str:  # type: ignore[type-arg]
    return f"https://discord.com/channels/{fake.guild_id}/{channel}/{message['id']}"


def _refusal(world: World) -> str:
    return world.app.settings.messages.render("link_unreadable")


async def _answer(world: World, token: str) -> str:
    replies = await world.fake.wait_for(lambda: world.fake.reply_texts(token), "answered")
    return str(replies[-1])


async def test_a_link_into_the_committee_channel_is_refused_and_nothing_is_queued(
        world: World) -> None:
    fake = world.fake
    secret = fake.post_message(world.committee_channel, world.members[0], SECRET_TEXT)
    token = await fake.slash(world.alice, "report", reason="look at this",
                             message_link=_link(fake, world.committee_channel, secret))
    assert await _answer(world, token) == _refusal(world)
    assert fake.messages[world.staff_queue] == {}
    assert SECRET_TEXT not in fake.everything_sent()
    assert not fake.find("GET", f"/channels/{world.committee_channel}/messages")


async def test_nonexistent_and_unreadable_get_the_same_answer(world: World) -> None:
    fake = world.fake
    gone = {"id": str(fake.snowflake())}
    token = await fake.slash(world.alice, "report", reason="look",
                             message_link=_link(fake, world.general, gone))
    assert await _answer(world, token) == _refusal(world)
    token = await fake.slash(world.alice, "report", reason="look",
                             message_link=_link(fake, fake.snowflake(), gone))
    assert await _answer(world, token) == _refusal(world)
    assert fake.messages[world.staff_queue] == {}


async def test_a_committee_member_may_link_their_own_channel(world: World) -> None:
    fake = world.fake
    said = fake.post_message(world.committee_channel, world.members[1], "you are a fool")
    token = await fake.slash(world.members[0], "report", reason="rude in committee",
                             message_link=_link(fake, world.committee_channel, said))
    assert "R-" in await _answer(world, token)
    await fake.wait_for(lambda: fake.messages[world.staff_queue], "queued")
    queued = message_text(next(iter(fake.messages[world.staff_queue].values())))
    assert "you are a fool" in queued


async def test_a_private_thread_is_readable_only_by_its_members(world: World) -> None:
    fake = world.fake
    thread = fake.private_thread(world.general, "just us", world.bob)
    said = fake.post_message(thread, world.bob, "a private thread message")
    token = await fake.slash(world.alice, "report", reason="look",
                             message_link=_link(fake, thread, said))
    assert await _answer(world, token) == _refusal(world)
    assert fake.messages[world.staff_queue] == {}
    fake.thread_members[thread].add(world.alice.id)
    token = await fake.slash(world.alice, "report", reason="look",
                             message_link=_link(fake, thread, said))
    assert "R-" in await _answer(world, token)


async def test_staff_remove_is_limited_to_what_that_staff_member_can_read(
        world: World) -> None:
    fake = world.fake
    secret = fake.post_message(world.committee_channel, world.members[0], SECRET_TEXT)
    token = await fake.slash(world.staff, "remove", clause="no-hate",
                             message_link=_link(fake, world.committee_channel, secret))
    assert await _answer(world, token) == _refusal(world)
    assert not fake.find("DELETE", "/messages/")
    assert SECRET_TEXT not in fake.everything_sent()
