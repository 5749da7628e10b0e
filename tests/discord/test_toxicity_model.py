"""The optional toxicity model on a live server: what it suspects reaches the staff queue,
and nothing is removed or said to the author on a model's guess alone."""

from __future__ import annotations

import pytest

from tests.discord.conftest import World, caught_up, settled
from tests.discord.test_hostile_text import VICTIM
from tests.fakes.outbound import scan_discord

MODEL_ON = """
[automod.rules.toxicity-model]
enabled = true
"""
model_on = pytest.mark.discord_config(MODEL_ON)


@model_on
async def test_suspected_abuse_alerts_staff_and_removes_nothing(world: World) -> None:
    fake = world.fake
    post = await fake.say(world.bob, world.general, "ur such a dumb ho")
    alert = await fake.wait_for(lambda: fake.channel_texts(world.staff_queue),
                                "alerted staff")
    assert "no-hate" in alert[0] and "model score" in alert[0]
    await settled(world)
    assert not fake.find("DELETE", f"/messages/{post['id']}")
    assert fake.dms_to(world.bob) == []


@model_on
async def test_ordinary_chat_passes_the_model(world: World) -> None:
    fake = world.fake
    for text in ("Has anyone read the new cataloguing rules?",
                 "the server crashed again, kill the process and restart it"):
        await fake.say(world.bob, world.general, text)
    await caught_up(world)
    assert fake.channel_texts(world.staff_queue) == []


@model_on
async def test_the_models_alert_pings_nobody_and_repeats_no_contact_details(
        world: World) -> None:
    """The alert quotes the message to staff: every ping in it is made inert, as for any
    other rule (the model only decides that staff look). A phone number would be redacted
    by its own rule first; the model's excerpt masks it too (tests/core/automod)."""
    fake = world.fake
    text = f"ur such a dumb ho <!channel> @everyone @here <@{VICTIM}> <@&{world.moderator_role}>"
    await fake.say(world.bob, world.general, text)
    alert = await fake.wait_for(lambda: fake.channel_texts(world.staff_queue),
                                "alerted staff")
    assert "model score" in alert[0]
    await settled(world)
    problems = scan_discord(fake, [f"<@{VICTIM}>", f"<@&{world.moderator_role}>"])
    assert problems == [], "\n".join(problems)
    assert fake.dms_to(world.bob) == []
