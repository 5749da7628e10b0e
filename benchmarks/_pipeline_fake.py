"""The fake Discord of ``benchmarks.pipeline``, run in its own process.

Its CPU (building and sending 2,000 gateway events a second, answering the bot's REST
calls) must not count against the bot's, so it runs here and is driven over two control
routes: ``POST /_bench/load`` starts the load, ``GET /_bench/report`` says what reached
it (when each violating message was sent and deleted, the DMs each author got, the posts
and edits in the staff and committee channels). Times are this process's
``perf_counter``, so latencies never compare two clocks.

Run by the benchmark: ``python -m benchmarks._pipeline_fake`` prints one JSON line with
the port and the ids, then serves until its stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.fakes.discord.server import FakeDiscord

VIOLATION = "my card is 4111 1111 1111 1111, message {n}"
FINE = "Has anyone catalogued the new arrivals yet? ({n})"


class BenchFake(FakeDiscord):
    def __init__(self) -> None:
        super().__init__(now=datetime.now(UTC))
        self.sent_at: dict[str, float] = {}  # violating message id -> when sent
        self.deleted_at: dict[str, float] = {}
        self.removal_dms: Counter[int] = Counter()
        self.posts: Counter[int] = Counter()
        self.edits: Counter[int] = Counter()
        self.samples: dict[int, list[str]] = {}  # the first posts in each channel
        self.load_done = False
        self.load_cpu = 0.0
        self.achieved = 0.0
        self.total = 0
        self._load: asyncio.Task[None] | None = None
        self.load_channel = 0
        self.authors: list[int] = []

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/api/v10/_bench"):
            return await self._control(request)
        parts = request.path.split("/")
        if request.method == "DELETE" and len(parts) == 7 and parts[5] == "messages":
            self.deleted_at.setdefault(parts[6], time.perf_counter())
        elif request.method == "PATCH" and len(parts) == 7 and parts[5] == "messages":
            self.edits[int(parts[4])] += 1
        return await super()._rest(request)

    def bulk_delete(self, channel: int, body: dict[str, Any]) -> tuple[int, Any]:
        status, answer = super().bulk_delete(channel, body)
        if status == 204:
            now = time.perf_counter()
            for message in body.get("messages", []):
                self.deleted_at.setdefault(str(message), now)
        return status, answer

    def _create_message(self, channel_id: int, body: dict[str, Any]) -> tuple[int, Any]:
        users = {c: u for u, c in self.dm_channels.items()}
        if channel_id in users:
            if "How to avoid" in str(body.get("content") or ""):
                self.removal_dms[users[channel_id]] += 1
        else:
            self.posts[channel_id] += 1
            if self.posts[channel_id] <= 3:
                self.samples.setdefault(channel_id, []).append(
                    str(body.get("content"))[:160])
        return super()._create_message(channel_id, body)

    async def _control(self, request: web.Request) -> web.StreamResponse:
        if request.method == "POST":
            query = request.query
            self._load = asyncio.create_task(self.run_load(
                int(query["rate"]), float(query["seconds"]), float(query["violating"]),
                self.load_channel, self.authors))
            return web.json_response({"started": True})
        if "counts" in request.query:  # what the benchmark polls: cheap for the bot to read
            return web.json_response({
                "load_done": self.load_done, "violations": len(self.sent_at),
                "deleted": sum(m in self.sent_at for m in self.deleted_at)})
        return web.json_response({
            "load_done": self.load_done, "achieved": self.achieved, "total": self.total,
            "load_cpu": self.load_cpu,
            "sent_at": self.sent_at,
            "deleted_at": {m: t for m, t in self.deleted_at.items() if m in self.sent_at},
            "removal_dms": {str(u): n for u, n in self.removal_dms.items()},
            "posts": {str(c): n for c, n in self.posts.items()},
            "edits": {str(c): n for c, n in self.edits.items()},
            "samples": {str(c): texts for c, texts in self.samples.items()}})

    async def run_load(self, rate: int, seconds: float, violating: float, channel: int,
                       authors: list[int]) -> None:
        """``rate`` MESSAGE_CREATE a second for ``seconds``, a ``violating`` share of them
        carrying a card number, from ``authors`` in turn."""
        self.total = total = int(rate * seconds)
        chance = random.Random(12)  # the same load on every run, spread over all authors
        started, cpu = time.perf_counter(), time.process_time()
        for n in range(total):
            # sleep(0) when behind: a load loop that never yields would starve this
            # process's REST side, and the bot's deletions would wait on the fake
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            author = self.members[authors[n % len(authors)]]
            bad = chance.random() < violating
            message = await self.say(author, channel, (VIOLATION if bad else FINE).format(n=n))
            if bad:
                self.sent_at[message["id"]] = time.perf_counter()
        self.achieved = total / (time.perf_counter() - started)
        self.load_cpu = time.process_time() - cpu  # near the load's length: the fake is the limit
        self.load_done = True


async def serve(authors: int) -> None:
    fake = BenchFake()
    role = fake.role("Staff")
    general = fake.channel("general")
    queue, committee = fake.channel("staff-queue"), fake.channel("committee")
    fake.authors = [fake.member(f"member{n}").id for n in range(authors)]
    fake.load_channel = general
    await fake.start()
    print(json.dumps({"port": fake.port, "guild": fake.guild_id, "role": role,
                      "general": general, "queue": queue, "committee": committee}),
          flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark is done
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
