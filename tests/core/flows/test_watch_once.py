"""Automod acts once per message, however often the message reaches it.

A standby that resumes a dead process's gateway session is sent the events the dead one
may already have handled, and a history catch-up reads messages again; each process is
separate, so only the database can tell that a message was already acted on.
"""

from __future__ import annotations

from bot.core.automod import Automod, load_automod
from bot.core.identity import MessageRef
from bot.core.models import Incident
from bot.core.services import Services, WatchedMessage
from tests.core.harness import Harness, person

CARD = "my card is 4111 1111 1111 1111"


def _message(harness: Harness, text: str, id: str = "500") -> WatchedMessage:
    subject = person("s1")
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
