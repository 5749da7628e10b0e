"""The fake Discord of ``benchmarks.code_publish``, run in its own process.

It holds a guild of N members and enforces a DM rate limit as Discord does: a DM beyond
``--limit`` a second is answered 429 with the Retry-After of its token bucket. It counts
every Code prompt that reached each member, the resends Discord's nonce deduplicated,
and the 429s it answered. Control routes: ``POST /_bench/publish`` runs
``/code-admin publish`` as the staff member; ``GET /_bench/report`` says what reached it.

Run by the benchmark: ``python -m benchmarks._publish_fake MEMBERS LIMIT`` prints one JSON
line (the port and the ids), then serves until its stdin closes.
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

PROMPT = "has been updated"  # in every Code prompt (config/templates/messages.toml)


class PublishFake(FakeDiscord):
    def __init__(self, limit: float) -> None:
        super().__init__(now=datetime.now(UTC))
        self.limit = limit
        self.tokens, self.at = limit, time.monotonic()
        self.prompts: Counter[int] = Counter()  # member id -> Code prompts received
        self.deduplicated = 0  # resends answered with the message already created
        self.limited = 0  # DMs answered 429
        self.first_prompt_at: float | None = None
        self.last_prompt_at: float | None = None
        self.staff: list[str] = []
        self.queue = 0
        self.staff_member = 0

    def _bucket_wait(self) -> float:
        """0 if a DM may go now (taking a token), else seconds until one may."""
        now = time.monotonic()
        self.tokens = min(self.limit, self.tokens + (now - self.at) * self.limit)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.limit

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/api/v10/_bench"):
            return await self._control(request)
        parts = request.path.split("/")
        if request.method == "POST" and len(parts) == 6 and parts[5] == "messages" \
                and int(parts[4]) in self.dm_users:
            wait = self._bucket_wait()
            if wait > 0:
                self.limited += 1
                self.rate_limits.append(("POST", request.path, round(wait, 3)))
        return await super()._rest(request)

    def _create_message(self, channel_id: int, body: dict[str, Any]) -> tuple[int, Any]:
        user = self.dm_users.get(channel_id)
        if user is not None and PROMPT in str(body.get("content") or ""):
            nonce = body.get("nonce")
            if body.get("enforce_nonce") and nonce and any(
                    m.get("nonce") == nonce for m in self.messages[channel_id].values()):
                self.deduplicated += 1
            else:
                self.prompts[user] += 1
                now = time.perf_counter()
                self.first_prompt_at = self.first_prompt_at or now
                self.last_prompt_at = now
        elif channel_id == self.queue:
            self.staff.append(str(body.get("content") or ""))
        return super()._create_message(channel_id, body)

    async def _control(self, request: web.Request) -> web.StreamResponse:
        if request.method == "POST":
            token = await self.slash(self.members[self.staff_member], "code-admin", "publish",
                                     summary="Benchmark: please accept the Code again")
            return web.json_response({"token": token})
        if "token" in request.query:
            return web.json_response({"replies": self.reply_texts(request.query["token"])})
        return web.json_response({
            "synced": "guild" in self.commands, "prompted": len(self.prompts),
            "prompts": sum(self.prompts.values()),
            "repeated": {str(u): n for u, n in self.prompts.items() if n > 1},
            "deduplicated": self.deduplicated, "limited": self.limited,
            "first_prompt_at": self.first_prompt_at, "last_prompt_at": self.last_prompt_at,
            "now": time.perf_counter(), "staff": self.staff[-20:],
            "members": [str(m) for m in self.members]})


async def serve(members: int, limit: float) -> None:
    fake = PublishFake(limit)
    role = fake.role("Staff")
    fake.queue = queue = fake.channel("staff-queue")
    committee = fake.channel("committee")
    fake.staff_member = fake.member("staff", role).id
    for n in range(members):
        fake.member(f"member{n}")
    await fake.start()
    print(json.dumps({"port": fake.port, "guild": fake.guild_id, "role": role,
                      "queue": queue, "committee": committee}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark is done
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), float(sys.argv[2])))
