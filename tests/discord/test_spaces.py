"""Many spaces, one committee: two Discord servers served by one bot.

Each server has its own staff, staff queue and suspended role; the committee meets in the
home (the first server here). One case log and one person history span both.
"""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from bot.core.models import Incident, Report, Sanction
from tests.discord.conftest import SecondServer, World, settled
from tests.discord.test_committee import carry, put_motion
from tests.fakes.discord.server import FakeUser, message_text
from tests.waiting import DEADLINE, eventually

pytestmark = pytest.mark.two_servers
CASE = re.compile(r"C-[0-9A-Z]{7}")


def second(world: World) -> SecondServer:
    assert world.second is not None
    return world.second


async def answered(world: World, token: str) -> str:
    fake = world.fake
    return "\n".join(await fake.wait_for(lambda: fake.reply_texts(token), "answered"))


async def test_a_report_in_server_b_reaches_b_queue_not_a_queue(world: World) -> None:
    fake, b = world.fake, second(world)
    reply = await answered(world, await fake.slash(
        b.staff, "report", reason="Someone keeps insulting me", member=b.carol,
        channel=b.general))
    assert "R-" in reply
    await fake.wait_for(lambda: fake.messages[b.staff_queue], "queued in server B")
    assert "Someone keeps insulting me" in "\n".join(fake.channel_texts(b.staff_queue))
    await settled(world)
    assert fake.messages[world.staff_queue] == {}
    async with world.app.storage.transaction() as tx:
        (report,) = await tx.find(Report)
    assert report.reporter is not None and report.reporter.space == str(b.guild)


async def test_staff_of_a_are_not_staff_in_b(world: World) -> None:
    """Sam is staff in the first server and a plain member of server B: nothing he asks
    for in B is done, and from his own server he cannot reach B's matters either."""
    fake, b = world.fake, second(world)
    fake.calls.clear()
    reply = await answered(world, await fake.slash(
        world.staff, "suspend", member=b.carol, duration="7d", scope="server",
        reason="insults", channel=b.general))
    assert "staff" in reply.lower()
    insult = fake.post_message(b.general, b.carol, "you are all idiots")
    link = f"https://discord.com/channels/{b.guild}/{b.general}/{insult['id']}"
    reply = await answered(world, await fake.slash(
        world.staff, "remove", message_link=link, clause="no-hate", channel=b.general))
    assert "staff" in reply.lower()
    # From the first server, where he is staff, a link into B is refused as well.
    reply = await answered(world, await fake.slash(
        world.staff, "remove", message_link=link, clause="no-hate"))
    assert "server" in reply.lower()
    await settled(world)
    assert not fake.find("PATCH", "/members/") and not fake.find("PUT", "/roles/")
    assert not fake.find("DELETE", f"/messages/{insult['id']}")
    assert fake.dms_to(b.carol) == []
    async with world.app.storage.transaction() as tx:
        assert await tx.find(Sanction) == [] and await tx.find(Incident) == []


async def test_staff_of_a_cannot_triage_a_report_from_b(world: World) -> None:
    fake, b = world.fake, second(world)
    await answered(world, await fake.slash(b.carol, "report", reason="spam again",
                                           member=b.staff, channel=b.general))
    async with world.app.storage.transaction() as tx:
        (report,) = await tx.find(Report)
    staff_a = world.app.services.reports
    from bot.core.errors import NotPermitted
    from bot.core.models import Actor, Role
    with pytest.raises(NotPermitted, match="staff of another space"):
        await staff_a.triage(Actor(world.ref(world.staff), frozenset({Role.STAFF})),
                             report.id)
    async with world.app.storage.transaction() as tx:
        assert (await tx.get(Report, report.id)).status == report.status  # type: ignore[union-attr]


async def test_a_suspension_in_b_restricts_in_b_only(world: World) -> None:
    fake, b = world.fake, second(world)
    fake.join(b.carol, fake.guild_id)  # carol is in both servers
    reply = await answered(world, await fake.slash(
        b.staff, "suspend", member=b.carol, duration="60d", scope="server",
        reason="threats", channel=b.general))
    assert "S-" in reply, reply
    added = fake.find("PUT", f"/members/{b.carol.id}/roles/")
    assert [c.path for c in added] == [
        f"/guilds/{b.guild}/members/{b.carol.id}/roles/{b.suspended_role}"]
    assert not fake.find("PATCH", f"/guilds/{fake.guild_id}/members/")
    assert not fake.find("PUT", f"/guilds/{fake.guild_id}/")


