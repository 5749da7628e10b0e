"""`coc-bot run` as a real process: what it leaves in its logs, and what it does when its
database file disappears. Configured only by a file and the environment, against the fake
Discord (and Slack) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.cli import EXIT_DATABASE_LOST
from tests.fakes.discord.server import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.slack.conftest import CONFIG as SLACK_CONFIG
from tests.slack.conftest import GENERAL, REPORTER, SUBJECT, TEAM
from tests.slack.helpers import eventually
from tests.waiting import DEADLINE

ROOT = Path(__file__).resolve().parents[1]
CANARY = "CANARY7f3a"


def discord_config(discord: FakeDiscord) -> str:
    role, queue = discord.role("Staff"), discord.channel("queue")
    return "\n[discord]\n" + "\n".join(f"{key} = {value}" for key, value in {
        "guild_id": discord.guild_id, "staff_role_id": role, "committee_role_id": role,
        "counsel_role_id": role, "executive_role_id": role, "staff_queue_channel_id": queue,
        "committee_channel_id": queue, "executive_channel_id": queue}.items())


async def start(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


@pytest.mark.slow
async def test_deleting_the_database_stops_the_bot_with_the_reason_and_a_rescue_copy(
        tmp_path: Path) -> None:
    discord = FakeDiscord()
    alice, bob = discord.member("alice"), discord.member("bob")
    await discord.start()
    config = tmp_path / "coc-bot.toml"
    config.write_text(discord_config(discord))
    db = tmp_path / "state" / "coc-bot.db"
    env = {**os.environ, "COC_BOT_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{db}",
           "DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE": discord.api_base,
           "DISCORD_GATEWAY_URL": discord.gateway_url}
    env.pop("SLACK_BOT_TOKEN", None)
    proc = await start(env)
    try:
        await discord.wait_for(lambda: "guild" in discord.commands, "synced commands")
        before = await discord.slash(alice, "report", reason="filed before", member=bob)
        await discord.wait_for(lambda: discord.reply_texts(before), "answered the report")

        db.unlink()  # an operator's slip: `rm` in the wrong folder, a cleanup script...
        after = await discord.slash(alice, "report", reason="filed after", member=bob)
        reply = await discord.wait_for(lambda: discord.reply_texts(after), "answered")
        assert "database is unavailable" in reply[0] and "nothing was changed" in reply[0]
        assert str(db) not in reply[0], "a participant is not shown server paths"

        _, stderr = await asyncio.wait_for(proc.communicate(), DEADLINE)
        err = stderr.decode()
        assert proc.returncode == EXIT_DATABASE_LOST, err[-2000:]
        assert f"coc-bot: The database file {db} was deleted while coc-bot was running" in err
        assert "Traceback" not in err, err
        assert not db.exists(), "the process recreated the deleted database"
        [rescued] = db.parent.glob("coc-bot.db.rescued-*")
        assert f"saved to {rescued}" in err
        with sqlite3.connect(rescued) as conn:
            reasons = [row[0] for row in conn.execute("SELECT reason FROM reports")]
        assert reasons == ["filed before"], "the rescue holds every record, and only those"

        # Started again as is (a service manager's restart): refused, no empty case log.
        again = await start(env)
        try:
            _, stderr = await asyncio.wait_for(again.communicate(), DEADLINE)
        finally:
            await stop(again)
        assert again.returncode == 1 and f"Move it to {db}" in stderr.decode()
        assert not db.exists()
    finally:
        await stop(proc)
        await discord.stop()


@pytest.mark.slow
async def test_a_debug_start_up_and_reports_log_no_secret_and_no_report(
        tmp_path: Path) -> None:
    """Every secret set to a canary; the bot runs at DEBUG and takes a report on each
    platform; nothing it writes to its log contains a canary, a report or a reporter."""
    discord = FakeDiscord()
    alice, bob = discord.member("alice"), discord.member("bob")
    slack = FakeSlack(team=TEAM, bot_token=f"xoxb-{CANARY}-bot",
                      app_token=f"xapp-{CANARY}-app", admin_token=f"xoxp-{CANARY}-admin")
    await discord.start()
    slack_api = await slack.start()
    config = tmp_path / "coc-bot.toml"
    config.write_text(SLACK_CONFIG + discord_config(discord))
    env = {**os.environ, "COC_BOT_CONFIG": str(config),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
           "DISCORD_TOKEN": f"{CANARY}-discord", "DISCORD_API_BASE": discord.api_base,
           "DISCORD_GATEWAY_URL": discord.gateway_url, "SLACK_BOT_TOKEN": slack.bot_token,
           "SLACK_APP_TOKEN": slack.app_token, "SLACK_ADMIN_TOKEN": slack.admin_token,
           "SLACK_SIGNING_SECRET": f"{CANARY}-signing", "SLACK_API_BASE": slack_api}
    proc = await start(env, "--log-level", "DEBUG")
    try:
        await discord.wait_for(lambda: "guild" in discord.commands, "synced commands")
        token = await discord.slash(alice, "report", reason="Wombat-5521 on Discord",
                                    member=bob)
        await discord.wait_for(lambda: discord.reply_texts(token), "answered on Discord")
        await slack.send_envelope("slash_commands", {
            "team_id": TEAM, "channel_id": GENERAL, "user_id": REPORTER, "command": "/report",
            "text": f"<@{SUBJECT}> Wombat-5521 on Slack", "trigger_id": "t1",
            "response_url": slack.response_url("canary")}, envelope_id="env-canary")
        await eventually(lambda: bool(slack.responses()), within=20)
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), DEADLINE)
    finally:
        await stop(proc)
        await discord.stop()
        await slack.stop()
    log = stderr.decode()
    assert proc.returncode == 0, log[-2000:]
    assert " DEBUG " in log, "the bot really ran at DEBUG"
    for secret in (CANARY, "Wombat-5521", str(alice.id), REPORTER):
        assert secret not in log, f"{secret} appears in the log"
