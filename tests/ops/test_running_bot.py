"""A real `coc-bot run` process, as systemd and Prometheus see it.

The process serves Discord and Slack (the fakes) with ``[ops] health_port`` set and
``$NOTIFY_SOCKET`` pointing at a socket this test holds: it says READY=1 and feeds the
watchdog; ``/readyz`` turns ready once both front-ends are connected and turns not ready,
naming the front-end, when a platform goes away; ``/metrics`` after a full flow counts
events, requests and incidents and shows no person, channel or message text.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.discord.server import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.ports import free_port
from tests.slack.conftest import CONFIG as SLACK_CONFIG
from tests.slack.conftest import GENERAL, QUEUE, REPORTER, SUBJECT, TEAM
from tests.waiting import DEADLINE

ROOT = Path(__file__).resolve().parents[2]
CARD = "4111 1111 1111 1111"


class Notifications:
    """Reads the notify socket the whole time, as systemd does, and keeps what came."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.seen = sock, []
        self._arrived = asyncio.Condition()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data = await loop.sock_recv(self.sock, 4096)
            async with self._arrived:
                self.seen.append(data.decode())
                self._arrived.notify_all()

    async def wait_for(self, message: str, within: float = 60) -> list[str]:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: message in self.seen),
                                   within)
        return list(self.seen)


async def until(http: aiohttp.ClientSession, url: str,
                check: Callable[[int, dict[str, Any]], bool],
                within: float = DEADLINE) -> dict[str, Any]:
    """Ask ``/readyz`` until ``check`` holds (each answer is computed fresh)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        async with http.get(url) as response:
            body = await response.json()
            if check(response.status, body):
                return body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"/readyz never matched; last answer: {body}")
        await asyncio.sleep(0.05)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.mark.slow
async def test_health_readiness_and_metrics_of_a_running_bot(tmp_path: Path) -> None:
    discord, slack = FakeDiscord(), FakeSlack(team=TEAM)
    role, queue = discord.role("Staff"), discord.channel("queue")
    general = discord.channel("general")
    alice, bob = discord.member("alice"), discord.member("bob")
    await discord.start()
    slack_api = await slack.start()
    port = free_port()
    config = tmp_path / "coc-bot.toml"
    config.write_text(SLACK_CONFIG + "\n[discord]\n" + "\n".join(
        f"{key} = {value}" for key, value in {
            "guild_id": discord.guild_id, "staff_role_id": role,
            "committee_role_id": discord.role("Committee"),
            "counsel_role_id": discord.role("Counsel"),
            "executive_role_id": discord.role("Executive"),
            "staff_queue_channel_id": queue, "committee_channel_id": queue,
            "executive_channel_id": queue}.items())
        + f"\n\n[ops]\nhealth_port = {port}\ncheck_timeout_seconds = 30\n")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.setblocking(False)
    notifications = Notifications(notify)
    env = {**os.environ, "COC_BOT_CONFIG": str(config),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
           "DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE": discord.api_base,
           "DISCORD_GATEWAY_URL": discord.gateway_url, "SLACK_BOT_TOKEN": slack.bot_token,
           "SLACK_APP_TOKEN": slack.app_token, "SLACK_API_BASE": slack_api,
           "NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "2000000"}
    log = (tmp_path / "bot.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        seen = await notifications.wait_for("WATCHDOG=1")
        assert seen[:2] == ["READY=1", "WATCHDOG=1"]
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "/healthz") as response:
                assert response.status == 200 and await response.json() == {"status": "alive"}
            ready = await until(http, base + "/readyz", lambda status, _: status == 200)
            assert {c["name"] for c in ready["checks"]} == {
                "database", "scheduler", "timed_actions", "discord", "slack"}

            # A full flow on both platforms: reports, and automod removing a card number.
            token = await discord.slash(alice, "report", reason="bob insulted me on Discord",
                                        member=bob)
            await discord.wait_for(lambda: discord.reply_texts(token), "answered")
            leak = await discord.say(bob, general, f"alice's card is {CARD}, exp 12/29")
            await discord.wait_for(lambda: discord.find("DELETE", f"/messages/{leak['id']}"),
                                   "removed the card number")
            await slack.send_envelope("slash_commands", {
                "team_id": TEAM, "channel_id": GENERAL, "user_id": REPORTER,
                "command": "/report", "text": f"<@{SUBJECT}> insulted me on Slack",
                "trigger_id": "t1", "response_url": slack.response_url("ops")},
                envelope_id="env-ops")
            await until(http, base + "/readyz", lambda *_: bool(slack.responses()))

            async with http.get(base + "/metrics") as response:
                assert response.status == 200
                assert response.headers["Content-Type"].startswith("text/plain; version=")
                text = await response.text()
            found = samples(text)
            events = {dict(labels)["kind"]: v for (name, labels), v in found.items()
                      if name == "coc_bot_events_total" and ("platform", "discord") in labels}
            assert events.get("MESSAGE_CREATE", 0) >= 1
            assert events.get("INTERACTION_CREATE", 0) >= 1
            assert found[("coc_bot_events_total",
                          frozenset({("platform", "slack"), ("kind", "command")}))] == 1
            assert found[("coc_bot_request_duration_seconds_count",
                          frozenset({("platform", "slack"), ("kind", "command")}))] == 1
            incidents = {dict(labels)["rule"] for (name, labels), v in found.items()
                         if name == "coc_bot_incidents_total" and v >= 1}
            assert incidents == {"pii-card"}, incidents  # automod's rule id
            assert found[("coc_bot_oldest_untriaged_report_age_seconds", frozenset())] >= 0
            assert ("coc_bot_gateway_latency_seconds",
                    frozenset({("platform", "discord")})) in found
            assert found[("coc_bot_frontend_connected",
                          frozenset({("platform", "slack")}))] == 1
            people_places_and_words = [
                str(alice.id), str(bob.id), REPORTER, SUBJECT, GENERAL, QUEUE, str(general),
                str(queue), str(discord.guild_id), "insulted", "exp 12/29", CARD, "alice", "bob"]
            assert [x for x in people_places_and_words if x in text] == []

            # Platforms go away: readiness names each one; the process stays alive.
            await discord.stop()
            body = await until(http, base + "/readyz",
                               lambda status, b: status == 503 and "discord" in b["failed"])
            assert "discord is not connected" in next(
                c["detail"] for c in body["checks"] if c["name"] == "discord")
            await slack.stop()
            body = await until(http, base + "/readyz",
                               lambda status, b: "slack" in b["failed"])
            assert body["status"] == "not ready"
            assert set(body["failed"]) == {"discord", "slack"}
            async with http.get(base + "/healthz") as response:
                assert response.status == 200

        proc.send_signal(signal.SIGTERM)
        seen = await notifications.wait_for("STOPPING=1")
        assert set(seen) == {"READY=1", "WATCHDOG=1", "STOPPING=1"}
        assert await asyncio.wait_for(proc.wait(), DEADLINE) == 0, \
            (tmp_path / "bot.log").read_text()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        notifications.task.cancel()
        notify.close()
        log.close()
        await discord.stop()
        await slack.stop()
