"""The optional toxicity model on Slack: the same engine and flow as on Discord; what it
suspects reaches the staff queue, inert, and nothing is removed or said to the author."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.outbound import scan_slack
from tests.slack.conftest import OUTSIDER, SUBJECT, SlackWorld, make_world
from tests.slack.test_watch import queue_texts, say

MODEL_ON = "\n[automod.rules.toxicity-model]\nenabled = true\n"


@pytest.fixture
async def model_world(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    async for built in make_world(tmp_path, extra_config=MODEL_ON):
        yield built


async def test_suspected_abuse_alerts_staff_inert_and_removes_nothing(
        model_world: SlackWorld) -> None:
    world = model_world
    # One mention (pinging a whole channel would be a mass-mention removal first).
    await say(world, f"ur such a dumb ho <@{OUTSIDER}>")
    [alert] = queue_texts(world)
    assert "model score" in alert and "no-hate" in alert
    problems = scan_slack(world.fake, [f"<@{OUTSIDER}>"])
    assert problems == [], "\n".join(problems)
    assert world.fake.called("chat.delete") == []
    assert world.fake.dm_texts(SUBJECT) == []


async def test_ordinary_chat_passes_the_model(model_world: SlackWorld) -> None:
    await say(model_world, "Has anyone read the new cataloguing rules?")
    assert queue_texts(model_world) == []
