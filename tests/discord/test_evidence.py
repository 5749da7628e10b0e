"""Evidence on Discord: the bot reads the channel history around a removed message before
deleting it, and keeps it (masked) with the incident."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.core.models import Evidence, EvidenceKind, Incident
from tests.discord.conftest import World
from tests.waiting import DEADLINE

T = TypeVar("T")


async def until(check: Callable[[], Awaitable[T]], what: str, limit: float = DEADLINE) -> T:
    """Wait for a stored record the bot writes with no call to the fake to wait on."""
    async def poll() -> T:
        while True:
            found = await check()
            if found:
                return found
            await asyncio.sleep(0.01)
    try:
        return await asyncio.wait_for(poll(), limit)
    except TimeoutError:
        raise AssertionError(f"the bot never {what}") from None


def link(world: World, message: dict) -> str:  # type: ignore[type-arg]
    return (f"https://discord.com/channels/{world.fake.guild_id}/{message['channel_id']}/"
            f"{message['id']}")


async def _evidence(world: World) -> tuple[Incident, list[Evidence]]:
    async with world.app.storage.transaction() as tx:
        incidents = await tx.find(Incident)
        rows = await tx.find(Evidence, subject_id=incidents[0].id)
    return incidents[0], sorted(rows, key=lambda r: r.position)


async def test_remove_keeps_the_message_and_its_context_read_before_the_delete(
        world: World) -> None:
    fake = world.fake
    for n in range(7):
        fake.post_message(world.general, world.alice, f"before {n}")
    insult = fake.post_message(
        world.general, world.bob, "you idiot, mail me at bob@example.org",
        attachments=[{"id": "1", "filename": "screenshot.png", "size": 10,
                      "url": "https://cdn.discordapp.com/a/screenshot.png",
                      "proxy_url": "https://media.discordapp.net/a/screenshot.png"}])
    for n in range(2):
        fake.post_message(world.general, world.alice, f"after {n}")
    token = await fake.slash(world.staff, "remove", message_link=link(world, insult),
                             clause="no-hate")
    await fake.wait_for(lambda: fake.reply_texts(token), "answered")
    reads = fake.find("GET", f"/channels/{world.general}/messages")
    delete = fake.find("DELETE", f"/channels/{world.general}/messages/{insult['id']}")[0]
    assert reads and all(fake.calls.index(r) < fake.calls.index(delete) for r in reads)
    assert {"before": insult["id"], "limit": "5"}.items() <= \
        next(r.query for r in reads if "before" in r.query).items()

    _, rows = await _evidence(world)
    assert [r.position for r in rows] == [-5, -4, -3, -2, -1, 0, 1, 2]
    assert [r.text for r in rows[:5]] == [f"before {n}" for n in range(2, 7)]
    message = rows[5]
    assert message.kind is EvidenceKind.MESSAGE and message.author == world.ref(world.bob)
    assert message.text == "you idiot, mail me at [email removed]"
    assert message.attachments == (
        "screenshot.png <https://cdn.discordapp.com/a/screenshot.png>",)
    assert rows[0].author == world.ref(world.alice) and rows[0].sent_at is not None


async def test_a_failing_history_read_does_not_stop_the_removal(world: World) -> None:
    fake = world.fake
    insult = fake.post_message(world.general, world.bob, "you idiot")
    fake.history_down.add(world.general)
    token = await fake.slash(world.staff, "remove", message_link=link(world, insult),
                             clause="no-hate")
    await fake.wait_for(lambda: fake.reply_texts(token), "answered")
    assert int(insult["id"]) not in fake.messages[world.general]
    _, rows = await _evidence(world)
    # what the removal itself had: the excerpt of the message
    assert [(r.kind, r.position) for r in rows] == [(EvidenceKind.MESSAGE, 0)]


async def test_an_edit_of_a_kept_message_is_kept(world: World) -> None:
    fake = world.fake
    said = await fake.say(world.bob, world.general, "you are all wrong")
    token = await fake.message_menu(world.alice, "Report message", said)
    await fake.wait_for(lambda: fake.responses.get(token), "opened the form")
    submitted = await fake.submit_modal(world.alice, token, {"what happened": "rude"})
    await fake.wait_for(lambda: fake.reply_texts(submitted), "acknowledged the report")
    async with world.app.storage.transaction() as tx:
        assert [r.kind for r in await tx.find(Evidence)] == [EvidenceKind.MESSAGE]
    await fake.edit_message(said, "never mind, call 312-555-0199")
    rows = await until(lambda: _edits(world), "kept the edit")
    assert rows[0].text == "never mind, call [phone removed]"


async def _edits(world: World) -> list[Evidence]:
    async with world.app.storage.transaction() as tx:
        return await tx.find(Evidence, kind=EvidenceKind.EDIT)
