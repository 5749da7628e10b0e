"""`coc-bot run` as operators start it: a real process, configured only by a file and the
environment, talking to the fake Discord, and stopping cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.fakes.discord.server import FakeDiscord
from tests.waiting import DEADLINE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The database `run` is given: a SQLite file, or PostgreSQL (with the seal key in the
    environment, as every PostgreSQL deployment must have it: no file to keep it beside)."""
    if request.param == "postgresql":
        from bot.sealing import generate_key

        return {"DATABASE_URL": str(request.getfixturevalue("postgres_url")),
                "COC_BOT_SEAL_KEYS": generate_key()}
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}


@pytest.mark.slow
async def test_coc_bot_run_connects_syncs_commands_and_stops_on_sigterm(
        tmp_path: Path, database_env: dict[str, str]) -> None:
    fake = FakeDiscord()
    role, channel = fake.role("Staff"), fake.channel("queue")
    await fake.start()
    config = tmp_path / "coc-bot.toml"
    config.write_text("[discord]\n" + "\n".join(
        f"{key} = {value}" for key, value in {
            "guild_id": fake.guild_id, "staff_role_id": role,
            "committee_role_id": fake.role("Committee"), "counsel_role_id": fake.role("Counsel"),
            "executive_role_id": fake.role("Executive"),
            "staff_queue_channel_id": channel, "committee_channel_id": channel,
            "executive_channel_id": channel}.items()))
    env = {**os.environ, "DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE": fake.api_base,
           "DISCORD_GATEWAY_URL": fake.gateway_url, "COC_BOT_CONFIG": str(config),
           **database_env}
    env.pop("SLACK_BOT_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await fake.wait_for(lambda: "guild" in fake.commands and "global" in fake.commands,
                            "synced its slash commands")
        names = {c["name"] for c in fake.commands["guild"]}
        assert {"report", "remove", "suspend", "motion", "Report message"} <= names
        assert {c["name"] for c in fake.commands["global"]} == {"appeal"}
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), DEADLINE)
        assert proc.returncode == 0, stderr.decode()[-2000:]
        if database_env["DATABASE_URL"].startswith("sqlite"):
            assert (tmp_path / "bot.db").exists()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.stop()
