"""Automod acts once per message, however often the message reaches it.

A standby that resumes a dead process's gateway session is sent the events the dead one
may already have handled, and a history catch-up reads messages again; each process is
separate, so only the database can tell that a message was already acted on.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.core.automod import Automod, load_automod
from bot.core.identity import MessageRef
from bot.core.models import Incident
from bot.core.ports import NoticeKind
from bot.core.services import Services, WatchedMessage
from tests.core.harness import Harness, person

CARD = "my card is 4111 1111 1111 1111"


def _message(harness: Harness, text: str, id: str = "500",
             author: str = "s1") -> WatchedMessage:
    subject = person(author)
    return WatchedMessage(author=subject, message=MessageRef(
        subject.platform, subject.space, "general", id), text=text,
        sent_at=harness.clock.now())


async def _incidents(harness: Harness) -> int:
    async with harness.storage.transaction() as tx:
        return await tx.count(Incident)


async def test_a_message_delivered_twice_makes_one_incident(harness: Harness) -> None:
    config = load_automod(None)  # the shipped rules
    # Two processes: separate services (and automod state) over one database.
    first = Services.build(harness.ctx, Automod(config, profiles=harness.ctx.profiles))
    second = Services.build(harness.ctx, Automod(config, profiles=harness.ctx.profiles))
    assert await first.moderation.watch(_message(harness, CARD)) is not None
    assert await second.moderation.watch(_message(harness, CARD)) is None
    assert await _incidents(harness) == 1
    assert len(harness.platform.deleted) == 1


async def test_an_edit_to_new_text_is_judged_again(harness: Harness) -> None:
    services = Services.build(harness.ctx, Automod(load_automod(None),
                                                   profiles=harness.ctx.profiles))
    await services.moderation.watch(_message(harness, CARD))
    edited = _message(harness, "card again: 5500 0000 0000 0004")
    assert await services.moderation.watch(edited) is not None
    other = _message(harness, CARD, id="501")  # the same text in another message
    assert await services.moderation.watch(other) is not None
    assert await _incidents(harness) == 3


async def test_a_flood_replayed_in_raid_mode_is_recorded_and_explained_once(
        harness: Harness) -> None:
    """In raid mode a message is deleted before its claim is made (so removal never waits
    on the database); the claim still makes its incident and its author's explanation
    happen once when a second process replays the whole flood."""
    config = load_automod(None)
    first = Services.build(harness.ctx, Automod(config, profiles=harness.ctx.profiles))
    second = Services.build(harness.ctx, Automod(config, profiles=harness.ctx.profiles))
    flood = [_message(harness, f"{CARD} #{n}", id=str(600 + n), author=f"raider{n % 5}")
             for n in range(60)]
    place = flood[0].message.place
    done = await asyncio.gather(*(first.moderation.watch(m) for m in flood))
    await first.raid.drain()
    assert first.raid.wave(place) is not None, "the flood put the first process in raid mode"
    assert all(d is not None for d in done)
    replayed = await asyncio.gather(*(second.moderation.watch(m) for m in flood))
    await second.raid.drain()
    assert second.raid.wave(place) is not None, "the replay was handled in raid mode too"
    assert replayed == [None] * len(flood)
    async with harness.storage.transaction() as tx:
        incidents = await tx.find(Incident)
    assert sorted(i.message.id for i in incidents if i.message) \
        == sorted(m.message.id for m in flood)
    explained = Counter(p.key for p, n in harness.platform.dms
                        if n.kind is NoticeKind.REMOVAL_DM)
    assert explained == {person(f"raider{n}").key: 1 for n in range(5)}
    assert {m.message for m in flood} <= set(harness.platform.deleted)
