"""HTTP mode listens on ``[slack] http_host`` (loopback unless configured) and ``http_port``."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.app import build_app
from bot.core.clock import FakeClock
from bot.core.errors import ConfigError
from bot.core.models import Report
from bot.slack_io.runner import run_slack
from config.loader import load_settings
from config.settings import Settings
from storage import open_storage
from tests.fakes.slack import FakeSlack
from tests.ports import free_port
from tests.slack.conftest import CONFIG, GENERAL, REPORTER, SECRET, SUBJECT, sign
from tests.slack.helpers import eventually
from tests.waiting import eventually as until


def _settings(tmp_path: Path, config: str, env: dict[str, str] | None = None) -> Settings:
    path = tmp_path / "coc-bot.toml"
    path.write_text(config, encoding="utf-8")
    return load_settings(path, env or {"SLACK_BOT_TOKEN": "xoxb-test"})


def test_http_host_defaults_to_loopback(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CONFIG)
    assert settings.slack is not None and settings.slack.http_host == "127.0.0.1"


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "bot.internal"])
def test_http_host_accepts_addresses_and_names(tmp_path: Path, host: str) -> None:
    settings = _settings(tmp_path, CONFIG + f'http_host = "{host}"\n')
    assert settings.slack is not None and settings.slack.http_host == host


@pytest.mark.parametrize("host", ["", "http://0.0.0.0", "0.0.0.0:3000", "a b"])
def test_http_host_refuses_what_is_not_an_address(tmp_path: Path, host: str) -> None:
    with pytest.raises(ConfigError, match=r"slack\.http_host"):
        _settings(tmp_path, CONFIG + f'http_host = "{host}"\n')




async def test_run_slack_serves_signed_requests_on_the_configured_host_and_port(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack_io.runner")
    fake = FakeSlack(team="T1")
    api = await fake.start()
    port = free_port()
    config = CONFIG.replace("http_port = 3000", f'http_port = {port}\nhttp_host = "127.0.0.1"')
    settings = _settings(tmp_path, config, {"SLACK_BOT_TOKEN": fake.bot_token,
                                            "SLACK_SIGNING_SECRET": SECRET,
                                            "SLACK_API_BASE": api})
    app = await build_app(settings, clock=FakeClock(datetime(2026, 1, 5, 20, tzinfo=UTC)),
                          storage=await open_storage("sqlite:///:memory:"), outbox_inline=True)
    task = asyncio.create_task(run_slack(app))
    body = (f"team_id=T1&channel_id={GENERAL}&user_id={REPORTER}&command=%2Freport"
            f"&text=%3C%40{SUBJECT}%3E+was+rude&trigger_id=t1"
            f"&response_url={fake.response_url('http')}")
    try:
        async with aiohttp.ClientSession() as session:
            async def post() -> int:  # 0 until the site is up
                try:
                    now = int(time.time())
                    async with session.post(
                            f"http://127.0.0.1:{port}/slack/events", data=body.encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "X-Slack-Request-Timestamp": str(now),
                                     "X-Slack-Signature": sign(body, now)}) as resp:
                        return resp.status
                except aiohttp.ClientConnectionError:
                    return 0
            status = await until(post, "the site to answer", every=0.02)
        assert status == 200
        assert f"on http://127.0.0.1:{port}/slack/events" in caplog.text
        await eventually(lambda: bool(fake.responses()))
        assert "R-" in fake.responses()[-1]
        async with app.storage.transaction() as tx:
            assert await tx.count(Report) == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await app.close()
        await fake.stop()
