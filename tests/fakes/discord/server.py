"""A fake Discord on 127.0.0.1: REST API v10 and the gateway websocket, in one aiohttp app.

It keeps just enough state (one guild, its roles, channels, members, messages, overwrites,
timeouts, threads, reactions) to answer discord.py the way Discord would, and records
every REST call so tests assert on what reached "Discord": the DELETE, the DM, the
permission overwrite. Tests drive the bot by pushing gateway events (interactions,
reactions) down the websocket, exactly as Discord does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord._automod import FakeAutoMod
from tests.fakes.discord._bulk import FAKE_EPOCH, BulkRoutes, snowflake_at
from tests.fakes.hold import Hold
from tests.waiting import DEADLINE

JSON = dict[str, Any]

# What the bot's role is given in the fake guild: the permissions the README asks for.
BOT_PERMISSIONS = (
    (1 << 6) | (1 << 10) | (1 << 11) | (1 << 13) | (1 << 14) | (1 << 16)
    | (1 << 17) | (1 << 28) | (1 << 34) | (1 << 36) | (1 << 38) | (1 << 40)
)
EVERYONE_PERMISSIONS = (1 << 6) | (1 << 10) | (1 << 11) | (1 << 16) | (1 << 31)


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class Upload:
    """A file attached to a message, as the multipart request carried it."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Call:
    """One REST request as it reached the fake."""

    method: str
    path: str
    body: Any
    query: dict[str, str]
    reason: str | None
    at: float = field(default_factory=time.monotonic)  # when it reached the fake
    files: tuple[Upload, ...] = ()  # the attachments of a multipart request

    def __repr__(self) -> str:  # keeps assertion failures readable
        return f"{self.method} {self.path} {json.dumps(self.body)[:300] if self.body else ''}"


@dataclass
class FakeUser:
    id: int
    name: str
    roles: list[int] = field(default_factory=list)
    bot: bool = False

    def user(self) -> JSON:
        return {"id": str(self.id), "username": self.name, "discriminator": "0",
                "global_name": self.name, "avatar": None, "bot": self.bot,
                "public_flags": 0}


@dataclass
class _Session:
    """One gateway session: the events sent to it, and its connection if one is up."""

    id: str
    ws: web.WebSocketResponse | None
    sent: list[JSON] = field(default_factory=list)
    shard: int = 0


