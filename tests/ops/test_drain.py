"""SIGTERM lets the handlers already running finish before the database closes.

A real `coc-bot run` process: a member posts a card number, automod's handler asks the
platform to delete it, and the fake keeps that call unanswered. SIGTERM arrives while the
handler waits; once the bot says it is stopping, the fake answers. The handler must go
on to record the incident in the database, and the process exit cleanly: on Discord, on
Slack in Socket Mode and on Slack over HTTP (where Bolt runs the listener as a loose task
after acking the request, which nothing else would wait for).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.discord.server import FakeDiscord
from tests.fakes.hold import Hold
from tests.fakes.slack import FakeSlack
from tests.ports import free_port
from tests.slack.conftest import CONFIG as SLACK_CONFIG
from tests.slack.conftest import GENERAL, SECRET, SUBJECT, TEAM, sign
from tests.slack.helpers import eventually
from tests.waiting import DEADLINE

ROOT = Path(__file__).resolve().parents[2]
CARD = "my card is 4111 1111 1111 1111"

Trigger = Callable[[], Awaitable[Hold]]
"""Posts the violating message once the bot is up; returns the hold on its delete."""


def incidents_in(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute("SELECT subject, rule_id FROM incidents").fetchall()


@asynccontextmanager
async def bot_process(env: dict[str, str]) -> AsyncIterator[tuple[
        asyncio.subprocess.Process, asyncio.Event, list[str]]]:
    """``coc-bot run``, its stderr read as it comes: the event is set once it logs that
    it is stopping on a signal."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    stopping, lines = asyncio.Event(), []

    async def read() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            lines.append(raw.decode(errors="replace"))
            if "stopping on a signal" in lines[-1]:
                stopping.set()

    reader = asyncio.create_task(read())
    try:
        yield proc, stopping, lines
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await reader


async def stop_while_handling(env: dict[str, str], db: Path, trigger: Trigger) -> None:
    async with bot_process(env) as (proc, stopping, lines):
        hold = await trigger()
        try:  # the handler is in flight
            await asyncio.wait_for(hold.arrived.wait(), DEADLINE)
        except TimeoutError:
            raise AssertionError("no delete: " + "".join(lines)[-3000:]) from None
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(stopping.wait(), DEADLINE)
        assert incidents_in(db) == []  # not recorded yet: the delete has no answer
        hold.released.set()
        await asyncio.wait_for(proc.wait(), DEADLINE)
        log = "".join(lines)
        assert proc.returncode == 0, log[-3000:]
        assert "no active connection" not in log and "Traceback" not in log, log[-3000:]
    [(subject, rule)] = incidents_in(db)
    assert rule and subject


@pytest.mark.slow
async def test_discord_handler_in_flight_at_sigterm_is_finished(tmp_path: Path) -> None:
    fake = FakeDiscord()
    role, queue, general = fake.role("Staff"), fake.channel("queue"), fake.channel("general")
    member = fake.member("mallory")
    await fake.start()
    config = tmp_path / "coc-bot.toml"
    config.write_text("[discord]\n" + "\n".join(
        f"{key} = {value}" for key, value in {
            "guild_id": fake.guild_id, "staff_role_id": role,
            "committee_role_id": fake.role("Committee"), "counsel_role_id": fake.role("Counsel"),
            "executive_role_id": fake.role("Executive"),
            "staff_queue_channel_id": queue, "committee_channel_id": queue,
            "executive_channel_id": queue}.items()))
    db = tmp_path / "bot.db"
    env = {**os.environ, "DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE": fake.api_base,
           "DISCORD_GATEWAY_URL": fake.gateway_url, "COC_BOT_CONFIG": str(config),
           "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("SLACK_BOT_TOKEN", None)

    async def trigger() -> Hold:
        await fake.wait_for(lambda: "guild" in fake.commands, "synced commands")
        hold = fake.hold("DELETE", "/messages/")
        await fake.say(member, general, CARD)
        return hold

    try:
        await stop_while_handling(env, db, trigger)
    finally:
        await fake.stop()




def message_event(slack: FakeSlack) -> dict[str, object]:
    ts = slack.add_message(GENERAL, SUBJECT, CARD)
    return {"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
            "event_id": "EvDrain", "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
            "event": {"type": "message", "channel": GENERAL, "user": SUBJECT, "text": CARD,
                      "ts": ts, "event_ts": ts, "channel_type": "channel", "team": TEAM}}


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_slack_listener_in_flight_at_sigterm_is_finished(tmp_path: Path,
                                                               mode: str) -> None:
    slack = FakeSlack(team=TEAM)
    api = await slack.start()
    port = free_port()
    config = tmp_path / "coc-bot.toml"
    config.write_text(SLACK_CONFIG.replace("http_port = 3000", f"http_port = {port}"))
    db = tmp_path / "bot.db"
    env = {**os.environ, "COC_BOT_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{db}",
           "SLACK_BOT_TOKEN": slack.bot_token, "SLACK_API_BASE": api,
           "SLACK_ADMIN_TOKEN": slack.admin_token}  # who may delete a member's message
    env.pop("DISCORD_TOKEN", None)
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = slack.app_token
    else:
        env["SLACK_SIGNING_SECRET"] = SECRET
    url = f"http://127.0.0.1:{port}/slack/events"

    async def serving() -> bool:
        try:
            async with aiohttp.ClientSession() as session, session.get(url) as resp:
                return resp.status < 500
        except aiohttp.ClientError:
            return False

    async def trigger() -> Hold:
        hold = slack.hold("chat.delete")
        event = message_event(slack)
        if mode == "socket":
            await eventually(lambda: slack.open_sockets > 0, within=30)
            await slack.send_envelope("events_api", event, envelope_id="env-drain")
            return hold
        for _ in range(300):  # until the process listens (a poll of a real port)
            if await serving():
                break
            await asyncio.sleep(0.1)
        body, now = json.dumps(event), int(time.time())
        headers = {"Content-Type": "application/json", "X-Slack-Signature": sign(body, now),
                   "X-Slack-Request-Timestamp": str(now)}
        async with aiohttp.ClientSession() as session, \
                session.post(url, data=body.encode(), headers=headers) as resp:
            assert resp.status == 200  # acked at once; the listener goes on after
        return hold

    try:
        await stop_while_handling(env, db, trigger)
    finally:
        await slack.stop()
