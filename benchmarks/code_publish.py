"""A Code re-acceptance for 50,000 members, the bot SIGKILLed halfway and restarted.

Run: ``PYTHONPATH=<tree> .venv/bin/python -m benchmarks.code_publish`` (``--members``,
``--limit``, ``--pace``, ``--kill-at``, ``--timeout``). The fake Discord runs in its own
process (``benchmarks._publish_fake``) with a guild of ``--members`` members and a DM
rate limit of ``--limit`` sends a second (beyond it: 429 with Retry-After and Discord's
``X-RateLimit-*`` headers). The bot is a real ``coc-bot run`` process on a SQLite file,
its outbox paced at ``--pace`` DMs a second (``[discord] dms_per_second``, default 5 in
production: the benchmark sets it above the fake's limit so that the 429 path is taken).

1. The bot starts; staff run ``/code-admin publish`` once ``/readyz`` says the bot is
   connected with the server loaded (an interaction sent earlier would be lost).
2. When ``--kill-at`` of the members have their prompt (counted by the fake), the bot is
   SIGKILLed: no clean-up, sends in flight cut off.
3. A new process starts on the same database and finishes the job; the run ends when
   staff are told that every member was asked (``code_prompt_done``).

Reported from the fake's record: members prompted exactly once, more than once, never;
resends the fake answered from its nonce record (Discord's ``enforce_nonce``: these
created no second DM) and the oldest of them; 429s; time to half and to the end, DMs a
second, and the peak RSS of each bot process. Exit status 1 if any member was prompted
other than once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.sealing import generate_key
from tests.ports import free_port
from tests.scale.processes import ROOT, BotProcess, start_bot, wait_until

CONFIG = """
[discord]
guild_id = {guild}
staff_role_id = {role}
committee_role_id = {committee}
counsel_role_id = {counsel}
executive_role_id = {executive}
staff_queue_channel_id = {queue}
committee_channel_id = {committee_channel}
executive_channel_id = {committee_channel}
dms_per_second = {pace}

[ops]
health_port = {health}
outbox_lease_seconds = {lease}
"""


@dataclass
class Fake:
    """The fake Discord's process and its control routes."""

    proc: asyncio.subprocess.Process
    world: dict[str, Any]
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.world['port']}/api/v10"

    async def get(self, route: str, **params: str) -> dict[str, Any]:
        async with self.http.get(f"{self.base}/_bench/{route}", params=params) as resp:
            answer: dict[str, Any] = await resp.json()
            return answer

    async def publish(self) -> dict[str, Any]:
        async with self.http.post(f"{self.base}/_bench/publish") as resp:
            answer: dict[str, Any] = await resp.json()
            return answer


@asynccontextmanager
async def fake_discord(members: int, limit: int) -> AsyncIterator[Fake]:
    """The fake in its own process (its CPU is not the bot's), from this tree."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks._publish_fake", str(members), str(limit),
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        world = json.loads(await asyncio.wait_for(proc.stdout.readline(), 300))
        async with aiohttp.ClientSession() as http:
            yield Fake(proc, world, http)
    finally:
        proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def peak_rss_mib(bot: BotProcess) -> float | None:
    """The process's peak resident memory so far (``VmHWM``), while it is alive."""
    try:
        status = Path(f"/proc/{bot.pid}/status").read_text()
    except OSError:
        return None
    kib = next((int(line.split()[1]) for line in status.splitlines()
                if line.startswith("VmHWM:")), None)
    return round(kib / 1024, 1) if kib is not None else None


async def ready(http: aiohttp.ClientSession, port: int) -> bool:
    """``/readyz`` answers 200: the gateway is up and the server loaded, the database
    writable, the scheduler running."""
    try:
        async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
            return resp.status == 200
    except aiohttp.ClientError:
        return False


