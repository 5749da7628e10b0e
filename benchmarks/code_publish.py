"""A Code re-acceptance for 50,000 members, with the bot SIGKILLed twice on the way.

Run: ``.venv/bin/python -m benchmarks.code_publish`` (``--members``, ``--pace``,
``--limit``). The fake Discord runs in its own process (``benchmarks._publish_fake``)
with a guild of ``--members`` members and a DM rate limit of ``--limit`` a second (beyond
it, 429 with Retry-After). The bot is a real ``coc-bot run`` process on a SQLite file,
its outbox paced at ``--pace`` DMs a second (``[discord] dms_per_second``; the default of
5 would take 10,000 s for 50,000 members, so the benchmark raises it, at or above the
fake's limit so that the 429 path is exercised).

Staff run ``/code-admin publish``. The bot is SIGKILLed once while it is still queueing
the prompts (a share of ``acceptance_prompts`` written), restarted, SIGKILLed again once
half the members have their DM, and restarted. The run ends when the bot tells staff that
everyone was asked. It reports: members prompted exactly once / more than once / never,
resends the fake answered from its nonce record (Discord's idempotent send), 429s,
the total time from publish to the last prompt and DMs a second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent.parent

CONFIG = """
[discord]
guild_id = {guild}
staff_role_id = {role}
committee_role_id = {role}
counsel_role_id = {role}
executive_role_id = {role}
staff_queue_channel_id = {queue}
committee_channel_id = {committee}
executive_channel_id = {committee}
dms_per_second = {pace}
"""


def start_fake(members: int, limit: float) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    fake = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._publish_fake", str(members), str(limit)],
        cwd=HERE, env={**os.environ, "PYTHONPATH": str(HERE)},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    return fake, json.loads(fake.stdout.readline())


def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=HERE, env=env,
                                stdout=out, stderr=out)


def prompts_written(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM acceptance_prompts").fetchone()[0])
    except sqlite3.Error:
        return 0


def outbox_rows(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM outbox "
                                 "WHERE batch LIKE 'code/%' GROUP BY status").fetchall())


async def report(http: aiohttp.ClientSession, base: str) -> dict[str, Any]:
    async with http.get(f"{base}/_bench/report") as resp:
        answer: dict[str, Any] = await resp.json()
        return answer


async def until(check: Any, what: str, limit: float, every: float = 0.05) -> None:
    deadline = time.monotonic() + limit
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting until {what}")
        await asyncio.sleep(every)


async def publish(http: aiohttp.ClientSession, base: str) -> tuple[float, str]:
    """Run /code-admin publish until the bot answers (an interaction that arrives before
    the bot has loaded the guild is dropped, as on Discord); when it was sent, and the
    reply."""
    for _ in range(30):
        started = time.perf_counter()
        async with http.post(f"{base}/_bench/publish") as resp:
            token = (await resp.json())["token"]

        async def answered(token: str = token) -> bool:
            async with http.get(f"{base}/_bench/report", params={"token": token}) as resp:
                return bool((await resp.json())["replies"])
        try:
            await until(answered, "the bot answered /code-admin publish", 5, 0.05)
        except TimeoutError:
            continue
        async with http.get(f"{base}/_bench/report", params={"token": token}) as resp:
            return started, str((await resp.json())["replies"][-1])
    raise TimeoutError("the bot never answered /code-admin publish")


def kill(bot: subprocess.Popen[bytes]) -> None:
    bot.send_signal(signal.SIGKILL)
    bot.wait(30)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    fake, world = start_fake(args.members, args.limit)
    base = f"http://127.0.0.1:{world['port']}/api/v10"
    tmp = tempfile.TemporaryDirectory()
    db, log = Path(tmp.name) / "bench.db", Path(tmp.name) / "bot.log"
    config = Path(tmp.name) / "bench.toml"
    config.write_text(CONFIG.format(pace=args.pace, **world))
    env = {**os.environ, "PYTHONPATH": str(HERE), "COC_BOT_CONFIG": str(config),
           "DATABASE_URL": f"sqlite:///{db}", "DISCORD_TOKEN": "x",
           "DISCORD_API_BASE": base, "DISCORD_GATEWAY_URL":
           f"ws://127.0.0.1:{world['port']}/gateway",
           "COC_BOT_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING")}
    env.pop("SLACK_BOT_TOKEN", None)
    notes: list[str] = []
    bot = start_bot(env, log)
    try:
        async with aiohttp.ClientSession() as http:
            async def synced() -> bool:
                return bool((await report(http, base))["synced"])
            await until(synced, "the bot synced its commands", 120, 0.2)
            started = await publish(http, base)
            notes.append(f"publish answered: {started[1][:120]!r}")
            started = started[0]

            async def queueing() -> bool:
                return prompts_written(db) >= args.members * args.first_kill
            try:
                await until(queueing, "a share of the prompts is queued", 120, 0.01)
                written = prompts_written(db)
                kill(bot)
                notes.append(f"SIGKILL 1 while queueing: {written:,} of {args.members + 1:,} "
                             "prompts written")
            except TimeoutError:
                notes.append("SIGKILL 1 not done: the queueing was not caught in progress")
            bot = start_bot(env, log)

            async def half() -> bool:
                return int((await report(http, base))["prompted"]) >= args.members // 2
            await until(half, "half the members were prompted", args.timeout, 0.2)
            kill(bot)
            notes.append(f"SIGKILL 2 after {(await report(http, base))['prompted']:,} members "
                         f"had their DM; {prompts_written(db):,} prompts written")
            bot = start_bot(env, log)

            async def done() -> bool:
                return any("every member has been asked" in t
                           for t in (await report(http, base))["staff"])
            await until(done, "staff were told everyone was asked", args.timeout, 0.5)
            final = await report(http, base)
        elapsed = final["last_prompt_at"] - started
        members = set(final["members"])
        prompted = int(final["prompted"])
        return {
            "members": len(members), "prompted_once": prompted - len(final["repeated"]),
            "prompted_twice_or_more": len(final["repeated"]),
            "never_prompted": len(members) - prompted, "prompts": final["prompts"],
            "nonce_deduplicated": final["deduplicated"], "answered_429": final["limited"],
            "seconds_publish_to_last_prompt": round(elapsed, 1),
            "dms_per_second": round(final["prompts"] / elapsed, 1),
            "outbox": outbox_rows(db), "done_notice": [
                t for t in final["staff"] if "every member has been asked" in t][-1],
            "kills": notes, "pace": args.pace, "limit": args.limit}
    finally:
        if bot.poll() is None:
            bot.send_signal(signal.SIGTERM)
            bot.wait(60)
        assert fake.stdin is not None
        fake.stdin.close()
        fake.wait(30)
        if os.environ.get("BENCH_KEEP_LOG"):
            print(log.read_text()[-20000:], file=sys.stderr)
        tmp.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--pace", type=float, default=400.0,
                        help="[discord] dms_per_second for the run")
    parser.add_argument("--limit", type=float, default=300.0,
                        help="DMs a second the fake allows before answering 429")
    parser.add_argument("--first-kill", type=float, default=0.3,
                        help="share of prompts written when the first SIGKILL comes")
    parser.add_argument("--timeout", type=float, default=1800.0)
    result = asyncio.run(run(parser.parse_args()))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
