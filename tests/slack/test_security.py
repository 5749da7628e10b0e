"""Only Slack can talk to the bot: a bad signature or a replayed old request is refused, and
a request from a workspace other than the configured ``team_id`` is acked and ignored."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from bot.core.models import Report, ReportStatus
from tests.slack.conftest import QUEUE, REPORTER, STAFF_USER, SUBJECT, SlackWorld, sign


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


OTHER_TEAM = "T2OTHER"


async def test_a_signed_report_from_another_workspace_is_acked_and_ignored(
        world: SlackWorld) -> None:
    body = world.command_body("/report", f"<@{SUBJECT}> was rude", REPORTER, "CGENERAL")
    body = body.replace("team_id=T1", f"team_id={OTHER_TEAM}")
    assert f"team_id={OTHER_TEAM}" in body
    resp = await world.post(body, "application/x-www-form-urlencoded")
    assert resp.status == 200  # acked, so Slack does not retry or show an error
    assert await _reports(world) == 0
    assert world.fake.called("chat.postMessage") == []
    assert world.fake.called("response_url") == []  # not even a reply
    assert {c.method for c in world.fake.calls} <= {"auth.test"}


async def test_a_signed_request_without_a_team_id_is_ignored(world: SlackWorld) -> None:
    body = world.command_body("/report", f"<@{SUBJECT}> was rude", REPORTER, "CGENERAL")
    body = body.replace("team_id=T1&", "")
    assert "team_id" not in body
    assert (await world.post(body, "application/x-www-form-urlencoded")).status == 200
    assert await _reports(world) == 0
    assert world.fake.called("response_url") == []


async def test_buttons_and_events_from_another_workspace_are_ignored(
        world: SlackWorld) -> None:
    await world.command("/report", f"<@{SUBJECT}> was rude", user=REPORTER)
    queued = world.fake.called("chat.postMessage", channel=QUEUE)[0]
    ref = queued.params["blocks"][1]["elements"][0]["value"]
    await world.command("/suspend", f"<@{SUBJECT}> 7d workspace rude")
    world.fake.members["CGENERAL"].add(SUBJECT)  # a rejoin would be undone, if it counted
    world.fake.reset()
    payload = {"type": "block_actions", "user": {"id": STAFF_USER, "team_id": OTHER_TEAM},
               "team": {"id": OTHER_TEAM}, "api_app_id": "A1", "trigger_id": "t",
               "channel": {"id": QUEUE}, "container": {"type": "message"},
               "message": {"ts": queued.get("ts", "1.000001"), "text": ""},
               "response_url": world.fake.response_url("other"),
               "actions": [{"type": "button", "action_id": "coc_triage_dismiss",
                            "block_id": "b", "value": ref, "action_ts": "1"}]}
    resp = await world.post(urlencode({"payload": json.dumps(payload)}),
                            "application/x-www-form-urlencoded")
    assert resp.status == 200
    event = json.loads(world.event_body({"type": "member_joined_channel", "user": SUBJECT,
                                         "channel": "CGENERAL", "team": OTHER_TEAM}))
    event["team_id"] = OTHER_TEAM
    event["authorizations"][0]["team_id"] = OTHER_TEAM
    resp = await world.post(json.dumps(event), "application/json")
    assert resp.status == 200
    assert world.fake.calls == []
    async with world.app.storage.transaction() as tx:
        report = (await tx.find(Report))[0]
    assert report.status is ReportStatus.OPEN
