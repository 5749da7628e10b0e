"""The fake Discord of ``benchmarks.code_publish``, run in its own process.

It holds a guild of N members (the first is staff) and limits DMs as Discord does: every
DM send draws on one bucket of ``limit`` sends a second (Discord's per-bot limit is about
50 requests a second); each answer carries the bucket's ``X-RateLimit-*`` headers, and a
send beyond it is answered 429 with the ``Retry-After`` the bucket needs, before it
reaches the message store.

It counts what reached each member: the Code prompts *created* in their DM channel. A
resend carrying the nonce of a prompt already created, with ``enforce_nonce``, is
answered with that message and creates nothing, as Discord does ("checked for uniqueness
in the past few minutes"); the fake keeps no window, so it records how old the original
was at each such resend (``dedup_max_age_s``): a resend later than a few minutes would
be a second DM on Discord, and the benchmark reports it as one.

Control routes: ``POST /_bench/publish`` runs ``/code-admin publish`` as the staff
member; ``GET /_bench/replies?token=`` is what the bot answered it; ``GET /_bench/count``
is how many members have their prompt (cheap, polled); ``GET /_bench/report`` is the
tally. Times are this process's ``perf_counter``.

Run by the benchmark: ``python -m benchmarks._publish_fake MEMBERS LIMIT`` prints one
JSON line (the port and the ids), then serves until its stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.fakes.discord.server import FakeDiscord

PROMPT = "has been updated"  # in every Code prompt (code_accept_prompt in messages.toml)
DONE = "every member has been asked"  # in the end-of-job notice (code_prompt_done)
BUCKET = "fake-dm-send"


class DmBucket:
    """Discord's view of one rate-limit bucket: ``limit`` sends per one-second window."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.window_start = time.monotonic()
        self.used = 0

    def take(self) -> float:
        """0 if a send may go now (counted), else the seconds until the window resets."""
        now = time.monotonic()
        if now - self.window_start >= 1.0:
            self.window_start, self.used = now, 0
        if self.used < self.limit:
            self.used += 1
            return 0.0
        return max(0.001, 1.0 - (now - self.window_start))

    def headers(self) -> dict[str, str]:
        reset_after = max(0.0, 1.0 - (time.monotonic() - self.window_start))
        return {"X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(max(0, self.limit - self.used)),
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": BUCKET}


class PublishFake(FakeDiscord):
    def __init__(self, limit: int) -> None:
        super().__init__(now=datetime.now(UTC))
        self.bucket = DmBucket(limit)
        self.prompts: Counter[int] = Counter()  # member id -> prompts created for them
        self.nonce_at: dict[str, float] = {}  # nonce of each prompt -> when it was created
        self.deduplicated = 0  # resends answered with the prompt already created
        self.dedup_max_age = 0.0
        self.limited = 0  # DM sends answered 429
        self.dm_requests = 0  # every DM send that reached the fake, 429s included
        self.first_prompt_at: float | None = None
        self.last_prompt_at: float | None = None
        self.staff_posts: list[str] = []
        self.done_at: float | None = None
        self.queue = 0
        self.staff_member = 0

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/api/v10/_bench"):
            return await self._control(request)
        parts = request.path.split("/")
        is_dm = request.method == "POST" and len(parts) == 6 and parts[5] == "messages" \
            and parts[4].isdigit() and int(parts[4]) in self.dm_users
        if not is_dm:
            return await super()._rest(request)
        self.dm_requests += 1
        wait = self.bucket.take()
        if wait > 0:
            self.limited += 1
            body = {"message": "You are being rate limited.", "retry_after": round(wait, 3),
                    "global": False}
            return web.Response(status=429, body=json.dumps(body).encode(), headers={
                "Content-Type": "application/json", "Retry-After": f"{wait:.3f}",
                **self.bucket.headers(), "X-RateLimit-Scope": "user",
                "Via": "1.1 google"})  # discord.py reads a 429 without Via as a ban
        response = await super()._rest(request)
        response.headers.update(self.bucket.headers())
        return response

    def _create_message(self, channel_id: int, body: dict[str, Any]) -> tuple[int, Any]:
        user = self.dm_users.get(channel_id)
        text = str(body.get("content") or "")
        if user is not None and PROMPT in text:
            self._count_prompt(user, body)
        elif channel_id == self.queue:
            self.staff_posts.append(text)
            if DONE in text and self.done_at is None:
                self.done_at = time.perf_counter()
        return super()._create_message(channel_id, body)

    def _count_prompt(self, user: int, body: dict[str, Any]) -> None:
        now = time.perf_counter()
        nonce = str(body.get("nonce") or "")
        if body.get("enforce_nonce") and nonce in self.nonce_at:  # the fake will dedup it
            self.deduplicated += 1
            self.dedup_max_age = max(self.dedup_max_age, now - self.nonce_at[nonce])
            return
        self.prompts[user] += 1
        if nonce:
            self.nonce_at[nonce] = now
        self.first_prompt_at = self.first_prompt_at or now
        self.last_prompt_at = now

    async def _control(self, request: web.Request) -> web.StreamResponse:
        action = request.path.rsplit("/", 1)[-1]
        if action == "publish":
            token = await self.slash(self.members[self.staff_member], "code-admin", "publish",
                                     channel=self.queue,
                                     summary="Benchmark: please accept the Code again")
            return web.json_response({"token": token, "at": time.perf_counter()})
        if action == "replies":
            return web.json_response({"replies": self.reply_texts(request.query["token"])})
        if action == "count":
            return web.json_response({"prompted": len(self.prompts), "done": bool(self.done_at),
                                      "now": time.perf_counter()})
        return web.json_response(self.report())

    def report(self) -> dict[str, Any]:
        people = [m for m in self.members.values() if not m.bot]
        counts = Counter(self.prompts.get(m.id, 0) for m in people)
        return {
            "members": len(people), "prompted_once": counts.get(1, 0),
            "never": counts.get(0, 0),
            "more_than_once": sum(n for times, n in counts.items() if times > 1),
            "prompts_created": sum(self.prompts.values()),
            "dm_requests": self.dm_requests,
            "deduplicated": self.deduplicated,
            "dedup_max_age_s": round(self.dedup_max_age, 1), "answered_429": self.limited,
            "first_prompt_at": self.first_prompt_at, "last_prompt_at": self.last_prompt_at,
            "done_at": self.done_at, "staff_posts": self.staff_posts[-10:]}


async def serve(members: int, limit: int) -> None:
    fake = PublishFake(limit)
    role = fake.role("Staff", position=10)
    # Distinct roles: one role id for several seats in the config maps to one of them only.
    others = {seat: fake.role(seat.title(), position=5)
              for seat in ("committee", "counsel", "executive")}
    fake.queue = queue = fake.channel("staff-queue")
    committee = fake.channel("committee")
    fake.staff_member = fake.member("staff0", role).id
    for n in range(1, members):
        fake.member(f"member{n}")
    await fake.start()
    print(json.dumps({"port": fake.port, "guild": fake.guild_id, "role": role, **others,
                      "queue": queue, "committee_channel": committee}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark is done
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2])))
