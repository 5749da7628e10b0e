"""Socket Mode with several connections (one per process) on one database.

Slack spreads envelopes over an app's open connections and redelivers one it thinks was
not acknowledged, possibly on another connection: each process must ack it, and only
the first delivery may act.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App, build_app
from bot.core.clock import FakeClock
from bot.core.models import Report, RequestClaim
from bot.sealing import generate_key
from bot.slack_io.runner import run_slack
from config.loader import load_settings
from storage import open_storage
from tests.fakes.slack import FakeSlack
from tests.slack.conftest import CONFIG, GENERAL, QUEUE, REPORTER, SUBJECT, TEAM, seed
from tests.slack.helpers import eventually


async def _process(tmp_path: Path, fake: FakeSlack, api: str, database: str,
                   seal_key: str) -> App:
    path = tmp_path / "coc-bot.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(path, {"SLACK_BOT_TOKEN": fake.bot_token,
                                    "SLACK_APP_TOKEN": fake.app_token, "SLACK_API_BASE": api,
                                    "COC_BOT_SEAL_KEYS": seal_key})
    # the outbox sends as each action queues (as the other end-to-end fixtures do); this
    # test starts no scheduler, which is what runs the background outbox worker
    return await build_app(settings, clock=FakeClock(datetime(2026, 1, 5, 20, tzinfo=UTC)),
                           storage=await open_storage(database), outbox_inline=True)


async def test_an_envelope_redelivered_on_another_connection_is_handled_once(
        tmp_path: Path, database_url: str) -> None:
    fake = FakeSlack(team=TEAM)
    seed(fake)
    api = await fake.start()
    key = generate_key()  # the same in both processes, as the README asks
    apps = [await _process(tmp_path, fake, api, database_url, key) for _ in range(2)]
    tasks = [asyncio.create_task(run_slack(app)) for app in apps]
    try:
        await eventually(lambda: fake.open_sockets == 2)
        commands = [{"team_id": TEAM, "channel_id": GENERAL, "user_id": REPORTER,
                     "command": "/report", "text": f"<@{SUBJECT}> was rude ({n})",
                     "trigger_id": f"t{n}", "response_url": fake.response_url(f"s{n}")}
                    for n in range(2)]
        for n, command in enumerate(commands):  # each on one connection, then the other
            await fake.send_envelope("slash_commands", command, f"env-{n}", socket=n)
            await fake.send_envelope("slash_commands", command, f"env-{n}", socket=1 - n)
        # Every delivery is acked, a repeat only after its claim was refused; the work of
        # the first deliveries follows their ack.
        await eventually(lambda: len(fake.socket_acks) == 4)
        await eventually(lambda: len(fake.called("chat.postMessage", channel=QUEUE)) >= 2
                         and len(fake.called("response_url")) >= 2)
        async with apps[0].storage.transaction() as tx:
            assert await tx.count(Report) == 2
            claims = {claim.id for claim in await tx.find(RequestClaim)}
        assert claims == {f"slack:{TEAM}:trigger:t0", f"slack:{TEAM}:trigger:t1"}
        assert len(fake.called("response_url")) == 2
        assert len(fake.called("chat.postMessage", channel=QUEUE)) == 2
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for app in apps:
            await app.close()
        await fake.stop()
