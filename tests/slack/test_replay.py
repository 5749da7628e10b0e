"""A signed Slack request is acted on once: replays, Slack's retries, several processes.

Slack's signature covers a body and a timestamp, and Bolt accepts it for five minutes, so
the same signed bytes can be posted again by anyone who saw them; Slack itself resends an
event it thinks was not acknowledged, with ``X-Slack-Retry-Num``. Each case below fails
on a bot that deduplicates nothing (or only in memory).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.app import build_app
from bot.core.clock import FakeClock
from bot.core.models import Incident, Report, RequestClaim, Sanction
from bot.core.services.requests import KEEP, PRUNE_EVERY
from bot.slack_io.runner import run_slack
from config.loader import load_settings
from storage import open_storage
from tests.fakes.slack import FakeSlack
from tests.slack.conftest import (
    CONFIG,
    GENERAL,
    QUEUE,
    REPORTER,
    STAFF_USER,
    SUBJECT,
    TEAM,
    SlackWorld,
    make_world,
    seed,
    sign,
)
from tests.slack.helpers import eventually

FORM = "application/x-www-form-urlencoded"
CARD = "my card is 4111 1111 1111 1111"


async def _count(world: SlackWorld, cls: type) -> int:
    async with world.app.storage.transaction() as tx:
        return await tx.count(cls)


async def _claims(world: SlackWorld) -> list[RequestClaim]:
    async with world.app.storage.transaction() as tx:
        return await tx.find(RequestClaim)


async def test_the_same_signed_report_three_times_files_one_report(world: SlackWorld) -> None:
    body = world.command_body("/report", f"<@{SUBJECT}|s> was rude to me", REPORTER, GENERAL)
    now = int(time.time())
    statuses = [(await world.post(body, FORM, timestamp=now, signature=sign(body, now))).status
                for _ in range(3)]
    assert statuses == [200, 200, 200]  # a duplicate is acked, so Slack stops resending
    assert await _count(world, Report) == 1
    assert len(world.fake.called("chat.postMessage", channel=QUEUE)) == 1
    assert len(world.fake.called("response_url")) == 1  # one acknowledgement to the reporter


async def test_a_replayed_suspend_creates_one_sanction(world: SlackWorld) -> None:
    body = world.command_body("/suspend", f"<@{SUBJECT}|s> 7d workspace repeated insults",
                              STAFF_USER, GENERAL)
    now = int(time.time())
    await world.post(body, FORM, timestamp=now, signature=sign(body, now))
    later = now + 30  # re-signed with a new timestamp: only the trigger id gives it away
    assert (await world.post(body, FORM, timestamp=later,
                             signature=sign(body, later))).status == 200
    assert await _count(world, Sanction) == 1
    assert len(world.fake.called("chat.postMessage", channel=f"D{SUBJECT}")) == 1


def _message_event(world: SlackWorld) -> str:
    ts = world.fake.add_message(GENERAL, SUBJECT, CARD)
    return world.event_body({"type": "message", "channel": GENERAL, "user": SUBJECT,
                             "text": CARD, "ts": ts, "event_ts": ts,
                             "channel_type": "channel", "team": TEAM})


async def _retry(world: SlackWorld, body: str, attempt: int) -> int:
    """Slack's retry: the same body, freshly signed, with ``X-Slack-Retry-Num``."""
    now = int(time.time())
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(now),
               "X-Slack-Signature": sign(body, now), "X-Slack-Retry-Num": str(attempt),
               "X-Slack-Retry-Reason": "http_timeout"}
    async with world.session.post(world.url, data=body.encode(), headers=headers) as resp:
        return resp.status


async def test_an_event_retried_by_slack_is_handled_once(world: SlackWorld) -> None:
    body = _message_event(world)
    now = int(time.time())
    await world.post(body, "application/json", timestamp=now, signature=sign(body, now))
    assert await _retry(world, body, 1) == 200
    assert await _retry(world, body, 2) == 200
    assert await _count(world, Incident) == 1
    assert len(world.fake.called("chat.delete")) == 1


@pytest.fixture
async def two_processes(tmp_path: Path) -> AsyncIterator[tuple[SlackWorld, SlackWorld]]:
    """Two bot processes (two apps, two Bolt servers) on one database file, one Slack."""
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    async for first in make_world(tmp_path, database=database):
        async for second in make_world(tmp_path, database=database, fake=first.fake):
            yield first, second


