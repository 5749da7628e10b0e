"""The real app and the real Bolt app, talking to a fake Slack on 127.0.0.1.

Requests reach Bolt the way Slack sends them: signed HTTP POSTs to ``/slack/events`` on
Bolt's own aiohttp server (HTTP mode), or envelopes over the Socket Mode websocket.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from bot.app import App, build_app
from bot.core.clock import FakeClock
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import Actor, Office, Role
from bot.slack_io.bolt import EVENTS_PATH, SlackFrontEnd, build_front_end
from bot.slack_io.runner import serve_http
from config.loader import load_settings
from storage import open_storage
from tests.core.recording_platform import RecordingPlatform
from tests.fakes.slack import FakeSlack
from tests.statements import hear as give_statement

TEAM = "T1"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
STAFF_USER, REPORTER, SUBJECT, OUTSIDER = "USTAFF", "UREPORTER", "USUBJECT", "UOUTSIDER"
COMMITTEE = ["UC1", "UC2", "UC3", "UC4", "UC5"]
COUNSEL, EXECUTIVE = "UCOUNSEL", "UEXEC"
QUEUE, COMMITTEE_CH, EXEC_CH = "CQUEUE", "GCOMMITTEE", "GEXEC"
GENERAL, RANDOM = "CGENERAL", "CRANDOM"
ANNOUNCE = "CANNOUNCE"
DISCORD_GUILD = "900"

CONFIG = f"""
[committee]
home = "slack"

[business_days]
timezone = "America/Chicago"

