"""Socket Mode envelopes through ``run_slack``, and ``/code`` with its Accept button."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_app, front_ends
from bot.core.clock import FakeClock
from bot.core.identity import PlatformName
from bot.core.models import Report
from bot.slack_io.runner import run_slack
from config.loader import load_settings
from storage import open_storage
from tests.fakes.slack import FakeSlack
from tests.slack.conftest import CONFIG, GENERAL, REPORTER, SUBJECT, SlackWorld
from tests.slack.helpers import eventually


async def test_socket_mode_envelope_is_acked_and_handled(tmp_path: Path) -> None:
    fake = FakeSlack(team="T1")
    api = await fake.start()
    path = tmp_path / "coc-bot.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(path, {"SLACK_BOT_TOKEN": fake.bot_token,
                                    "SLACK_APP_TOKEN": fake.app_token, "SLACK_API_BASE": api})
    assert [f.__name__ for f in front_ends(settings)] == ["run_slack"]
    app = await build_app(settings, clock=FakeClock(datetime(2026, 1, 5, 20, tzinfo=UTC)),
                          storage=await open_storage("sqlite:///:memory:"), outbox_inline=True)
    task = asyncio.create_task(run_slack(app))
    try:
        await fake.send_envelope("slash_commands", {
            "team_id": "T1", "channel_id": GENERAL, "user_id": REPORTER, "command": "/report",
            "text": f"<@{SUBJECT}> was rude", "trigger_id": "t1",
            "response_url": fake.response_url("sock")}, envelope_id="env-1")
        await eventually(lambda: any(a.get("envelope_id") == "env-1" for a in fake.socket_acks))
        await eventually(lambda: bool(fake.responses()))
        assert "R-" in fake.responses()[-1]
        assert app.platforms.has(PlatformName.SLACK)
        assert fake.called("apps.connections.open")[0].token == fake.app_token
        async with app.storage.transaction() as tx:
            assert await tx.count(Report) == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await app.close()
        await fake.stop()


async def test_code_shows_the_text_with_an_accept_button(world: SlackWorld) -> None:
    await world.command("/code", "", user=REPORTER)
    replies = world.fake.called("response_url")
    assert "Code of Conduct" in " ".join(r.get("text") for r in replies)
    accept = replies[-1].params["blocks"][1]["elements"][0]
    assert accept["action_id"] == "coc_accept"
    await world.click("coc_accept", accept["value"], user=REPORTER, channel=GENERAL)
    assert "Thank you for accepting" in world.fake.responses()[-1]
    await world.command("/code", "status")
    status = world.fake.responses()[-1]
    assert "1 accepted" in status and f"<@{REPORTER}>" not in status.split("Not yet:")[1]


async def test_code_publish_unchanged_is_refused_politely(world: SlackWorld) -> None:
    await world.command("/code", "publish first announcement")
    assert "Published v1" in world.fake.responses()[-1]  # the version recorded at start-up
    asked = len(world.fake.called("users.list"))
    await world.command("/code", "publish small fixes")
    assert "has not changed" in world.fake.responses()[-1]
    assert len(world.fake.called("users.list")) == asked