async def test_two_processes_receiving_the_same_request_act_once(
        two_processes: tuple[SlackWorld, SlackWorld]) -> None:
    first, second = two_processes
    body = first.command_body("/report", f"<@{SUBJECT}|s> was rude to me", REPORTER, GENERAL)
    now = int(time.time())
    signature = sign(body, now)
    await asyncio.gather(*(world.post(body, FORM, timestamp=now, signature=signature)
                           for world in (first, second, first, second)))
    assert await _count(first, Report) == 1
    assert len(first.fake.called("chat.postMessage", channel=QUEUE)) == 1


async def test_a_retry_reaching_another_process_after_a_restart_is_not_rerun(
        two_processes: tuple[SlackWorld, SlackWorld]) -> None:
    first, second = two_processes
    body = _message_event(first)
    now = int(time.time())
    await first.post(body, "application/json", timestamp=now, signature=sign(body, now))
    assert await _retry(second, body, 1) == 200
    assert await _count(first, Incident) == 1


async def test_claims_expire_and_are_pruned(world: SlackWorld) -> None:
    await world.command("/report", f"<@{SUBJECT}|s> first", user=REPORTER)
    (old,) = await _claims(world)
    assert old.id.startswith(f"slack:{TEAM}:trigger:")
    assert old.expires_at == old.claimed_at + KEEP
    world.clock.advance(KEEP + PRUNE_EVERY)
    await world.command("/report", f"<@{SUBJECT}|s> second", user=REPORTER)
    remaining = await _claims(world)
    assert [claim.id for claim in remaining] != [old.id] and len(remaining) == 1
    assert remaining[0].claimed_at == world.clock.now()


async def test_a_request_with_no_trigger_is_identified_by_its_signature(
        world: SlackWorld) -> None:
    payload = {"type": "view_closed", "team": {"id": TEAM}, "user": {"id": REPORTER},
               "view": {"id": "V1", "callback_id": "coc_report"}}
    body = urlencode({"payload": json.dumps(payload)})
    now = int(time.time())
    statuses = [(await world.post(body, FORM, timestamp=now, signature=sign(body, now))).status
                for _ in range(2)]
    assert statuses == [404, 200]  # no listener for it; the repeat never got that far
    (claim,) = await _claims(world)
    assert claim.id.startswith(f"slack:{TEAM}:signature:")


async def test_socket_mode_redelivered_envelopes_are_acked_and_handled_once(
        tmp_path: Path) -> None:
    fake = FakeSlack(team=TEAM)
    seed(fake)  # the channels exist: whether the subject reads the queue is known
    api = await fake.start()
    path = tmp_path / "coc-bot.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(path, {"SLACK_BOT_TOKEN": fake.bot_token,
                                    "SLACK_APP_TOKEN": fake.app_token, "SLACK_API_BASE": api})
    app = await build_app(settings, clock=FakeClock(datetime(2026, 1, 5, 20, tzinfo=UTC)),
                          storage=await open_storage("sqlite:///:memory:"), outbox_inline=True)
    task = asyncio.create_task(run_slack(app))
    command = {"team_id": TEAM, "channel_id": GENERAL, "user_id": REPORTER,
               "command": "/report", "text": f"<@{SUBJECT}> was rude", "trigger_id": "t1",
               "response_url": fake.response_url("sock")}
    closed = {"type": "view_closed", "team": {"id": TEAM}, "user": {"id": REPORTER},
              "view": {"id": "V1", "callback_id": "coc_report"}}
    try:
        for envelope in ("env-1", "env-1", "env-2"):  # a redelivery, then the same payload
            await fake.send_envelope("slash_commands", command, envelope_id=envelope)
        for _ in range(2):
            await fake.send_envelope("interactive", closed, envelope_id="env-3")
        # Bolt acks what it handled; the first view_closed has no listener, its repeat is
        # acked by the middleware without reaching the listeners
        await eventually(lambda: sorted(a.get("envelope_id") for a in fake.socket_acks) == [
            "env-1", "env-1", "env-2", "env-3"])
        async with app.storage.transaction() as tx:
            assert await tx.count(Report) == 1
            claims = {claim.id for claim in await tx.find(RequestClaim)}
        assert claims == {f"slack:{TEAM}:trigger:t1", f"slack:{TEAM}:envelope:env-3"}
        await eventually(lambda: bool(fake.called("chat.postMessage", channel=QUEUE)))
        assert len(fake.called("chat.postMessage", channel=QUEUE)) == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await app.close()
        await fake.stop()