def outbox_rows(db: Path) -> dict[str, int]:
    """The code batch's outbox rows by status, read from the database file."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM outbox "
                                 "WHERE batch LIKE 'code/%' GROUP BY status").fetchall())


class Run:
    """One benchmark run: the bot processes and what was measured on the way."""

    def __init__(self, fake: Fake, folder: Path, args: argparse.Namespace) -> None:
        self.fake, self.folder, self.args = fake, folder, args
        self.db = folder / "bench.db"
        self.bots: list[BotProcess] = []
        self.rss: list[float | None] = []
        self.seal_key = generate_key()
        self.figures: dict[str, Any] = {}
        self.rss_now: float | None = None

    async def start(self, name: str) -> BotProcess:
        health = free_port()
        config = CONFIG.format(pace=self.args.pace, health=health, lease=self.args.lease,
                               **self.fake.world)
        env = {"DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE": self.fake.base,
               "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{self.fake.world['port']}/gateway",
               "DATABASE_URL": f"sqlite:///{self.db}", "COC_BOT_SEAL_KEYS": self.seal_key,
               "SLACK_BOT_TOKEN": "", "SLACK_APP_TOKEN": "",
               "COC_BOT_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING")}
        bot = await start_bot(name, self.folder, config, env, health)
        self.bots.append(bot)
        await wait_until(lambda: ready(self.fake.http, health), f"{name} was ready", 300,
                         self.bots)
        return bot

    async def count(self) -> dict[str, Any]:
        return await self.fake.get("count")

    async def publish(self) -> float:
        """``/code-admin publish`` once; when the fake sent it (its clock)."""
        sent = await self.fake.publish()

        async def answered() -> list[str]:
            replies: list[str] = (await self.fake.get("replies", token=sent["token"]))["replies"]
            return replies
        await wait_until(answered, "answered /code-admin publish", self.args.timeout, self.bots)
        self.figures["publish_reply"] = (await answered())[-1][:160]
        return float(sent["at"])

    async def until_prompted(self, bot: BotProcess, target: int) -> dict[str, Any]:
        """Poll the fake's count (and the bot's peak RSS) until ``target`` members have
        their prompt."""
        seen: dict[str, Any] = {}

        async def reached() -> bool:
            nonlocal seen
            seen = await self.count()
            self.rss_now = peak_rss_mib(bot)
            return int(seen["prompted"]) >= target
        await wait_until(reached, f"prompted {target} members", self.args.timeout, self.bots)
        return seen

    async def until_done(self, bot: BotProcess) -> None:
        async def done() -> bool:
            self.rss_now = peak_rss_mib(bot)
            return bool((await self.count())["done"])
        await wait_until(done, "told staff every member was asked", self.args.timeout,
                         self.bots)

    async def go(self) -> dict[str, Any]:
        first = await self.start("first")
        published = await self.publish()
        half = await self.until_prompted(first, round(self.args.members * self.args.kill_at))
        first.kill()
        await first.proc.wait()
        self.rss.append(self.rss_now)
        killed_at = time.perf_counter()
        at_kill = int(half["prompted"])
        second = await self.start("second")
        self.figures["restart_to_ready_s"] = round(time.perf_counter() - killed_at, 1)
        if at_kill < self.args.members:
            await self.until_prompted(second, at_kill + 1)
            self.figures["kill_to_next_prompt_s"] = round(time.perf_counter() - killed_at, 1)
        await self.until_done(second)
        self.rss.append(self.rss_now)
        await second.stop()
        report = await self.fake.get("report")
        return self.summary(report, published, half, at_kill)

    def summary(self, report: dict[str, Any], published: float, half: dict[str, Any],
                at_kill: int) -> dict[str, Any]:
        finish = float(report["done_at"]) - published
        sending = float(report["last_prompt_at"]) - float(report["first_prompt_at"])
        return {
            "members": report["members"], "prompted_exactly_once": report["prompted_once"],
            "duplicates": report["more_than_once"], "misses": report["never"],
            "dms_created": report["prompts_created"],
            "dm_requests": report["dm_requests"], "answered_429": report["answered_429"],
            "nonce_deduplicated": report["deduplicated"],
            "nonce_dedup_oldest_s": report["dedup_max_age_s"],
            "prompted_at_kill": at_kill,
            "time_to_half_s": round(float(half["now"]) - published, 1),
            "time_to_finish_s": round(finish, 1),
            "dms_per_s": round(report["prompts_created"] / sending, 1) if sending else None,
            "peak_rss_mib": {"first": self.rss[0], "second": self.rss[1]},
            "outbox_rows": outbox_rows(self.db), **self.figures,
            "pace": self.args.pace, "limit": self.args.limit, "lease": self.args.lease}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with fake_discord(args.members, args.limit) as fake:
            bench = Run(fake, Path(tmp), args)
            try:
                return await bench.go()
            finally:
                for bot in bench.bots:
                    await bot.stop()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--limit", type=int, default=50,
                        help="DM sends a second the fake allows before answering 429")
    parser.add_argument("--pace", type=float, default=60.0,
                        help="the bot's [discord] dms_per_second for the run")
    parser.add_argument("--lease", type=float, default=60.0,
                        help="[ops] outbox_lease_seconds: how long the killed process's "
                             "sends in flight stay claimed (production default 60)")
    parser.add_argument("--kill-at", type=float, default=0.5,
                        help="share of members prompted when the bot is SIGKILLed")
    parser.add_argument("--timeout", type=float, default=3600.0,
                        help="seconds any one stage may take")
    return parser.parse_args(argv)


def main() -> None:
    result = asyncio.run(run(parse()))
    print(json.dumps(result, indent=1))
    once = result["prompted_exactly_once"] == result["members"]
    sys.exit(0 if once else 1)


if __name__ == "__main__":
    main()
