"""A fake Slack Web API that records every call and answers like Slack.

It keeps just enough state to answer truthfully: channel members (for kick and invite),
messages (for history, update and delete), reactions and DMs. Errors are Slack's own
codes: ``cant_delete_message`` when a bot token deletes someone else's message,
``not_in_channel`` / ``already_in_channel`` for kicks and invites, ``user_disabled`` for
a person who cannot be messaged. ``rate_limit_next`` answers a method's next call the
way Slack rate-limits: HTTP 429 with a ``Retry-After`` header in seconds; ``fail_next``
(as on the fake Discord) and ``outage`` answer a method with 429 or a 5xx for a stretch
of calls or until ``recover``. Message metadata is kept and shown in history only when
``include_all_metadata`` is asked for, as Slack does. It also serves
``response_url`` posts and a Socket Mode websocket, so Bolt's real clients run unchanged
against it.

Several workspaces: every Web API token belongs to one workspace (``add_team``), and so
does every channel, user and user group (``place``; anything not placed is the first
team's). As on Slack, a call with one workspace's token that names another workspace's
channel fails with ``channel_not_found`` (a user: ``user_not_found``), ``auth.test``
answers with the token's own workspace and bot user, and an unknown token is
``invalid_auth``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.hold import Hold
from tests.waiting import DEADLINE

BOT_USER = "UBOT"
ADMIN_USER = "UADMIN"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    status: int = 200  # 429 for a call the fake rate-limited
    at: float = field(default_factory=time.monotonic)  # when it reached the fake

    @property
    def text(self) -> str:
        """Everything a person could read in this call (text and blocks)."""
        return json.dumps(self.params, ensure_ascii=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass
class Upload:
    """One file through Slack's external upload: asked for (files.getUploadURLExternal),
    its bytes posted to the upload URL, then shared (files.completeUploadExternal)."""

    file_id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str | None = None
    channel: str | None = None  # where it was shared; None until completed


@dataclass
class Fault:
    """One phase of an incident: ``status`` for ``left`` more calls (None: until
    ``recover``); ``applied``: the call takes effect, only its answer is lost."""

    status: int
    left: int | None
    applied: bool = False


@dataclass
class FakeSlack:
    team: str = "T1"
    bot_token: str = "xoxb-test"
    admin_token: str = "xoxp-admin"
    app_token: str = "xapp-test"
    calls: list[Call] = field(default_factory=list)
    members: dict[str, set[str]] = field(default_factory=dict)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    private: set[str] = field(default_factory=set)  # private channels (the rest are public)
    guests: set[str] = field(default_factory=set)  # guest accounts (see only their channels)
    unreachable: set[str] = field(default_factory=set)
    bot_absent: set[str] = field(default_factory=set)  # channels the bot was not invited to
    # Slack's per-method tiers, as Slack enforces them: (calls, seconds) per workspace;
    # a call beyond the tier is answered 429 with Retry-After (chat.delete is Tier 3).
    tiers: dict[str, tuple[int, float]] = field(
        default_factory=lambda: {"chat.delete": (50, 60.0)})
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    rate_limits: dict[str, list[int]] = field(default_factory=dict)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> App Home view
    holds: dict[str, Hold] = field(default_factory=dict)  # method -> kept unanswered
    uploads: dict[str, Upload] = field(default_factory=dict)  # file id -> what was uploaded
    ims: set[str] = field(default_factory=set)  # DM channels opened (conversations.open)
    names: dict[str, str] = field(default_factory=dict)  # channel id -> name (created)
    failing: dict[str, list[Fault]] = field(default_factory=dict)  # method -> its incident
    # When set (the bot's clock), a message's ts is that time, as on Slack; otherwise a
    # fixed day, which tests that name a ts rely on.
    clock: Callable[[], datetime] | None = None
    base_url: str = ""
    _clock: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    hello_at: float | None = None  # time.monotonic() of the last Socket Mode hello
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _socket_ready: asyncio.Event = field(default_factory=asyncio.Event)
    tokens: dict[str, str] = field(default_factory=dict)  # Web API token -> its team
    bot_users: dict[str, str] = field(default_factory=dict)  # team -> the bot's user id
    owners: dict[str, str] = field(default_factory=dict)  # channel/user/group id -> team
    admins: set[str] = field(default_factory=set)  # workspace admins' user tokens

    def __post_init__(self) -> None:
        self.tokens.setdefault(self.bot_token, self.team)
        self.tokens.setdefault(self.admin_token, self.team)
        self.bot_users.setdefault(self.team, BOT_USER)
        self.admins.add(self.admin_token)

    # Workspaces ---------------------------------------------------------------------

    def add_team(self, team: str, bot_token: str, *, bot_user: str,
                 admin_token: str | None = None) -> None:
        """Install the app in another workspace: its own bot token and bot user."""
        self.tokens[bot_token] = team
        if admin_token is not None:
            self.tokens[admin_token] = team
            self.admins.add(admin_token)
        self.bot_users[team] = bot_user

    def place(self, team: str, *ids: str) -> None:
        """Channels, users and user groups that belong to ``team``."""
        for ident in ids:
            self.owners[ident] = team

    def team_of(self, ident: str) -> str:
        """The workspace of a channel, user or group id (a DM ``D<user>``: the user's)."""
        if ident.startswith("D") and ident not in self.owners:
            ident = ident[1:]
        return self.owners.get(ident, self.team)

    def bot_of(self, token: str | None) -> str:
        return self.bot_users[self.tokens.get(token or "", self.team)]

    _CHANNEL_KEYS = ("channel", "channel_id")
    _USER_KEYS = ("users", "user", "user_id")

    def _cross_team(self, method: str, p: dict[str, Any], token: str | None) -> str | None:
        """Slack's refusal of a call that reaches outside its token's workspace."""
        if method == "apps.connections.open":
            return None
        team = self.tokens.get(token or "")
        if team is None:
            return "invalid_auth"
        for key in self._CHANNEL_KEYS:
            if p.get(key) and self.team_of(str(p[key])) != team:
                return "channel_not_found"
        for key in self._USER_KEYS:
            users = str(p.get(key) or "").split(",")
            if any(u and self.team_of(u) != team for u in users):
                return "user_not_found"
        if p.get("usergroup") and self.team_of(str(p["usergroup"])) != team:
            return "no_such_subteam"
        return None

    # Lifecycle ----------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url + "/api/"

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # Seeding and assertions ---------------------------------------------------------

    def next_ts(self) -> str:
        seconds = 1767600000 if self.clock is None else int(self.clock().timestamp())
        return f"{seconds}.{next(self._clock):06d}"

    def response_url(self, key: str = "r") -> str:
        return f"{self.base_url}/respond/{key}"

    def called(self, method: str, **match: Any) -> list[Call]:
        return [c for c in self.calls if c.method == method
                and all(c.params.get(k) == v for k, v in match.items())]

    def responses(self) -> list[str]:
        return [str(c.params.get("text", "")) for c in self.called("response_url")]

    def dm_texts(self, user: str) -> list[str]:
        return [c.text for c in self.called("chat.postMessage", channel=f"D{user}")]

    def files_shared_in(self, channel: str) -> list[Upload]:
        """Files completed into ``channel`` (e.g. ``D<user>``, a DM), in upload order."""
        return [u for u in self.uploads.values() if u.channel == channel]

    def reset(self) -> None:
        self.calls.clear()

    def hold(self, method: str) -> Hold:
        """Keep calls of ``method`` unanswered until ``released`` is set (a slow Slack):
        the bot's listener that made the call stays in flight."""
        self.holds[method] = Hold()
        return self.holds[method]

    def rate_limit_next(self, method: str, retry_after: int = 1) -> None:
        """Answer the next call of ``method`` with HTTP 429 and ``Retry-After`` (seconds);
        call again to rate-limit several calls in a row."""
        self.rate_limits.setdefault(method, []).append(retry_after)

    def fail_next(self, method: str, status: int, times: int, *,
                  applied: bool = False) -> None:
        """Answer the next ``times`` calls of ``method`` with ``status`` (429 with a
        ``Retry-After`` of 0, or a 5xx), as Slack does during an incident; ``applied``: the
        call takes effect all the same and only its answer is lost (a 5xx after the
        message was posted). Phases queue up: this one starts when the previous ends."""
        self.failing.setdefault(method, []).append(Fault(status, times, applied))

    def outage(self, method: str, status: int) -> None:
        """Answer every call of ``method`` with ``status`` (after any phase queued before)
        until :meth:`recover`."""
        self.failing.setdefault(method, []).append(Fault(status, None))

    def recover(self, method: str | None = None) -> None:
        """End the incident for ``method`` (or every method)."""
        if method is None:
            self.failing.clear()
        else:
            self.failing.pop(method, None)

    def _failure(self, method: str, params: dict[str, Any],
                 token: str | None) -> web.Response | None:
        phases = self.failing.get(method)
        if not phases:
            return None
        fault = phases[0]
        if fault.left is not None:
            fault.left -= 1
            if fault.left <= 0:
                phases.pop(0)
        self.calls.append(Call(method, params, token, status=fault.status))
        if fault.applied and (handler := getattr(self, "m_" + method.replace(".", "_"),
                                                 None)) is not None:
            handler(params, token)
        if fault.status == 429:
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": "0"})
        return web.Response(status=fault.status, text="upstream connect error",
                            content_type="text/html")

    # The Web API --------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update({k: v for k, v in (await request.post()).items()})
        for key in ("blocks", "view"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else params.get("token")
        if (hold := self.holds.get(method)) is not None:
            hold.arrived.set()
            await hold.released.wait()
        if (failed := self._failure(method, params, token)) is not None:
            return failed
        pending = self.rate_limits.get(method)
        if not pending and self._over_tier(method):
            pending = [int(self.tiers[method][1])]
        if pending:
            self.calls.append(Call(method, params, token, status=429))
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(pending.pop(0))})
        self.calls.append(Call(method, params, token))
        refused = self._cross_team(method, params, token)
        if refused is not None:
            return web.json_response(self._error(refused))
        handler: Callable[[dict[str, Any], str | None], dict[str, Any]] | None = getattr(
            self, "m_" + method.replace(".", "_"), None)
        body = handler(params, token) if handler else {"ok": True}
        return web.json_response(body)

    def _over_tier(self, method: str) -> bool:
        """Whether one more ``method`` call now would exceed its tier (calls answered
        429 do not count, as on Slack)."""
        if method not in self.tiers:
            return False
        limit, per = self.tiers[method]
        since = time.monotonic() - per
        recent = [c for c in self.calls if c.method == method and c.status == 200
                  and c.at > since]
        return len(recent) >= limit

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", await request.json(), None))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """Step two of an upload: the bytes, posted to the URL step one gave."""
        upload = self.uploads.get(request.match_info["file_id"])
        data = await request.read()
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"],
                                          "size": len(data)}, None))
        if upload is None:
            return web.Response(status=404, text="unknown upload")
        upload.data = data
        return web.Response(text=f"OK - {len(data)}")

    def m_files_getUploadURLExternal(self, p: dict[str, Any],
                                     token: str | None) -> dict[str, Any]:
        if not p.get("filename") or not str(p.get("length", "")).isdigit():
            return self._error("invalid_arguments")
        file_id = f"F{next(self._clock):08d}"
        self.uploads[file_id] = Upload(file_id, str(p["filename"]), int(p["length"]))
        return {"ok": True, "file_id": file_id,
                "upload_url": f"{self.base_url}/upload/{file_id}"}

    def m_files_completeUploadExternal(self, p: dict[str, Any],
                                       token: str | None) -> dict[str, Any]:
        files = p.get("files")
        listed = json.loads(files) if isinstance(files, str) else files or []
        channel = p.get("channel_id")
        done = []
        for item in listed:
            upload = self.uploads.get(str(item.get("id")))
            if upload is None or upload.data is None or len(upload.data) != upload.length:
                return self._error("file_not_found" if upload is None else
                                   "file_upload_size_mismatch")
            upload.title = item.get("title")
            upload.channel = str(channel) if channel else None
            done.append({"id": upload.file_id, "name": upload.filename,
                         "title": upload.title})
        if channel and str(channel).startswith("D") and str(channel)[1:] in self.unreachable:
            return self._error("channel_not_found")
        return {"ok": True, "files": done}

    @staticmethod
    def _error(code: str) -> dict[str, Any]:
        return {"ok": False, "error": code}

    def m_auth_test(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        team = self.tokens[token or ""]
        user = ADMIN_USER if token in self.admins else self.bot_users[team]
        return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "cocbot",
                "team_id": team, "user_id": user, "bot_id": f"B{user}"}

    def m_chat_postMessage(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        ts = self.next_ts()
        message = {"type": "message", "user": self.bot_of(token), "text": p.get("text"),
                   "ts": ts,
                   "thread_ts": p.get("thread_ts")}
        metadata = p.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata:
            if not isinstance(metadata, dict) or not metadata.get("event_type") or \
                    not isinstance(metadata.get("event_payload"), dict):
                return self._error("invalid_metadata_format")
            message["metadata"] = metadata
        self.messages[(str(p["channel"]), ts)] = message
        return {"ok": True, "channel": p["channel"], "ts": ts, "message": message}

    def m_chat_postEphemeral(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True, "message_ts": self.next_ts()}

    def m_chat_update(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        key = (str(p["channel"]), str(p["ts"]))
        if key not in self.messages:
            return self._error("message_not_found")
        self.messages[key]["text"] = p.get("text")
        return {"ok": True, "channel": p["channel"], "ts": p["ts"], "text": p.get("text")}

    def m_chat_delete(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        key = (str(p["channel"]), str(p["ts"]))
        message = self.messages.get(key)
        if message is None:
            return self._error("message_not_found")
        if token not in self.admins and message.get("user") != self.bot_of(token):
            return self._error("cant_delete_message")
        del self.messages[key]
        return {"ok": True, "channel": p["channel"], "ts": p["ts"]}

    def m_conversations_open(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        user = str(p["users"])
        if user in self.unreachable:
            return self._error("user_disabled")
        self.ims.add(f"D{user}")
        return {"ok": True, "channel": {"id": f"D{user}"}}

    def m_conversations_create(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        """A new channel in the token's workspace, the bot its only member, with Slack's
        name rules (``invalid_name_*``) and ``name_taken``."""
        name = str(p.get("name") or "")
        if not name:
            return self._error("invalid_name_required")
        if len(name) > 80:
            return self._error("invalid_name_maxlength")
        if name != name.lower() or not all(c.isalnum() or c in "-_" for c in name):
            return self._error("invalid_name_specials")
        if name in self.names.values():
            return self._error("name_taken")
        team = self.tokens[token or ""]
        private = str(p.get("is_private", "")).lower() in ("1", "true")
        channel = f"{'G' if private else 'C'}NEW{len(self.names) + 1:04d}"
        self.names[channel] = name
        self.owners[channel] = team
        self.members[channel] = {self.bot_of(token)}
        if private:
            self.private.add(channel)
        return {"ok": True, "channel": {
            "id": channel, "name": name, "name_normalized": name, "is_channel": True,
            "is_group": False, "is_im": False, "is_mpim": False, "is_private": private,
            "is_archived": False, "is_general": False, "is_member": True,
            "creator": self.bot_of(token), "created": int(time.time())}}

    def m_conversations_kick(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        members = self.members.setdefault(str(p["channel"]), set())
        if p["user"] not in members:
            return self._error("not_in_channel")
        members.discard(str(p["user"]))
        return {"ok": True}

    def m_conversations_invite(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        members = self.members.setdefault(str(p["channel"]), set())
        users = set(str(p["users"]).split(","))
        if users <= members:
            return self._error("already_in_channel")
        members |= users
        return {"ok": True, "channel": {"id": p["channel"]}}

    def add_message(self, channel: str, user: str, text: str, *,
                    thread_ts: str | None = None, files: list[dict[str, Any]] | None = None,
                    ) -> str:
        ts = self.next_ts()
        message: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
            self.messages[(channel, thread_ts)]["thread_ts"] = thread_ts
        if files:
            message["files"] = files
        self.messages[(channel, ts)] = message
        return ts

    @staticmethod
    def _window(found: list[dict[str, Any]], p: dict[str, Any]) -> list[dict[str, Any]]:
        """``oldest``/``latest`` bounds (exclusive unless ``inclusive``), oldest first."""
        inclusive = str(p.get("inclusive", "")).lower() in ("1", "true")
        oldest, latest = p.get("oldest"), p.get("latest")

        def inside(ts: float) -> bool:
            if oldest is not None and (ts < float(oldest) or
                                       (ts == float(oldest) and not inclusive)):
                return False
            return latest is None or ts < float(latest) or (
                ts == float(latest) and inclusive)
        return sorted((m for m in found if inside(float(m["ts"]))),
                      key=lambda m: float(m["ts"]))

    def m_conversations_history(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        """A channel's messages (thread replies are not in it), newest first: the ``limit``
        closest to ``latest``, or to ``oldest`` when only ``oldest`` is given."""
        channel = str(p["channel"])
        if not self._known(channel):
            return self._error("channel_not_found")
        top = [m for (c, ts), m in self.messages.items() if c == channel
               and m.get("thread_ts") in (None, ts)]
        found = self._window(top, p)
        if str(p.get("include_all_metadata", "")).lower() not in ("1", "true"):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        limit, skip = int(p.get("limit") or 100), int(p.get("cursor") or 0)
        only_oldest = p.get("oldest") is not None and p.get("latest") is None
        ordered = found if only_oldest else list(reversed(found))  # away from the bound
        chosen = ordered[skip:skip + limit]
        more = skip + limit < len(found)
        return {"ok": True, "messages": sorted(chosen, key=lambda m: -float(m["ts"])),
                "has_more": more,
                "response_metadata": {"next_cursor": str(skip + limit) if more else ""}}

    def m_conversations_replies(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        """The thread of any message in it, oldest first (the parent first)."""
        channel = str(p["channel"])
        found = self.messages.get((channel, str(p["ts"])))
        if found is None:
            return self._error("thread_not_found")
        parent = str(found.get("thread_ts") or found["ts"])
        thread = [m for (c, ts), m in self.messages.items() if c == channel
                  and (ts == parent or m.get("thread_ts") == parent)]
        chosen = self._window(thread, p)
        limit = int(p.get("limit") or 1000)
        return {"ok": True, "messages": chosen[:limit], "has_more": len(chosen) > limit}

    def _known(self, channel: str) -> bool:
        return (channel in self.members or channel in self.private or channel in self.ims
                or any(c == channel for c, _ in self.messages))

    def m_conversations_info(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = str(p["channel"])
        if not self._known(channel):
            return self._error("channel_not_found")
        direct = channel.startswith("D")
        private = channel in self.private
        return {"ok": True, "channel": {
            "id": channel, "is_channel": not (direct or private), "is_group": private,
            "is_im": direct, "is_mpim": False, "is_private": private or direct,
            "is_archived": False, "is_member": channel not in self.bot_absent}}

    def m_conversations_members(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Paged like Slack: ``limit`` per page, ``next_cursor`` is the next offset."""
        channel = str(p["channel"])
        if not self._known(channel):
            return self._error("channel_not_found")
        everyone = sorted(self.members.get(channel, set()))
        start, limit = int(p.get("cursor") or 0), int(p.get("limit") or 100)
        page = everyone[start:start + limit]
        more = start + limit < len(everyone)
        return {"ok": True, "members": page,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def m_users_info(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        user = str(p["user"])
        if user not in self.users:
            return self._error("user_not_found")
        guest = user in self.guests
        return {"ok": True, "user": {"id": user, "is_bot": False, "deleted": False,
                                     "is_restricted": guest, "is_ultra_restricted": False}}

    def m_reactions_add(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True}

    def m_users_list(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        team = self.tokens[token or ""]
        members = [{"id": u, "is_bot": False, "deleted": False} for u in self.users
                   if self.team_of(u) == team]
        members.append({"id": self.bot_users[team], "is_bot": True, "deleted": False})
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def m_usergroups_users_list(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True, "users": self.usergroups.get(str(p["usergroup"]), [])}

    def m_views_open(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        view = p.get("view") or {}
        problem = self._view_problem(view, "modal")
        if problem or not p.get("trigger_id"):
            return self._error(problem or "invalid_trigger")
        return {"ok": True, "view": {"id": "V1", **view}}

    def m_views_update(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        view = p.get("view") or {}
        problem = self._view_problem(view, "modal")
        if problem or not (p.get("view_id") or p.get("external_id")):
            return self._error(problem or "not_found")
        return {"ok": True, "view": {"id": p.get("view_id") or "V1", **view}}

    def m_views_publish(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        """The App Home tab of ``user_id``, replaced whole; kept in ``homes``."""
        view = p.get("view") or {}
        user = str(p.get("user_id") or "")
        problem = self._view_problem(view, "home")
        if problem:
            return self._error(problem)
        if user not in self.users:
            return self._error("user_not_found")
        self.homes[user] = view
        return {"ok": True, "view": {"id": f"VH{user}", **view}}

    @staticmethod
    def _view_problem(view: dict[str, Any], kind: str) -> str | None:
        """Slack's own refusals of a malformed view: the wrong type, more than 100 blocks,
        a modal title or button over 24 characters, a block id used twice."""
        blocks = view.get("blocks") or []
        ids = [b["block_id"] for b in blocks if "block_id" in b]
        titles = [view.get(k, {}).get("text", "") for k in ("title", "submit", "close")]
        if view.get("type") != kind or len(blocks) > 100 or len(ids) != len(set(ids)):
            return "invalid_arguments"
        if kind == "modal" and any(len(t) > 24 for t in titles):
            return "invalid_arguments"
        return None

    def m_apps_connections_open(self, p: dict[str, Any], token: str | None) -> dict[str, Any]:
        if token != self.app_token:
            return self._error("invalid_auth")
        return {"ok": True, "url": self.base_url.replace("http", "ws") + "/socket"}

    # Socket Mode --------------------------------------------------------------------

    @property
    def open_sockets(self) -> int:
        """Socket Mode connections open now (one per process, or several per app)."""
        return len([ws for ws in self._sockets if not ws.closed])

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A1"}})
        self.hello_at = time.monotonic()
        self._socket_ready.set()
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return ws

    async def send_envelope(self, kind: str, payload: dict[str, Any], envelope_id: str,
                            socket: int = -1) -> None:
        """Deliver an envelope on one connection (the newest unless ``socket`` says which:
        with several connections Slack picks one, and may redeliver on another)."""
        await asyncio.wait_for(self._socket_ready.wait(), DEADLINE)
        await self._sockets[socket].send_json({"envelope_id": envelope_id, "type": kind,
                                           "payload": payload,
                                           "accepts_response_payload": kind != "events_api",
                                           "retry_attempt": 0, "retry_reason": ""})
