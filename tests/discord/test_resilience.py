"""Discord misbehaves the way it does in production: closed DMs, 429s, resumed sessions."""

from __future__ import annotations

from tests.discord.conftest import World
from tests.discord.test_committee import open_case, put_motion
from tests.fakes.discord.server import message_text


def link(world: World, message: dict) -> str:  # type: ignore[type-arg]
    return (f"https://discord.com/channels/{world.fake.guild_id}/{message['channel_id']}/"
            f"{message['id']}")


async def answered(world: World, token: str) -> str:
    fake = world.fake
    return "\n".join(await fake.wait_for(lambda: fake.reply_texts(token), "answered"))


async def test_closed_dms_still_record_the_action_and_tell_staff(world: World) -> None:
    fake = world.fake
    fake.closed_dms.add(world.bob.id)
    insult = fake.post_message(world.general, world.bob, "you are all idiots")
    reply = await answered(world, await fake.slash(
        world.staff, "remove", message_link=link(world, insult), clause="no-hate"))
    assert "DMs are closed" in reply
    dm_attempt = fake.find("POST", f"/channels/{fake.dm_channels[world.bob.id]}/messages")
    assert dm_attempt, "the bot should have tried the DM"
    assert fake.find("DELETE", f"/messages/{insult['id']}")
    alert = await fake.wait_for(lambda: [t for t in fake.channel_texts(world.staff_queue)
                                         if "could not be delivered" in t], "alerted staff")
    assert f"<@{world.bob.id}>" in alert[0]
    summary = fake.channel_texts(world.committee_channel)
    assert "NO - please contact them another way" in summary[0]


async def test_a_429_is_waited_out_and_the_request_retried(world: World) -> None:
    fake = world.fake
    spam = fake.post_message(world.general, world.bob, "spam spam spam")
    fake.rate_limit_next("DELETE", f"/messages/{spam['id']}", retry_after=0.2)
    reply = await answered(world, await fake.slash(
        world.staff, "remove", message_link=link(world, spam),
        clause="no-unsolicited-repetition"))
    assert "Removed" in reply
    deletes = fake.find("DELETE", f"/messages/{spam['id']}")
    assert len(deletes) == 2  # the 429, then the retry that succeeded
    assert int(spam["id"]) not in fake.messages[world.general]


async def test_a_reaction_replayed_after_a_resume_is_counted_once(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    motion = await put_motion(world, ref, thread)
    mid = int(motion["id"])
    for member in world.members[:3]:
        await fake.react(member, motion, "✅")
    await fake.wait_for(lambda: "✅ 3 ·" in message_text(fake.messages[thread][mid]),
                        "counted three votes")
    await fake.drop_connection(replay=1)  # the third ✅ arrives a second time
    await fake.wait_for(lambda: fake.resumes == 1, "resumed the session")
    await world.bot.wait_until_ready()
    await fake.react(world.staff, motion, "❌")  # a marker: handled after the replay
    await fake.wait_for(lambda: world.staff.id not in fake.reactions[(thread, mid)]["❌"],
                        "handled the event after the replay")
    tally = message_text(fake.messages[thread][mid])
    assert "CARRIED" not in tally, "a replayed vote must not reach quorum"
    assert "✅ 3 ·" in tally and "3 of 4 needed" in tally
