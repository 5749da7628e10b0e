"""One `coc-bot run` process serves Discord and Slack at once, on one database.

A real process, configured only by a file and the environment, connects to the fake
Discord (gateway + REST) and to the fake Slack (Socket Mode + Web API); a report on each
platform lands in the same SQLite file, and SIGTERM stops both front-ends cleanly.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.fakes.discord.server import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.slack.conftest import CONFIG as SLACK_CONFIG
from tests.slack.conftest import GENERAL, REPORTER, SUBJECT, TEAM
from tests.slack.helpers import eventually
from tests.waiting import DEADLINE

ROOT = Path(__file__).resolve().parents[1]


def reports_in(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute("SELECT reporter, reason FROM reports ORDER BY reason").fetchall()


@pytest.mark.slow
async def test_one_process_runs_both_front_ends_on_one_case_log(tmp_path: Path) -> None:
    discord, slack = FakeDiscord(), FakeSlack(team=TEAM)
    role, queue = discord.role("Staff"), discord.channel("queue")
    alice, bob = discord.member("alice"), discord.member("bob")
    await discord.start()
    slack_api = await slack.start()
    config = tmp_path / "coc-bot.toml"
    config.write_text(SLACK_CONFIG + "\n[discord]\n" + "\n".join(
        f"{key} = {value}" for key, value in {
            "guild_id": discord.guild_id, "staff_role_id": role, "committee_role_id": role,
            "counsel_role_id": role, "executive_role_id": role,
            "staff_queue_channel_id": queue, "committee_channel_id": queue,
            "executive_channel_id": queue}.items()))
    db = tmp_path / "bot.db"
    env = {**os.environ, "COC_BOT_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{db}",
           "DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE": discord.api_base,
           "DISCORD_GATEWAY_URL": discord.gateway_url, "SLACK_BOT_TOKEN": slack.bot_token,
           "SLACK_APP_TOKEN": slack.app_token, "SLACK_API_BASE": slack_api}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await discord.wait_for(lambda: "guild" in discord.commands, "synced commands")
        token = await discord.slash(alice, "report", reason="bob insulted me on Discord",
                                    member=bob)
        await discord.wait_for(lambda: discord.reply_texts(token), "answered on Discord")

        await slack.send_envelope("slash_commands", {
            "team_id": TEAM, "channel_id": GENERAL, "user_id": REPORTER, "command": "/report",
            "text": f"<@{SUBJECT}> insulted me on Slack", "trigger_id": "t1",
            "response_url": slack.response_url("both")}, envelope_id="env-both")
        await eventually(lambda: bool(slack.responses()), within=20)

        reports = dict(reports_in(db))
        assert reports[f"discord:{discord.guild_id}:{alice.id}"] == "bob insulted me on Discord"
        assert "insulted me on Slack" in reports[f"slack:{TEAM}:{REPORTER}"]

        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), DEADLINE)
        assert proc.returncode == 0, stderr.decode()[-2000:]
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await discord.stop()
        await slack.stop()
