"""Only Slack can talk to the bot: a bad signature or a replayed old request is refused."""

from __future__ import annotations

import time

from bot.core.models import Report
from tests.slack.conftest import REPORTER, SUBJECT, SlackWorld, sign


async def _reports(world: SlackWorld) -> int:
    async with world.app.storage.transaction() as tx:
        return await tx.count(Report)


async def test_bad_signature_is_401_and_changes_nothing(world: SlackWorld) -> None:
    body = world.command_body("/report", f"<@{SUBJECT}> was rude", REPORTER, "CGENERAL")
    now = int(time.time())
    resp = await world.post(body, "application/x-www-form-urlencoded", timestamp=now,
                            signature=sign(body, now, secret="not-the-secret"))
    assert resp.status == 401
    assert world.fake.calls == []
    assert await _reports(world) == 0


async def test_stale_timestamp_is_401_and_changes_nothing(world: SlackWorld) -> None:
    body = world.command_body("/report", f"<@{SUBJECT}> was rude", REPORTER, "CGENERAL")
    old = int(time.time()) - 10 * 60  # Bolt accepts five minutes of clock skew
    resp = await world.post(body, "application/x-www-form-urlencoded", timestamp=old,
                            signature=sign(body, old))
    assert resp.status == 401
    assert world.fake.calls == []
    assert await _reports(world) == 0


async def test_tampered_body_is_401(world: SlackWorld) -> None:
    body = world.command_body("/report", f"<@{SUBJECT}> was rude", REPORTER, "CGENERAL")
    now = int(time.time())
    resp = await world.post(body.replace("rude", "kind"), "application/x-www-form-urlencoded",
                            timestamp=now, signature=sign(body, now))
    assert resp.status == 401
    assert await _reports(world) == 0


async def test_a_properly_signed_request_is_accepted(world: SlackWorld) -> None:
    assert await world.command("/report", f"<@{SUBJECT}> was rude", user=REPORTER) == 200
    assert await _reports(world) == 1
