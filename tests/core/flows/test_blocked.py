"""A message the platform's own filter blocked (Discord AutoMod): one incident and one DM
per message, nothing deleted, and a later message counted anew."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.identity import PlaceRef, PlatformName
from bot.core.models import Incident, IncidentKind, Severity
from bot.core.services import BlockedMessage
from bot.core.services.moderation import BLOCK_DEDUP_WINDOW
from tests.core.harness import Harness, person

AUTHOR = person("author")
BLOCKED = BlockedMessage(author=AUTHOR, channel=PlaceRef(PlatformName.DISCORD, "100", "555"),
                         rule_id="hate-slurs", clause_id="no-hate", severity=Severity.SEVERE,
                         text="you [slur], call me on +1 415 555 0134", label="hate slurs",
                         timed_out_for="10 minutes")


async def stored(h: Harness) -> list[Incident]:
    async with h.storage.transaction() as tx:
        return await tx.find(Incident)


async def test_one_incident_and_one_dm_per_blocked_message(harness: Harness) -> None:
    first = await harness.services.moderation.blocked(BLOCKED)
    # The same message's other rule, then its alert and timeout arrive as well.
    assert await harness.services.moderation.blocked(replace(BLOCKED, rule_id="harassment",
                                                             clause_id="no-harassment")) is None
    assert await harness.services.moderation.blocked(BLOCKED) is None
    assert first is not None and [i.id for i in await stored(harness)] == [first.id]
    assert first.kind is IncidentKind.REMOVAL and first.automated and first.message is None
    assert harness.platform.deleted == []
    (dm,) = harness.platform.dms_to(AUTHOR)
    assert "blocked before anyone saw it" in dm and "timed you out for 10 minutes" in dm
    assert "555 0134" not in dm and "555 0134" not in (first.excerpt or "")


async def test_the_same_text_later_is_a_new_incident(harness: Harness) -> None:
    await harness.services.moderation.blocked(BLOCKED)
    harness.clock.advance(BLOCK_DEDUP_WINDOW + timedelta(seconds=1))
    assert await harness.services.moderation.blocked(BLOCKED) is not None
    assert len(await stored(harness)) == 2 and len(harness.platform.dms_to(AUTHOR)) == 2


async def test_another_author_or_channel_is_another_message(harness: Harness) -> None:
    await harness.services.moderation.blocked(BLOCKED)
    assert await harness.services.moderation.blocked(replace(BLOCKED, author=person("b")))
    assert await harness.services.moderation.blocked(replace(
        BLOCKED, channel=PlaceRef(PlatformName.DISCORD, "100", "556")))
    assert len(await stored(harness)) == 3
