"""``/healthz`` and ``/readyz`` of a real app, over HTTP on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import App, build_app
from bot.core.errors import ConfigError
from bot.core.identity import PlatformName
from bot.core.models import ActionKind
from bot.core.services._context import schedule
from bot.ops import Systemd, operations
from config.loader import load_settings
from tests.core.recording_platform import RecordingPlatform
from tests.ports import free_port


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    config = tmp_path / "coc-bot.toml"
    config.write_text(f"[ops]\nhealth_port = {free_port()}\nmax_action_lag_seconds = 120\n"
                      "check_timeout_seconds = 30\n")  # a bound for a hang, not a speed
    settings = load_settings(config, {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"})
    built = await build_app(settings)
    yield built
    await built.close()


async def get(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        body = await response.json() if response.content_type == "application/json" \
            else await response.text()
        return response.status, body


async def test_alive_from_the_start_ready_once_the_scheduler_runs(app: App) -> None:
    async with operations(app.health(), Systemd(None)) as server:
        assert server is not None
        base = f"http://127.0.0.1:{server.port}"
        assert await get(base + "/healthz") == (200, {"status": "alive"})
        status, body = await get(base + "/readyz")
        assert status == 503 and body["failed"] == ["scheduler"]
        assert "timed actions (lifts, reminders, deadlines) are not being carried out" in \
            body["checks"][1]["detail"]
        await app.start_scheduler()
        status, body = await get(base + "/readyz")
        assert status == 200 and body["status"] == "ready" and body["failed"] == []
        assert [c["name"] for c in body["checks"]] == ["database", "scheduler",
                                                       "timed_actions"]
        await app.scheduler.stop()
        assert (await get(base + "/readyz"))[1]["failed"] == ["scheduler"]


async def test_not_ready_while_the_database_refuses_writes(app: App) -> None:
    await app.start_scheduler()
    conn = app.storage._conn  # type: ignore[attr-defined]  # make the real file read-only
    async with operations(app.health(), Systemd(None)) as server:
        assert server is not None
        base = f"http://127.0.0.1:{server.port}"
        await conn.execute("PRAGMA query_only = ON")
        status, body = await get(base + "/readyz")
        assert status == 503 and body["status"] == "not ready"
        # Every SQLite transaction begins as a writer, so the lag cannot be read either.
        assert body["failed"] == ["database", "timed_actions"]
        detail = body["checks"][0]["detail"]
        assert detail.startswith("the database does not accept writes") and \
            "readonly" in detail
        assert (await get(base + "/healthz"))[0] == 200  # alive: do not restart it
        await conn.execute("PRAGMA query_only = OFF")
        assert (await get(base + "/readyz"))[0] == 200


async def test_not_ready_when_a_timed_action_is_overdue_beyond_the_limit(app: App) -> None:
    await app.start_scheduler()
    await app.scheduler.stop()  # nothing runs it, as when the worker is stuck
    health = app.health()
    async with app.storage.transaction() as tx:
        await schedule(tx, app.services.ctx, ActionKind.REPORT_DUE, "R-1",
                       app.clock.now() - timedelta(seconds=100))
    checks = {c.name: c for c in await health.readiness()}
    assert checks["timed_actions"].ok  # 100 s late, under the 120 s limit
    async with app.storage.transaction() as tx:
        await schedule(tx, app.services.ctx, ActionKind.REPORT_DUE, "R-2",
                       app.clock.now() - timedelta(seconds=600))
    checks = {c.name: c for c in await health.readiness()}
    assert not checks["timed_actions"].ok
    assert "s overdue (limit 120 s)" in checks["timed_actions"].detail


async def test_each_expected_front_end_must_be_connected(app: App) -> None:
    await app.start_scheduler()
    health = app.health()
    app.platforms.expect([PlatformName.DISCORD, PlatformName.SLACK])
    names = {c.name: c for c in await health.readiness()}
    assert not names["discord"].ok and not names["slack"].ok
    assert names["slack"].detail == ("slack is not connected (waiting for the platform, or "
                                     "reconnecting)")
    platform = RecordingPlatform()
    app.platforms.register(platform)  # Discord connected
    socket_up = [True]

    async def probe() -> bool:
        return socket_up[0]

    slack = RecordingPlatform(platform=PlatformName.SLACK)
    app.platforms.register(slack)
    app.metrics.watch_connection(PlatformName.SLACK, probe)
    assert all(c.ok for c in await health.readiness())
    socket_up[0] = False  # the SDK is reconnecting the socket
    failed = [c.name for c in await health.readiness() if not c.ok]
    assert failed == ["slack"]


async def test_a_standby_process_is_ready_while_another_holds_the_shard(app: App) -> None:
    """With shard leases a standby is not connected to Discord, and healthy: it must stay
    behind the load balancer for Slack, and it takes the shard over when needed."""
    await app.start_scheduler()
    app.platforms.expect([PlatformName.DISCORD])
    app.platforms.register(RecordingPlatform(), ready=False)
    app.platforms.standing_by(PlatformName.DISCORD, True)
    (discord,) = [c for c in await app.health().readiness() if c.name == "discord"]
    assert discord.ok and "standing by" in discord.detail
    assert (await app.health().connected())[PlatformName.DISCORD] is False  # the metric
    app.platforms.standing_by(PlatformName.DISCORD, False)  # took the shard, connecting
    (discord,) = [c for c in await app.health().readiness() if c.name == "discord"]
    assert not discord.ok


async def test_a_port_already_taken_is_refused_in_words(app: App) -> None:
    port = app.settings.ops.health_port
    assert port is not None
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        with pytest.raises(ConfigError) as caught:
            async with operations(app.health(), Systemd(None)):
                pass
    assert f"127.0.0.1:{port} ([ops] health_port / health_host): the port is already " \
           "in use" in str(caught.value)
