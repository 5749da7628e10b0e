"""Start-up order on Slack: an overdue lift waits for the socket, then runs at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import App, build_app
from bot.core.clock import FakeClock
from bot.core.identity import PlatformName
from bot.core.models import ActionKind, ActionStatus, Sanction, ScheduledAction
from bot.scheduler import SWEEP_SECONDS
from bot.slack_io.runner import run_slack
from config.loader import load_settings
from storage import open_storage
from tests.fakes.slack import FakeSlack
from tests.slack.conftest import CONFIG, GENERAL, RANDOM, STAFF_USER, SUBJECT, seed
from tests.slack.helpers import eventually
from tests.waiting import eventually as until


async def _lift(app: App) -> ScheduledAction:
    async with app.storage.transaction() as tx:
        [sanction] = await tx.find(Sanction)
        action = await tx.get(ScheduledAction,
                              ScheduledAction.key_for(ActionKind.LIFT_SANCTION, sanction.id))
    assert action is not None
    return action


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    await until(check, what)


async def test_an_overdue_lift_runs_within_seconds_of_the_socket_after_a_restart(
        tmp_path: Path) -> None:
    fake = FakeSlack(team="T1")
    seed(fake)
    api = await fake.start()
    path = tmp_path / "coc-bot.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(path, {"SLACK_BOT_TOKEN": fake.bot_token,
                                    "SLACK_APP_TOKEN": fake.app_token,
                                    "SLACK_ADMIN_TOKEN": fake.admin_token, "SLACK_API_BASE": api})
    clock = FakeClock(datetime(2026, 1, 5, 20, tzinfo=UTC))
    app = await build_app(settings, clock=clock, storage=await open_storage("sqlite:///:memory:"),
                          outbox_inline=True)
    try:
        task = asyncio.create_task(run_slack(app))
        await fake.send_envelope("slash_commands", {
            "team_id": "T1", "channel_id": GENERAL, "user_id": STAFF_USER,
            "command": "/suspend", "text": f"<@{SUBJECT}> 1h workspace cooling off",
            "trigger_id": "t1", "response_url": fake.response_url("s1")}, envelope_id="e1")
        await eventually(lambda: bool(fake.called("conversations.kick", user=SUBJECT)))
        await _stop(task)  # the process stops ...
        assert not app.platforms.is_ready(PlatformName.SLACK)
        clock.advance(timedelta(hours=2))  # ... and starts again after the lift was due

        started = time.monotonic()
        await app.start_scheduler()  # before Slack connects, as run() does
        lift = await _lift(app)
        await eventually(lambda: lift.id in app.timed.parked)
        waiting = await _lift(app)
        assert waiting.status is ActionStatus.PENDING and waiting.attempts == 0
        assert not fake.called("conversations.invite")

        task = asyncio.create_task(run_slack(app))
        await eventually(lambda: {c.get("channel") for c in fake.called("conversations.invite")}
                         == {GENERAL, RANDOM})
        assert fake.hello_at is not None
        invites = fake.called("conversations.invite")
        # The socket's hello woke it: a retry never comes (the fake clock stands still), and
        # the only other way it could run is the scheduler's periodic sweep, whose first
        # turn is a full SWEEP_SECONDS after the start (a bound on meaning, not on speed).
        assert all(call.at > fake.hello_at and call.at - started < SWEEP_SECONDS
                   for call in invites), "the lift waited for the periodic sweep"

        async def finished() -> bool:
            return (await _lift(app)).status is ActionStatus.DONE
        await _until(finished, "the lift marked done")
        assert (await _lift(app)).attempts == 1
        await _stop(task)
    finally:
        await app.close()
        await fake.stop()