class FakeDiscord(BulkRoutes):
    """The fake's state and its aiohttp application.

    ``now`` is the fake's notion of the present, for Discord's 14-day bulk-delete rule;
    new ids are snowflakes of that moment (``old_message`` makes an older one)."""

    def __init__(self, now: datetime = FAKE_EPOCH) -> None:
        self.now = now
        self._ids = itertools.count(snowflake_at(now))
        self.app_id = self.snowflake()
        self.guild_id = self.snowflake()
        self.bot = FakeUser(self.app_id, "coc-bot", bot=True)
        self.roles: dict[int, JSON] = {}
        self.channels: dict[int, JSON] = {}
        self.members: dict[int, FakeUser] = {}
        self.timeouts: dict[int, str | None] = {}
        self.messages: dict[int, dict[int, JSON]] = {}
        self.overwrites: dict[tuple[int, int], JSON] = {}
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.dm_users: dict[int, int] = {}  # DM channel id -> user id (the same, reversed)
        self.thread_members: dict[int, set[int]] = {}
        self.reactions: dict[tuple[int, int], dict[str, set[int]]] = {}
        self.commands: dict[str, list[JSON]] = {}
        self.calls: list[Call] = []
        self.responses: dict[str, list[JSON]] = {}  # interaction token -> bodies the bot sent
        self.replies: dict[str, list[JSON]] = {}  # interaction token -> messages it created
        self.interaction_channels: dict[str, int] = {}
        self.closed_dms: set[int] = set()
        self.history_down: set[int] = set()  # channels whose history listing fails (503)
        self.rate_limits: list[tuple[str, str, float]] = []  # (method, path part, retry after)
        # (method, path part) -> (status, how many more answers): an outage "for a while"
        self.failing: dict[tuple[str, str], tuple[int, int]] = {}
        self.holds: list[tuple[str, str, Hold]] = []  # (method, path part, hold)
        self.sent_events: list[JSON] = []
        self.replay_on_resume = 0
        self.resumes = 0
        self.resumes_refused = 0
        self.refuse_resume = False  # answer every RESUME with INVALID_SESSION
        self.resumed: list[tuple[str, int, int]] = []  # (session, seq given, events replayed)
        self.identifies: list[tuple[int, ...]] = []  # the shard of each IDENTIFY
        self.sessions: dict[str, _Session] = {}
        # Sharding as Discord does it: ``shard_count`` is what GET /gateway/bot advises,
        # each IDENTIFY names [shard, count], and a guild's events go to the session of
        # shard (guild_id >> 22) % count; DMs to shard 0.
        self.shard_count = 1
        self._current: dict[int, _Session] = {}  # shard -> the session its events go to
        self._identified_shards: dict[int, asyncio.Event] = {}
        self.ready_at: float | None = None  # time.monotonic() of the last READY sent
        # Guilds left unavailable after READY (an outage, or a slow GUILD_CREATE): their
        # GUILD_CREATE is sent only by a test's ``dispatch``.
        self.withheld_guilds: set[int] = set()
        self.port = 0
        self._changed = asyncio.Condition()
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        # Further guilds (``add_guild``): which guild each role belongs to, and the guilds
        # each person is in; without an entry, the first guild.
        self.guild_ids: list[int] = [self.guild_id]
        self.role_guild: dict[int, int] = {}
        self.member_guilds: dict[int, set[int]] = {}
        self.role("@everyone", EVERYONE_PERMISSIONS, position=0, id=self.guild_id)
        self.bot_role = self.role("coc-bot", BOT_PERMISSIONS, position=50)
        self.bot.roles.append(self.bot_role)
        self.members[self.bot.id] = self.bot
        self.automod = FakeAutoMod(self.guild_id, self.app_id, self.snowflake,
                                   lambda: self.permissions_of(self.bot))

    def add_guild(self, shard: int | None = None) -> int:
        """A second (third...) server the bot is in, with its own @everyone and bot role;
        ``channel``, ``role`` and ``member``/``join`` take ``guild=`` to build in it.
        ``shard``: an id whose events go to that shard of ``shard_count``."""
        guild = self.snowflake()
        while shard is not None and self.shard_of(guild) != shard:
            guild += 1 << 22  # the next millisecond's id: far ahead of the id counter
        self.guild_ids.append(guild)
        self.role("@everyone", EVERYONE_PERMISSIONS, position=0, id=guild, guild=guild)
        self.bot.roles.append(self.role("coc-bot", BOT_PERMISSIONS, position=50, guild=guild))
        self.member_guilds.setdefault(self.bot.id, {self.guild_id}).add(guild)
        return guild

    def shard_of(self, guild: int | None) -> int:
        """Discord's formula: the shard a guild's events go to (DMs: shard 0)."""
        return (guild >> 22) % self.shard_count if guild else 0

    def session_of(self, shard: int = 0) -> _Session | None:
        """The session shard ``shard``'s events go to now (None before its first IDENTIFY)."""
        return self._current.get(shard)

    def _shard_ready(self, shard: int) -> asyncio.Event:
        return self._identified_shards.setdefault(shard, asyncio.Event())

    def guilds_of(self, user_id: int) -> set[int]:
        return self.member_guilds.get(user_id, {self.guild_id})

    def join(self, person: FakeUser, guild: int, *roles: int) -> FakeUser:
        """``person`` (a member elsewhere) joins ``guild`` with ``roles`` (of that guild)."""
        self.member_guilds.setdefault(person.id, set(self.guilds_of(person.id))).add(guild)
        person.roles.extend(roles)
        return person

    # ----- building the world -------------------------------------------------------

    def snowflake(self) -> int:
        return next(self._ids)

    def role(self, name: str, permissions: int = 0, position: int = 1,
             id: int | None = None, guild: int | None = None) -> int:
        role_id = id or self.snowflake()
        self.role_guild[role_id] = guild or self.guild_id
        self.roles[role_id] = {"id": str(role_id), "name": name, "color": 0, "hoist": False,
                               "position": position, "permissions": str(permissions),
                               "managed": False, "mentionable": False, "flags": 0}
        return role_id

    def channel(self, name: str, kind: int = 0, parent: int | None = None,
                overwrites: Iterable[JSON] = (), guild: int | None = None) -> int:
        """A channel; ``overwrites`` are Discord's ``{id, type (0 role, 1 member), allow,
        deny}``, as ``overwrite()`` builds them."""
        channel_id = self.snowflake()
        listed = list(overwrites)
        for item in listed:
            self.overwrites[(channel_id, int(item["id"]))] = item
        self.channels[channel_id] = {
            "id": str(channel_id), "type": kind, "guild_id": str(guild or self.guild_id),
            "name": name,
            "position": len(self.channels), "permission_overwrites": listed, "nsfw": False,
            "parent_id": str(parent) if parent else None, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0, "flags": 0}
        self.messages[channel_id] = {}
        return channel_id

    @staticmethod
    def overwrite(target: int, *, allow: int = 0, deny: int = 0, member: bool = False) -> JSON:
        return {"id": str(target), "type": 1 if member else 0, "allow": str(allow),
                "deny": str(deny)}

    def private_thread(self, parent: int, name: str, *members: FakeUser) -> int:
        """A private thread (type 12) its members were added to, like a user makes one."""
        thread = self._thread(parent, {"name": name, "type": 12})
        self.thread_members[int(thread["id"])] |= {m.id for m in members}
        return int(thread["id"])

    def member(self, name: str, *roles: int, guild: int | None = None) -> FakeUser:
        person = FakeUser(self.snowflake(), name, list(roles))
        self.members[person.id] = person
        if guild is not None:
            self.member_guilds[person.id] = {guild}
        return person

    def guild_of(self, channel_id: int | str | None) -> int:
        channel = self.channels.get(int(channel_id)) if channel_id else None
        return int(channel["guild_id"]) if channel and channel.get("guild_id") \
            else self.guild_id

    def member_json(self, person: FakeUser, with_user: bool = True,
                    guild: int | None = None) -> JSON:
        """The person as a member of ``guild`` (the first guild by default): only that
        guild's roles."""
        here = guild or self.guild_id
        roles = [r for r in person.roles if self.role_guild.get(r, self.guild_id) == here]
        data: JSON = {"roles": [str(r) for r in roles], "joined_at": _now(),
                      "deaf": False, "mute": False, "flags": 0, "nick": None,
                      "pending": False, "avatar": None,
                      "communication_disabled_until": self.timeouts.get(person.id)}
        if with_user:
            data["user"] = person.user()
        return data

    def guild_json(self, guild: int | None = None) -> JSON:
        here = guild or self.guild_id
        members = [m for m in self.members.values() if here in self.guilds_of(m.id)]
        return {
            "id": str(here), "name": "Library Association", "icon": None,
            "owner_id": str(self.snowflake()),
            "roles": [r for i, r in self.roles.items() if self.role_guild.get(i) == here],
            "channels": [c for c in self.channels.values() if c["type"] in (0, 4)
                         and c.get("guild_id") == str(here)],
            "threads": [], "members": [self.member_json(m, guild=here) for m in members],
            "member_count": len(members), "features": [], "emojis": [],
            "stickers": [], "large": False, "unavailable": False, "presences": [],
            "voice_states": [], "afk_channel_id": None, "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "system_channel_flags": 0,
            "premium_tier": 0, "preferred_locale": "en-US", "nsfw_level": 0,
            "joined_at": _now(), "stage_instances": [], "guild_scheduled_events": [],
            "application_id": None, "description": None, "premium_subscription_count": 0,
        }

    def post_message(self, channel_id: int, author: FakeUser, content: str,
                     **extra: Any) -> JSON:
        """A message somebody (not the bot) wrote: it exists before any test acts on it."""
        return self._store_message(channel_id, author, {"content": content, **extra})

    def old_message(self, channel_id: int, author: FakeUser, content: str,
                    age: timedelta) -> JSON:
        """A message written ``age`` ago (its id says when, as Discord's do)."""
        return self._store_message(channel_id, author, {"content": content},
                                   message_id=snowflake_at(self.now - age))

    def _store_message(self, channel_id: int, author: FakeUser, body: JSON,
                       message_id: int | None = None) -> JSON:
        message_id = message_id or self.snowflake()
        channel = self.channels.get(channel_id, {})
        message: JSON = {
            "id": str(message_id), "channel_id": str(channel_id), "type": 0,
            "author": author.user(), "content": body.get("content") or "",
            "timestamp": _now(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": body.get("attachments") or [], "embeds": body.get("embeds") or [],
            "components": body.get("components") or [], "pinned": False,
            "flags": body.get("flags") or 0,
        }
        if channel.get("guild_id"):
            message["guild_id"] = channel["guild_id"]
        self.messages.setdefault(channel_id, {})[message_id] = message
        return message

    def permissions_of(self, person: FakeUser) -> int:
        """Server-wide permissions: @everyone's and every role's, OR-ed as Discord does."""
        granted = int(self.roles[self.guild_id]["permissions"])
        for role in person.roles:
            granted |= int(self.roles[role]["permissions"])
        return granted

    async def say_past_automod(self, user: FakeUser, channel: int,
                               content: str) -> JSON | None:
        """Someone writes, and Discord's AutoMod reads it first: a message that breaks an
        enabled keyword rule is never posted, and each action of each rule it breaks comes
        down the gateway as AUTO_MODERATION_ACTION_EXECUTION (block, alert, timeout)."""
        blocked = self.automod.blocking(content, user.roles)
        if not blocked:
            return await self.say(user, channel, content)
        for rule, keyword, matched in blocked:
            for event in self.automod.executions(rule, user.id, channel, content, keyword,
                                                 matched):
                await self.dispatch("AUTO_MODERATION_ACTION_EXECUTION", event)
        return None

    # ----- what tests read ------------------------------------------------------------

    def find(self, method: str, path_part: str = "") -> list[Call]:
        return [c for c in self.calls if c.method == method and path_part in c.path]

    def dms_to(self, person: FakeUser) -> list[str]:
        """Texts of every message the bot sent to ``person``'s DM channel (content+embeds)."""
        channel = self.dm_channels.get(person.id)
        if channel is None:
            return []
        return [message_text(m) for m in self.messages.get(channel, {}).values()]

    def files_to(self, person: FakeUser) -> list[Upload]:
        """Every file the bot attached to a message in ``person``'s DM channel."""
        channel = self.dm_channels.get(person.id)
        if channel is None:
            return []
        return [upload for call in self.find("POST", f"/channels/{channel}/messages")
                for upload in call.files]

    def channel_texts(self, channel_id: int) -> list[str]:
        return [message_text(m) for m in self.messages.get(channel_id, {}).values()]

    def everything_sent(self) -> str:
        """Every text the bot sent anywhere (REST bodies), for privacy assertions."""
        return "\n".join(json.dumps(c.body) for c in self.calls if c.body)

    async def wait_for(self, predicate: Callable[[], Any], what: str,
                       limit: float = DEADLINE) -> Any:
        """Wait for the bot to have done something; fails the test after ``limit`` seconds
        (generous: CI machines are shared, and a met condition returns at once)."""
        async def check() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result
        try:
            return await asyncio.wait_for(check(), limit)
        except TimeoutError:
            raise AssertionError(f"the bot never {what}; calls: {self.calls[-15:]}") from None

    async def _touch(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ----- gateway ----------------------------------------------------------------------
    #
    # Sessions as Discord keeps them: every event dispatched is kept with its sequence
    # number in the session it went to. When the connection drops (a hiccup, or the
    # process holding it is killed) the session stays resumable, and events dispatched
    # meanwhile are kept for it; a RESUME naming the session and the last sequence seen
    # gets every later event replayed, then RESUMED. A RESUME of an unknown (or, with
    # ``refuse_resume``, any) session gets INVALID_SESSION (op 9, not resumable).

    async def dispatch(self, event: str, data: JSON) -> None:
        """Send an event to the session of the shard its guild is on; kept for a RESUME if
        nobody is connected (before any session exists, wait for the first connection)."""
        guild = data.get("guild_id")
        if not guild and data.get("channel_id"):
            guild = self.channels.get(int(data["channel_id"]), {}).get("guild_id")
        shard = self.shard_of(int(guild)) if guild else 0
        if shard not in self._current:
            await self._shard_ready(shard).wait()
        session = self._current[shard]
        payload = {"op": 0, "t": event, "s": next(self._seq), "d": data}
        self.sent_events.append(payload)
        session.sent.append(payload)
        if session.ws is not None and not session.ws.closed:
            try:
                await session.ws.send_str(json.dumps(payload))
            except (ConnectionError, RuntimeError):  # dying connection: kept for RESUME
                session.ws = None

    async def drop_connection(self, replay: int = 0, shard: int = 0) -> None:
        """Close the gateway as Discord does on a hiccup (4000: reconnect and RESUME).

        On the RESUME the last ``replay`` events are sent again: Discord may deliver an
        event twice around a resume, and the bot must not count it twice.
        """
        session = self._current.get(shard)
        assert session is not None and session.ws is not None
        self.replay_on_resume = replay
        ws, session.ws = session.ws, None
        await ws.close(code=4000, message=b"fake hiccup")

    @property
    def connected(self) -> bool:
        """Whether a bot process holds shard 0's current session's connection right now."""
        return self.shard_connected(0)

    def shard_connected(self, shard: int) -> bool:
        session = self._current.get(shard)
        return session is not None and session.ws is not None and not session.ws.closed

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    break
                payload = json.loads(msg.data)
                op = payload.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    await self._ready(ws, payload.get("d") or {})
                elif op == 6:
                    await self._resume(ws, payload.get("d") or {})
        finally:
            for session in self.sessions.values():
                if session.ws is ws:
                    session.ws = None
            await self._touch()
        return ws

    async def _resume(self, ws: web.WebSocketResponse, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or self.refuse_resume:
            self.resumes_refused += 1
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            await self._touch()
            return
        last = int(data.get("seq") or 0)
        missed = [event for event in session.sent if int(event["s"]) > last]
        again = session.sent[-self.replay_on_resume:] if self.replay_on_resume else []
        self.replay_on_resume = 0
        session.ws = ws
        self._current[session.shard] = session
        for event in [*[{**e, "s": next(self._seq)} for e in again], *missed]:
            await ws.send_str(json.dumps(event))
        await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": next(self._seq), "d": {}}))
        self.resumes += 1
        self.resumed.append((session.id, last, len(missed)))
        self._shard_ready(session.shard).set()
        await self._touch()

    async def _ready(self, ws: web.WebSocketResponse, data: JSON) -> None:
        shard, count = (int(n) for n in data.get("shard") or (0, 1))
        if count != self.shard_count or not 0 <= shard < count:
            await ws.close(code=4010, message=b"Invalid shard")  # as Discord answers
            return
        self.ready_at = time.monotonic()
        session = _Session(f"fake-session-{len(self.sessions) + 1}", ws, shard=shard)
        self.sessions[session.id] = session
        self._current[shard] = session
        self.identifies.append((shard, count))
        guilds = [g for g in self.guild_ids if self.shard_of(g) == shard]
        ready = {"op": 0, "t": "READY", "s": next(self._seq), "d": {
            "v": 10, "user": self.bot.user(), "session_id": session.id,
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
            "application": {"id": str(self.app_id), "flags": 0}, "private_channels": [],
            "relationships": [], "presences": [], "shard": [shard, count]}}
        creates = [{"op": 0, "t": "GUILD_CREATE", "s": next(self._seq),
                    "d": self.guild_json(guild)} for guild in guilds
                   if guild not in self.withheld_guilds]
        session.sent += [ready, *creates]
        await ws.send_str(json.dumps(ready))
        for create in creates:
            await ws.send_str(json.dumps(create))
        self._shard_ready(shard).set()
        await self._touch()

    # ----- REST ---------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        body: Any = None
        files: list[Upload] = []
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
            elif request.content_type.startswith("multipart"):
                reader = await request.multipart()
                async for part in reader:
                    name = getattr(part, "name", None)
                    if name == "payload_json":
                        body = json.loads(await part.text())  # type: ignore[union-attr]
                    elif name and name.startswith("files["):  # discord.py's file fields
                        files.append(Upload(
                            part.filename or "", part.headers.get("Content-Type", ""),  # type: ignore[union-attr]
                            bytes(await part.read())))  # type: ignore[union-attr]
        if files and isinstance(body, dict):  # the stored message lists them as Discord does
            body["attachments"] = [self._attachment(upload) for upload in files]
        reason = request.headers.get("X-Audit-Log-Reason")
        self.calls.append(Call(request.method, path, body, dict(request.query), reason,
                               files=tuple(files)))
        for verb, part, hold in self.holds:
            if verb == request.method and part in path:
                hold.arrived.set()
                await hold.released.wait()
        limited = self._rate_limited(request.method, path) or self._failing(request.method, path)
        if limited is not None:
            await self._touch()
            return limited
        try:
            status, payload = self._route(request.method, path, body or {},
                                          dict(request.query))
        finally:
            await self._touch()
        if status == 204:
            return web.Response(status=204)
        # Exactly "application/json", as Discord sends it: discord.py compares the header
        # verbatim and treats anything else (aiohttp adds "; charset=utf-8") as plain text.
        return web.Response(body=json.dumps(payload).encode(), status=status,
                            headers={"Content-Type": "application/json"})

    def _attachment(self, upload: Upload) -> JSON:
        file_id = self.snowflake()
        url = f"http://127.0.0.1:{self.port}/attachments/{file_id}/{upload.filename}"
        return {"id": str(file_id), "filename": upload.filename, "size": len(upload.data),
                "url": url, "proxy_url": url, "content_type": upload.content_type}

    def rate_limit_next(self, method: str, path_part: str, retry_after: float = 0.2) -> None:
        """Answer the next matching request with 429, as Discord does when a bucket is full."""
        self.rate_limits.append((method, path_part, retry_after))

    def hold(self, method: str, path_part: str) -> Hold:
        """Keep matching requests unanswered until ``released`` is set (a Discord that is
        slow to answer): the bot's handler that made the call stays in flight."""
        hold = Hold()
        self.holds.append((method, path_part, hold))
        return hold

    def fail_next(self, method: str, path_part: str, status: int, times: int) -> None:
        """Answer the next ``times`` matching requests with ``status`` (429 with a short
        Retry-After, or a 5xx), as Discord does during an incident."""
        self.failing[(method, path_part)] = (status, times)

    def _failing(self, method: str, path: str) -> web.Response | None:
        for (verb, part), (status, times) in list(self.failing.items()):
            if verb != method or part not in path:
                continue
            if times <= 1:
                del self.failing[(verb, part)]
            else:
                self.failing[(verb, part)] = (status, times - 1)
            if status == 429:
                self.rate_limits.append((method, part, 0.01))
                return self._rate_limited(method, path)
            return web.Response(status=status, body=b'{"message": "upstream failed"}',
                                headers={"Content-Type": "application/json"})
        return None

    def _rate_limited(self, method: str, path: str) -> web.Response | None:
        for rule in self.rate_limits:
            if rule[0] == method and rule[1] in path:
                self.rate_limits.remove(rule)
                body = {"message": "You are being rate limited.", "retry_after": rule[2],
                        "global": False}
                return web.Response(status=429, body=json.dumps(body).encode(), headers={
                    "Content-Type": "application/json", "Retry-After": str(rule[2]),
                    "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(rule[2]), "X-RateLimit-Bucket": "fake",
                    "X-RateLimit-Scope": "user",
                    # discord.py treats a 429 without Via as a Cloudflare ban, not a limit
                    "Via": "1.1 google"})
        return None

    def _route(self, method: str, path: str, body: JSON,
               query: dict[str, str] | None = None) -> tuple[int, Any]:
        query = query or {}
        parts = path.strip("/").split("/")
        match method, parts:
            case "GET", ["users", "@me"]:
                return 200, self.bot.user()
            case "GET", ["oauth2", "applications", "@me"]:
                return 200, {"id": str(self.app_id), "name": "coc-bot", "icon": None,
                             "description": "", "bot_public": False,
                             "bot_require_code_grant": False, "verify_key": "0" * 64,
                             "owner": {**self.bot.user(), "bot": False}, "team": None,
                             "flags": 0, "interactions_endpoint_url": None,
                             "rpc_origins": [], "summary": ""}
            case "GET", ["gateway", "bot"] | ["gateway"]:
                return 200, {"url": f"ws://127.0.0.1:{self.port}/gateway",
                             "shards": self.shard_count,
                             "session_start_limit": {"total": 1000, "remaining": 1000,
                                                     "reset_after": 0,
                                                     "max_concurrency": 1}}
            case "PUT", ["applications", _, "guilds", _, "commands"]:
                return 200, self._sync("guild", body)
            case "PUT", ["applications", _, "commands"]:
                return 200, self._sync("global", body)
            case "POST", ["users", "@me", "channels"]:
                return 200, self._open_dm(int(body["recipient_id"]))
            case "POST", ["channels", channel, "messages"]:
                return self._create_message(int(channel), body)
            case "GET", ["channels", channel, "messages"]:
                return self._history(int(channel), query)
            case "GET", ["channels", channel, "messages", message]:
                found = self.messages.get(int(channel), {}).get(int(message))
                return (200, found) if found else _unknown("Message", 10008)
            case "PATCH", ["channels", channel, "messages", message]:
                found = self.messages.get(int(channel), {}).get(int(message))
                if found is None:
                    return _unknown("Message", 10008)
                found.update({k: v for k, v in body.items()
                              if k in ("content", "embeds", "components")})
                found["edited_timestamp"] = _now()
                return 200, found
            case "DELETE", ["channels", channel, "messages", message]:
                gone = self.messages.get(int(channel), {}).pop(int(message), None)
                return (204, None) if gone else _unknown("Message", 10008)
            case "PUT", ["channels", channel, "permissions", target]:
                self.overwrites[(int(channel), int(target))] = body
                return 204, None
            case "DELETE", ["channels", channel, "permissions", target]:
                self.overwrites.pop((int(channel), int(target)), None)
                return 204, None
            case "POST", ["channels", channel, "threads"]:
                return 201, self._thread(int(channel), body)
            case "GET", ["channels", channel]:
                found = self.channels.get(int(channel))
                return (200, self.channel_json(int(channel))) if found \
                    else _unknown("Channel", 10003)
            case "PATCH", ["channels", channel]:
                return self.edit_channel(int(channel), body)
            case "POST", ["channels", channel, "messages", "bulk-delete"]:
                return self.bulk_delete(int(channel), body)
            case "GET", ["channels", thread, "thread-members", user]:
                if int(user) not in self.thread_members.get(int(thread), set()):
                    return _unknown("Member", 10007)
                return 200, {"id": thread, "user_id": user, "join_timestamp": _now(),
                             "flags": 0}
            case "PUT", ["channels", thread, "thread-members", user]:
                self.thread_members.setdefault(int(thread), set()).add(int(user))
                return 204, None
            case "DELETE", ["channels", thread, "thread-members", user]:
                self.thread_members.setdefault(int(thread), set()).discard(int(user))
                return 204, None
            case "PUT", ["channels", channel, "messages", message, "reactions", emoji, "@me"]:
                self._react(int(channel), int(message), emoji, self.bot.id, add=True)
                return 204, None
            case "DELETE", ["channels", channel, "messages", message, "reactions", emoji, user]:
                user_id = self.bot.id if user == "@me" else int(user)
                self._react(int(channel), int(message), emoji, user_id, add=False)
                return 204, None
            case "GET", ["guilds", guild]:
                if int(guild) not in self.guild_ids:
                    return _unknown("Guild", 10004)
                found = self.guild_json(int(guild))
                for key in ("channels", "threads", "members", "presences", "voice_states"):
                    found.pop(key)
                return 200, found
            case "GET", ["guilds", guild, "channels"]:
                return 200, [c for c in self.channels.values() if c["type"] in (0, 4)
                             and c.get("guild_id") == guild]
            case "GET", ["guilds", _, "threads", "active"]:
                return 200, {"threads": [], "members": []}
            case "GET", ["guilds", guild, "members"]:
                return 200, self._list_members(int(guild), query)
            case "GET", ["guilds", guild, "members", user]:
                person = self.members.get(int(user))
                if person is None or int(guild) not in self.guilds_of(person.id):
                    return _unknown("Member", 10007)
                return 200, self.member_json(person, guild=int(guild))
            case "PATCH", ["guilds", guild, "members", user]:
                person = self.members.get(int(user))
                if person is None or int(guild) not in self.guilds_of(person.id):
                    return _unknown("Member", 10007)
                if "communication_disabled_until" in body:
                    self.timeouts[person.id] = body["communication_disabled_until"]
                return 200, self.member_json(person)
            case "PUT", ["guilds", _, "members", user, "roles", role]:
                person = self.members[int(user)]
                if int(role) not in person.roles:
                    person.roles.append(int(role))
                return 204, None
            case "DELETE", ["guilds", _, "members", user, "roles", role]:
                person = self.members[int(user)]
                if int(role) in person.roles:
                    person.roles.remove(int(role))
                return 204, None
            case _, ["guilds", _, "auto-moderation", "rules", *rest]:
                return self.automod.route(method, rest, body)
            case "POST", ["interactions", _, token, "callback"]:
                return self._interaction_callback(token, body)
            case "POST", ["webhooks", _, token]:
                return 200, self._followup(token, body)
            case "PATCH", ["webhooks", _, token, "messages", "@original"]:
                return 200, self._followup(token, body, original=True)
            case "GET", ["webhooks", _, token, "messages", "@original"]:
                return 200, self._followup(token, {}, original=True)
            case "DELETE", ["webhooks", _, token, "messages", "@original"]:
                return 204, None
        return 404, {"message": f"fake Discord has no route {method} {path}", "code": 0}

    def _sync(self, scope: str, body: list[JSON]) -> list[JSON]:
        # Discord's defaults for what the bot left out; what it sent is kept as sent.
        synced = [{"description": "", "default_member_permissions": None,
                   "dm_permission": True, "nsfw": False, **command,
                   "id": str(self.snowflake()), "application_id": str(self.app_id),
                   "version": "1", "type": command.get("type", 1)} for command in body]
        for command in synced:  # Discord answers with the permission bits as a string
            if command["default_member_permissions"] is not None:
                command["default_member_permissions"] = str(command["default_member_permissions"])
        self.commands[scope] = synced
        return synced

    def _history(self, channel: int, query: dict[str, str]) -> tuple[int, Any]:
        """GET /channels/{id}/messages as Discord answers it: at most ``limit`` (1-100,
        default 50) messages before, after or around an id (or the newest), the ones
        closest to it, newest first."""
        if channel in self.history_down:
            return 503, {"message": "upstream connect error", "code": 0}
        if channel not in self.messages:
            return _unknown("Channel", 10003)
        limit = max(1, min(100, int(query.get("limit", 50))))
        ordered = sorted(self.messages[channel].values(), key=lambda m: int(m["id"]))
        if "before" in query:
            chosen = [m for m in ordered if int(m["id"]) < int(query["before"])][-limit:]
        elif "after" in query:
            chosen = [m for m in ordered if int(m["id"]) > int(query["after"])][:limit]
        elif "around" in query:
            pivot = int(query["around"])
            earlier = [m for m in ordered if int(m["id"]) < pivot]
            rest = [m for m in ordered if int(m["id"]) >= pivot]
            chosen = earlier[-(limit // 2):] + rest[:limit - limit // 2] if limit > 1 \
                else rest[:1]
        else:
            chosen = ordered[-limit:]
        return 200, list(reversed(chosen))

    def _list_members(self, guild: int, query: dict[str, str]) -> list[JSON]:
        """GET /guilds/{id}/members as Discord pages it: the members of that guild with an
        id above ``after``, in id order, at most ``limit`` (1-1000, default 1)."""
        after = int(query.get("after", 0))
        limit = max(1, min(1000, int(query.get("limit", 1))))
        chosen = sorted((m for m in self.members.values()
                         if m.id > after and guild in self.guilds_of(m.id)),
                        key=lambda m: m.id)[:limit]
        return [self.member_json(m, guild=guild) for m in chosen]

    def _open_dm(self, user_id: int) -> JSON:
        channel_id = self.dm_channels.get(user_id)
        if channel_id is None:
            channel_id = self.dm_channels[user_id] = self.snowflake()
            self.dm_users[channel_id] = user_id
            self.messages[channel_id] = {}
        return {"id": str(channel_id), "type": 1, "last_message_id": None,
                "recipients": [self.members[user_id].user()]}

    def _create_message(self, channel_id: int, body: JSON) -> tuple[int, Any]:
        if self.dm_users.get(channel_id) in self.closed_dms:
            return 403, {"message": "Cannot send messages to this user", "code": 50007}
        if channel_id not in self.messages:
            return _unknown("Channel", 10003)
        if body.get("enforce_nonce") and body.get("nonce"):  # Discord's idempotent send
            for message in self.messages[channel_id].values():
                if message.get("nonce") == body["nonce"]:
                    return 200, message
        message = self._store_message(channel_id, self.bot, body)
        if body.get("nonce"):
            message["nonce"] = body["nonce"]
        return 200, message

    def _thread(self, parent: int, body: JSON) -> JSON:
        thread_id = self.snowflake()
        thread = {"id": str(thread_id), "type": body.get("type", 12), "name": body["name"],
                  "guild_id": str(self.guild_of(parent)), "parent_id": str(parent),
                  "owner_id": str(self.bot.id), "last_message_id": None,
                  "rate_limit_per_user": 0, "message_count": 0, "member_count": 1,
                  "flags": 0, "thread_metadata": {
                      "archived": False, "auto_archive_duration": 10080,
                      "archive_timestamp": _now(), "locked": False, "invitable": False}}
        self.channels[thread_id] = thread
        self.messages[thread_id] = {}
        self.thread_members[thread_id] = {self.bot.id}
        return thread

    def _react(self, channel: int, message: int, emoji: str, user: int, *, add: bool) -> None:
        from urllib.parse import unquote

        users = self.reactions.setdefault((channel, message), {}).setdefault(unquote(emoji),
                                                                             set())
        if add:
            users.add(user)
        else:
            users.discard(user)

    # ----- interactions -------------------------------------------------------------------

    def _interaction_callback(self, token: str, body: JSON) -> tuple[int, Any]:
        record = self.responses.setdefault(token, [])
        record.append(body)
        kind = body.get("type")
        data = body.get("data") or {}
        message = None
        if kind in (4, 7):
            message = self._interaction_message(token, data)
        return 200, {"interaction": {"id": token.removeprefix("tok-"), "type": 2,
                                     "response_message_id": message["id"] if message else None,
                                     "response_message_loading": kind == 5,
                                     "response_message_ephemeral":
                                         bool((data.get("flags") or 0) & 64)},
                     "resource": {"type": kind, "message": message} if message else
                     {"type": kind}}

    def _interaction_message(self, token: str, data: JSON) -> JSON:
        channel = self.interaction_channels.get(token)
        message = self._store_message(channel or 0, self.bot, data)
        self.messages.get(channel or 0, {}).pop(int(message["id"]), None)
        self.replies.setdefault(token, []).append(message)
        return message

    def _followup(self, token: str, body: JSON, original: bool = False) -> JSON:
        self.responses.setdefault(token, []).append(body)
        if original and self.replies.get(token) and not body:
            return self.replies[token][0]
        message = self._interaction_message(token, body)
        return message

    def reply_texts(self, token: str) -> list[str]:
        """Everything the bot answered to one interaction (response and follow-ups)."""
        texts = [message_text(body.get("data", body)) for body in self.responses.get(token, [])]
        return [text for text in texts if text]  # a deferral ("thinking...") says nothing

    async def interact(self, kind: int, user: FakeUser, data: JSON, *,
                       channel: int | None = None, message: JSON | None = None) -> str:
        """Push an INTERACTION_CREATE; returns its token to read the bot's answers by."""
        interaction_id = self.snowflake()
        token = f"tok-{interaction_id}"
        channel_id = channel or next(iter(c for c, v in self.channels.items()
                                          if v["type"] == 0))
        self.interaction_channels[token] = channel_id
        payload: JSON = {
            "id": str(interaction_id), "application_id": str(self.app_id), "type": kind,
            "token": token, "version": 1, "channel_id": str(channel_id), "data": data,
            "locale": "en-US", "app_permissions": str(BOT_PERMISSIONS), "entitlements": [],
            "attachment_size_limit": 10 * 2**20,
        }
        if channel_id in self.dm_channels.values():  # a click or command in a DM
            payload.update(user=user.user(), context=1,
                           channel={"id": str(channel_id), "type": 1,
                                    "recipients": [user.user()]},
                           authorizing_integration_owners={"1": str(user.id)})
            data.pop("guild_id", None)
        else:
            guild = self.guild_of(channel_id)
            data["guild_id"] = str(guild)
            payload.update(guild_id=str(guild), channel=self.channels.get(channel_id),
                           member={**self.member_json(user, guild=guild),
                                   "permissions": str(EVERYONE_PERMISSIONS)},
                           guild_locale="en-US", context=0,
                           authorizing_integration_owners={"0": str(guild)})
        if message is not None:
            payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return token

    async def slash(self, user: FakeUser, name: str, *path: str,
                    channel: int | None = None, **options: Any) -> str:
        """Run ``/name [sub ...] option:value``; people become USER options with resolved."""
        opts, resolved = self._options(options, self.guild_of(channel))
        for sub in reversed(path):
            opts = [{"type": 1, "name": sub, "options": opts}]
        data = {"id": str(self.snowflake()), "name": name, "type": 1, "options": opts,
                "resolved": resolved, "guild_id": str(self.guild_id)}
        return await self.interact(2, user, data, channel=channel)

    async def autocomplete(self, user: FakeUser, name: str, *path: str, focused: str,
                           channel: int | None = None, **options: Any) -> list[JSON]:
        """Type into option ``focused`` of ``/name [sub ...]``; returns the choices offered."""
        opts, resolved = self._options(options)
        for option in opts:
            option["focused"] = option["name"] == focused
        for sub in reversed(path):
            opts = [{"type": 1, "name": sub, "options": opts}]
        data = {"id": str(self.snowflake()), "name": name, "type": 1, "options": opts,
                "resolved": resolved, "guild_id": str(self.guild_id)}
        token = await self.interact(4, user, data, channel=channel)
        answer = await self.wait_for(lambda: next(
            (b for b in self.responses.get(token, []) if b.get("type") == 8), None),
            "answered the autocomplete")
        return list(answer["data"]["choices"])

    def _options(self, options: dict[str, Any],
                 guild: int | None = None) -> tuple[list[JSON], JSON]:
        opts: list[JSON] = []
        resolved: JSON = {}
        for name, value in options.items():
            if isinstance(value, FakeUser):
                opts.append({"type": 6, "name": name, "value": str(value.id)})
                resolved.setdefault("users", {})[str(value.id)] = value.user()
                resolved.setdefault("members", {})[str(value.id)] = {
                    **self.member_json(value, with_user=False, guild=guild),
                    "permissions": "0"}
            elif isinstance(value, bool):
                opts.append({"type": 5, "name": name, "value": value})
            elif isinstance(value, int):
                opts.append({"type": 4, "name": name, "value": value})
            else:
                opts.append({"type": 3, "name": name, "value": str(value)})
        return opts, resolved

    async def message_menu(self, user: FakeUser, name: str, message: JSON) -> str:
        data = {"id": str(self.snowflake()), "name": name, "type": 3,
                "target_id": message["id"], "resolved": {"messages": {message["id"]: message}},
                "guild_id": str(self.guild_id)}
        return await self.interact(2, user, data, channel=int(message["channel_id"]))

    async def user_menu(self, user: FakeUser, name: str, target: FakeUser) -> str:
        data = {"id": str(self.snowflake()), "name": name, "type": 2,
                "target_id": str(target.id), "resolved": {
                    "users": {str(target.id): target.user()},
                    "members": {str(target.id): {**self.member_json(target, with_user=False),
                                                 "permissions": "0"}}},
                "guild_id": str(self.guild_id)}
        return await self.interact(2, user, data)

    async def submit_modal(self, user: FakeUser, token: str, values: dict[str, str]) -> str:
        """Fill in the modal the bot opened in answer to ``token`` and submit it."""
        modal = next(body["data"] for body in self.responses[token] if body.get("type") == 9)
        rows = []
        for row in modal["components"]:
            for item in row["components"]:
                label = item.get("label", "")
                value = next((v for k, v in values.items() if k.lower() in label.lower()),
                             item.get("value") or "")
                rows.append({"type": 1, "components": [
                    {"type": 4, "custom_id": item["custom_id"], "value": value}]})
        data = {"custom_id": modal["custom_id"], "components": rows}
        return await self.interact(5, user, data, channel=self.interaction_channels[token])

    async def click(self, user: FakeUser, message: JSON, label: str) -> str:
        """Press the button labelled ``label`` on ``message``."""
        for row in message.get("components", []):
            for item in row.get("components", []):
                if item.get("type") == 2 and label.lower() in str(item.get("label")).lower():
                    data = {"custom_id": item["custom_id"], "component_type": 2}
                    return await self.interact(3, user, data,
                                               channel=int(message["channel_id"]),
                                               message=message)
        raise AssertionError(f"no button '{label}' on {message_text(message)!r}")

    async def choose(self, user: FakeUser, message: JSON, values: list[str]) -> str:
        """Pick ``values`` in the first select menu on ``message``."""
        for row in message.get("components", []):
            for item in row.get("components", []):
                if item.get("type") == 3:
                    data = {"custom_id": item["custom_id"], "component_type": 3,
                            "values": values}
                    return await self.interact(3, user, data,
                                               channel=int(message["channel_id"]),
                                               message=message)
        raise AssertionError(f"no select menu on {message_text(message)!r}")

    async def say(self, user: FakeUser, channel: int, content: str,
                  mentions: Iterable[FakeUser] = ()) -> JSON:
        """Someone writes in a channel: stored, then MESSAGE_CREATE down the gateway."""
        message = self.post_message(channel, user, content,
                                    mentions=[m.user() for m in mentions])
        message["mentions"] = [m.user() for m in mentions]
        await self.dispatch("MESSAGE_CREATE", {**message, "member": self.member_json(
            user, with_user=False, guild=self.guild_of(channel))})
        return message

    async def say_dm(self, user: FakeUser, content: str) -> JSON:
        """Someone writes to the bot in their DM: stored in the DM channel, then
        MESSAGE_CREATE as Discord sends it for a DM (no ``guild_id``, no ``member``)."""
        channel = int(self._open_dm(user.id)["id"])
        message = self.post_message(channel, user, content)
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    def dm_messages(self, person: FakeUser) -> list[JSON]:
        """Every message in ``person``'s DM channel with the bot (both sides), in order."""
        channel = self.dm_channels.get(person.id)
        return list(self.messages.get(channel, {}).values()) if channel else []

    async def edit_message(self, message: JSON, content: str) -> None:
        message.update(content=content, edited_timestamp=_now())
        await self.dispatch("MESSAGE_UPDATE", {**message, "guild_id": str(self.guild_id)})

    async def leave_and_rejoin(self, user: FakeUser) -> None:
        """Leaving a server drops every role (timeouts stay); then the member comes back."""
        await self.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": str(self.guild_id),
                                                    "user": user.user()})
        user.roles.clear()
        await self.dispatch("GUILD_MEMBER_ADD", {**self.member_json(user),
                                                 "guild_id": str(self.guild_id)})

    async def react(self, user: FakeUser, message: JSON, emoji: str, *, add: bool = True) -> None:
        channel, message_id = int(message["channel_id"]), int(message["id"])
        self._react(channel, message_id, emoji, user.id, add=add)
        data: JSON = {"user_id": str(user.id), "channel_id": str(channel),
                      "message_id": str(message_id), "guild_id": str(self.guild_id),
                      "emoji": {"id": None, "name": emoji}, "type": 0, "burst": False}
        if add:
            data["member"] = self.member_json(user)
        await self.dispatch("MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE", data)

    # ----- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None:
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"


def _unknown(what: str, code: int) -> tuple[int, JSON]:
    return 404, {"message": f"Unknown {what}", "code": code}


def message_text(message: JSON) -> str:
    """Content plus embed titles, descriptions and fields: what a person would read."""
    parts: list[str] = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name')}: {f.get('value')}" for f in embed.get("fields") or []]
    return "\n".join(part for part in parts if part)


def labels(message: JSON) -> list[str]:
    return [str(item.get("label")) for row in message.get("components", [])
            for item in row.get("components", []) if item.get("type") == 2]


def ids(values: Iterable[JSON]) -> list[int]:
    return [int(v["id"]) for v in values]


def last(messages: dict[int, JSON]) -> JSON:
    return list(messages.values())[-1]
