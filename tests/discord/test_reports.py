"""Participants report through /report and the context menus; staff see the queue."""

from __future__ import annotations

from tests.discord.conftest import World


async def test_slash_report_answers_privately_and_queues_for_staff(world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.alice, "report", reason="He keeps insulting me",
                             member=world.bob)
    reply = await fake.wait_for(lambda: fake.reply_texts(token), "answered /report")
    assert "R-" in reply[0] and "business day" in reply[0]
    assert fake.responses[token][0]["data"]["flags"] & 64  # ephemeral
    queued = await fake.wait_for(lambda: fake.channel_texts(world.staff_queue),
                                 "posted the report to the staff queue")
    assert "He keeps insulting me" in queued[0]