[slack]
team_id = "{TEAM}"
staff = ["SSTAFFGROUP"]
committee = {json.dumps(COMMITTEE)}
counsel = ["{COUNSEL}"]
executive = ["{EXECUTIVE}"]
staff_queue_channel = "{QUEUE}"
committee_channel = "{COMMITTEE_CH}"
executive_channel = "{EXEC_CH}"
managed_channels = ["{GENERAL}", "{RANDOM}"]
announcements_channel = "{ANNOUNCE}"
http_port = 3000
"""


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class SlackWorld:
    """Everything a test touches: the fake, the bot's app, and a signed-request client."""

    fake: FakeSlack
    app: App
    front: SlackFrontEnd
    discord: RecordingPlatform | None  # a recording Discord beside Slack, if any
    url: str
    session: aiohttp.ClientSession
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def clock(self) -> FakeClock:
        assert isinstance(self.app.clock, FakeClock)
        return self.app.clock

    async def hear(self, ref: str) -> None:
        """The case's subject gives their statement (``tests.statements.hear``)."""
        await give_statement(self.app.services, ref)

    def person(self, user: str, team: str = TEAM) -> PersonRef:
        return PersonRef(PlatformName.SLACK, team, user)

    async def post(self, body: str, content_type: str, *, timestamp: int | None = None,
                   signature: str | None = None) -> aiohttp.ClientResponse:
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
                   "X-Slack-Signature": signature or sign(body, ts)}
        async with self.session.post(self.url, data=body.encode(), headers=headers) as resp:
            await resp.read()
            return resp

    def command_body(self, command: str, text: str, user: str, channel: str,
                     team: str = TEAM) -> str:
        n = next(self._ids)
        return urlencode({"token": "legacy", "team_id": team, "channel_id": channel,
                          "user_id": user, "user_name": user.lower(), "command": command,
                          "text": text, "api_app_id": "A1", "trigger_id": f"trigger-{n}",
                          "response_url": self.fake.response_url(f"cmd{n}")})

    async def command(self, command: str, text: str = "", *, user: str = STAFF_USER,
                      channel: str = GENERAL, team: str = TEAM) -> int:
        body = self.command_body(command, text, user, channel, team)
        resp = await self.post(body, "application/x-www-form-urlencoded")
        return resp.status

    async def interact(self, payload: dict[str, Any], team: str = TEAM) -> int:
        payload = {"team": {"id": team}, "api_app_id": "A1", "token": "legacy", **payload}
        body = urlencode({"payload": json.dumps(payload)})
        resp = await self.post(body, "application/x-www-form-urlencoded")
        return resp.status

    async def click(self, action_id: str, value: str, *, user: str = STAFF_USER,
                    channel: str = QUEUE, message_ts: str = "1.000001",
                    message_text: str = "", block_id: str = "b", team: str = TEAM) -> int:
        n = next(self._ids)
        return await self.interact({
            "type": "block_actions", "user": {"id": user}, "trigger_id": f"trigger-{n}",
            "channel": {"id": channel}, "container": {"type": "message"},
            "message": {"ts": message_ts, "text": message_text},
            "response_url": self.fake.response_url(f"act{n}"),
            "actions": [{"type": "button", "action_id": action_id, "block_id": block_id,
                         "value": value, "action_ts": "1"}]}, team)

    async def select(self, block_id: str, value: str, *, user: str = STAFF_USER) -> int:
        n = next(self._ids)
        return await self.interact({
            "type": "block_actions", "user": {"id": user}, "trigger_id": f"trigger-{n}",
            "channel": {"id": QUEUE}, "container": {"type": "message_attachment"},
            "response_url": self.fake.response_url(f"sel{n}"),
            "actions": [{"type": "static_select", "action_id": "coc_rm_clause",
                         "block_id": block_id, "selected_option": {"value": value},
                         "action_ts": "1"}]})

    async def shortcut(self, callback_id: str, channel: str, message_ts: str, author: str,
                       text: str, *, user: str = REPORTER) -> int:
        n = next(self._ids)
        return await self.interact({
            "type": "message_action", "callback_id": callback_id, "user": {"id": user},
            "trigger_id": f"trigger-{n}", "channel": {"id": channel},
            "message_ts": message_ts, "response_url": self.fake.response_url(f"sc{n}"),
            "message": {"type": "message", "user": author, "text": text, "ts": message_ts}})

    async def submit_view(self, view: dict[str, Any], values: dict[str, Any], *,
                          user: str = REPORTER) -> int:
        state = {"values": {block: {"value": field} for block, field in values.items()}}
        n = next(self._ids)
        return await self.interact({
            "type": "view_submission", "user": {"id": user}, "trigger_id": f"trigger-{n}",
            "view": {**view, "id": "V1", "state": state}})

    async def submit_form(self, view: dict[str, Any], values: dict[str, Any], *,
                          user: str = STAFF_USER) -> dict[str, Any]:
        """Submit a modal as Slack does; the answer Bolt acknowledged it with (``{}`` when it
        closed the form, ``response_action: errors`` when it kept it open)."""
        state = {"values": {block: {"value": field} for block, field in values.items()}}
        n = next(self._ids)
        payload = {"team": {"id": TEAM}, "api_app_id": "A1", "token": "legacy",
                   "type": "view_submission", "user": {"id": user},
                   "trigger_id": f"trigger-{n}", "view": {**view, "id": "V1", "state": state}}
        body = urlencode({"payload": json.dumps(payload)})
        ts = int(time.time())
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sign(body, ts)}
        async with self.session.post(self.url, data=body.encode(), headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            text = await resp.text()
        answer: dict[str, Any] = json.loads(text) if text.strip() else {}
        return answer

    async def home_action(self, action_id: str, value: str, *, user: str) -> int:
        """A button on the App Home tab: no channel, no response_url, as Slack sends it."""
        n = next(self._ids)
        return await self.interact({
            "type": "block_actions", "user": {"id": user}, "trigger_id": f"trigger-{n}",
            "container": {"type": "view", "view_id": f"VH{user}"},
            "view": {"id": f"VH{user}", "type": "home"},
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                         "value": value, "action_ts": "1"}]})

    def event_body(self, event: dict[str, Any], team: str = TEAM) -> str:
        n = next(self._ids)
        return json.dumps({"token": "legacy", "team_id": team, "api_app_id": "A1",
                           "type": "event_callback", "event_id": f"Ev{n}",
                           "event_time": int(time.time()), "event": event,
                           "authorizations": [{"team_id": team,
                                               "user_id": self.fake.bot_users.get(team, "UBOT"),
                                               "is_bot": True}]})

    async def event(self, event: dict[str, Any], team: str = TEAM) -> int:
        resp = await self.post(self.event_body(event, team), "application/json")
        return resp.status

    def last_view(self) -> dict[str, Any]:
        view: dict[str, Any] = self.fake.called("views.open")[-1].params["view"]
        return view

    async def seat_committee(self) -> None:
        staff = Actor(self.person(STAFF_USER), frozenset({Role.STAFF}))
        roster = self.app.services.roster
        for seat, user in enumerate(COMMITTEE, start=1):
            await roster.appoint(staff, self.person(user), Office.COMMITTEE, seat=seat,
                                 term_start=date(2025, 1, 1), confirmed=True)
        await roster.appoint(staff, self.person(COUNSEL), Office.COUNSEL,
                             term_start=date(2025, 1, 1))


