"""/code shows the Code for the channel; publishing asks every member to accept it."""

from __future__ import annotations

from tests.discord.conftest import World
from tests.fakes.discord.server import labels


async def answered(world: World, token: str) -> str:
    fake = world.fake
    return "\n".join(await fake.wait_for(lambda: fake.reply_texts(token), "answered"))


async def test_code_show_is_private_and_has_an_accept_button(world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.alice, "code", "show")
    text = await answered(world, token)
    assert "Online Code of Conduct" in text
    await fake.wait_for(lambda: any("Accept" in labels(m) for m in fake.replies[token]),
                        "offered the Accept button under the Code")
    assert all(body.get("flags", body.get("data", {}).get("flags", 0)) & 64
               for body in fake.responses[token])


async def test_publish_prompts_every_member_and_status_tracks_acceptance(
        world: World) -> None:
    fake = world.fake
    reply = await answered(world, await fake.slash(world.staff, "code-admin", "publish",
                                                   summary="Please read and accept the Code"))
    assert "Published v1" in reply
    prompt = await fake.wait_for(lambda: list(fake.messages[fake.dm_channels[
        world.alice.id]].values()) if world.alice.id in fake.dm_channels else None,
        "asked alice to accept")
    assert "Please read and accept the Code" in prompt[0]["content"]
    assert labels(prompt[0]) == ["Accept"]
    humans = [m for m in fake.members.values() if not m.bot]
    assert {m.id for m in humans} <= set(fake.dm_channels)

    status = await answered(world, await fake.slash(world.staff, "code-admin", "status"))
    assert f"0 accepted, {len(humans)} not yet" in status

    click = await fake.click(world.alice, prompt[0], "Accept")
    assert "thank" in (await answered(world, click)).lower()
    status = await answered(world, await fake.slash(world.staff, "code-admin", "status"))
    assert f"1 accepted, {len(humans) - 1} not yet" in status
    assert f"<@{world.alice.id}>" not in status.split("Not yet:")[1]

    again = await answered(world, await fake.slash(world.staff, "code-admin", "publish",
                                                   summary="again"))
    assert "not changed" in again


async def test_participants_cannot_publish(world: World) -> None:
    fake = world.fake
    reply = await answered(world, await fake.slash(world.alice, "code-admin", "publish",
                                                   summary="mine"))
    assert "staff" in reply.lower()
    assert fake.dm_channels == {}