async def test_one_history_across_servers(world: World) -> None:
    fake, b = world.fake, second(world)
    in_a = fake.post_message(world.general, world.alice, "idiots, all of you")
    in_b = fake.post_message(b.general, b.carol, "idiots, all of you")
    await answered(world, await fake.slash(
        world.staff, "remove", clause="no-hate",
        message_link=f"https://discord.com/channels/{fake.guild_id}/{world.general}/"
                     f"{in_a['id']}"))
    await answered(world, await fake.slash(
        b.staff, "remove", clause="no-hate", channel=b.general,
        message_link=f"https://discord.com/channels/{b.guild}/{b.general}/{in_b['id']}"))
    reply = await answered(world, await fake.slash(
        world.staff, "link", member=world.alice, other=f"discord:{b.guild}:{b.carol.id}"))
    assert "link" in reply.lower(), reply
    async with world.app.storage.transaction() as tx:
        incidents = {i.id for i in await tx.find(Incident)}
    assert len(incidents) == 2
    from_a = await answered(world, await fake.slash(world.staff, "history",
                                                    member=world.alice))
    from_b = await answered(world, await fake.slash(b.staff, "history", member=b.carol,
                                                    channel=b.general))
    for text in (from_a, from_b):
        assert all(ref in text for ref in incidents), text


async def test_the_committee_decides_a_case_from_server_b_in_the_home(world: World) -> None:
    fake, b = world.fake, second(world)
    reply = await answered(world, await fake.slash(
        b.staff, "case", "open", member=b.carol, channel=b.general,
        summary="Repeated harassment in the regional server", severity="serious"))
    ref = CASE.search(reply)
    assert ref, reply
    threads = await fake.wait_for(
        lambda: [cid for cid, c in fake.channels.items()
                 if c.get("parent_id") == str(world.committee_channel)],
        "opened the case thread in the home's committee channel")
    thread = threads[-1]
    assert not [c for c in fake.channels.values() if c.get("guild_id") == str(b.guild)
                and c.get("parent_id") in (str(b.general), str(b.staff_queue))]
    motion = await put_motion(world, ref.group(0), thread)
    await carry(world, thread, motion)
    assert "carried" in message_text(fake.messages[thread][int(motion["id"])]).lower()


async def test_a_subject_in_server_b_reaches_the_committee_by_dm(world: World) -> None:
    """A DM names no server: carol, a member of server B only, is found there."""
    fake, b = world.fake, second(world)
    reply = await answered(world, await fake.slash(
        b.staff, "case", "open", member=b.carol, channel=b.general,
        summary="Threats in the regional server", severity="serious"))
    ref = CASE.search(reply)
    assert ref, reply
    threads = await fake.wait_for(
        lambda: [cid for cid, c in fake.channels.items()
                 if c.get("parent_id") == str(world.committee_channel)], "opened the thread")
    opened = await answered(world, await fake.slash(
        world.members[0], "case", "contact", case=ref.group(0), channel=threads[-1]))
    assert "was told" in opened, opened
    await fake.say_dm(b.carol, "I would like to explain")
    relayed = await fake.wait_for(lambda: [t for t in fake.channel_texts(threads[-1])
                                           if "The subject wrote" in t], "relayed carol's DM")
    assert "I would like to explain" in relayed[0]


async def received_in(world: World, user: FakeUser, channel: int, content: str) -> None:
    seen = asyncio.ensure_future(world.bot.wait_for(
        "message", check=lambda m: m.channel.id == channel and m.content == content,
        timeout=DEADLINE))
    await world.fake.say(user, channel, content)
    await seen


async def test_a_server_not_in_the_config_is_ignored_with_one_log_line(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    fake = world.fake
    other = fake.add_guild()
    channel = fake.channel("elsewhere", guild=other)
    stranger = fake.member("stranger", guild=other)
    with caplog.at_level(logging.WARNING, logger="bot.discord_io.client"):
        await fake.dispatch("GUILD_CREATE", fake.guild_json(other))
        await eventually(lambda: world.bot.get_guild(other) is not None, "the server's cache")
        await settled(world)
        await fake.dispatch("GUILD_CREATE", fake.guild_json(other))  # again: still one line
        await settled(world)
    noted = [r for r in caplog.records if str(other) in r.getMessage()]
    assert len(noted) == 1 and "not in the config" in noted[0].getMessage()
    fake.calls.clear()
    # What is said there is not watched: not even insults are acted on.
    await received_in(world, stranger, channel, "you are all idiots, idiots, idiots")
    await settled(world)
    assert fake.calls == []
    async with world.app.storage.transaction() as tx:
        assert await tx.find(Report) == [] and await tx.find(Incident) == []