def seed(fake: FakeSlack) -> None:
    """The workspace: everyone in the public channels, the staff group."""
    fake.usergroups["SSTAFFGROUP"] = [STAFF_USER]
    everyone = [STAFF_USER, REPORTER, SUBJECT, OUTSIDER, *COMMITTEE, COUNSEL, EXECUTIVE]
    fake.users = everyone
    fake.members = {GENERAL: set(everyone), RANDOM: set(everyone), QUEUE: {STAFF_USER},
                    COMMITTEE_CH: {*COMMITTEE, COUNSEL}, EXEC_CH: {EXECUTIVE}}
    fake.private |= {QUEUE, COMMITTEE_CH, EXEC_CH}


def _env(api: str, *, admin: bool, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_BASE": api, "DATABASE_URL": "sqlite:///:memory:"}
    if admin:
        env["SLACK_ADMIN_TOKEN"] = "xoxp-admin"
    return env | (extra or {})


async def make_world(tmp_path: Path, *, admin: bool = True,
                     process_before_response: bool = True, extra_config: str = "",
                     database: str = "sqlite:///:memory:",
                     fake: FakeSlack | None = None, env: dict[str, str] | None = None,
                     seed_more: Callable[[FakeSlack], None] | None = None,
                     ) -> AsyncIterator[SlackWorld]:
    """One bot process; pass ``database`` (a file) and a running ``fake`` to build a second
    process beside the first. ``env``: more environment (a further workspace's token);
    ``seed_more``: more of the fake (a further workspace's people and channels)."""
    shared = fake is not None
    fake = fake or FakeSlack(team=TEAM)
    api = fake.base_url + "/api/" if shared else await fake.start()
    if not shared:
        seed(fake)
        if seed_more is not None:
            seed_more(fake)
    path = tmp_path / "coc-bot.toml"
    path.write_text(CONFIG + extra_config, encoding="utf-8")
    settings = load_settings(path, _env(api, admin=admin, extra=env))
    storage = await open_storage(database)
    app = await build_app(settings, clock=FakeClock(datetime(2026, 1, 5, 20, 0, tzinfo=UTC)),
                          storage=storage, dm_wave=timedelta(0), outbox_inline=True)
    discord = RecordingPlatform(PlatformName.DISCORD, DISCORD_GUILD)
    app.platforms.register(discord)
    async with attach_slack(app, fake, process_before_response=process_before_response) \
            as world:
        world.discord = discord
        yield world
    await app.close()
    if not shared:
        await fake.stop()


@contextlib.asynccontextmanager
async def attach_slack(app: App, fake: FakeSlack, *,
                       process_before_response: bool = True) -> AsyncIterator[SlackWorld]:
    """The real Bolt front-end of ``app``, registered and served over HTTP on 127.0.0.1
    (also beside the real Discord client, for tests spanning both platforms)."""
    front = build_front_end(app, process_before_response=process_before_response)
    app.platforms.register(front.platform)
    runner = web.AppRunner(front.bolt.web_app(path=EVENTS_PATH))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as session:
            yield SlackWorld(fake, app, front, None,
                             f"http://127.0.0.1:{port}{EVENTS_PATH}", session)
    finally:
        await runner.cleanup()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    async for built in make_world(tmp_path):
        yield built


@pytest.fixture
async def world_no_admin(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    async for built in make_world(tmp_path, admin=False):
        yield built


__all__ = ["serve_http"]
