"""The whole chain under a flood: detect -> delete -> DM -> record -> tell the committee.

Run: ``PYTHONPATH=<tree> .venv/bin/python benchmarks/pipeline.py`` (``--rate``,
``--seconds``, ``--violating``, ``--authors``, ``--drain``). The bot measured is the one
``PYTHONPATH`` imports (run it once with a checkout of main for the baseline); the fake
Discord always comes from this file's own tree and runs in a separate process, so its CPU
does not count against the bot's.

The fake sends ``rate`` MESSAGE_CREATE a second for ``seconds``, a ``violating`` share of
them with a card number, from ``authors`` accounts in turn. The bot runs as in production
(real clock, file SQLite in WAL mode). Reported: whether every violation was deleted and
recorded exactly once, removal DMs per author, message-to-delete p50/p99 (both times taken
in the fake's process), posts and edits in the staff and committee channels, and open
cases per person. Nothing here asserts a time: it prints figures to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent.parent  # the tree the fake Discord comes from

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
"""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def start_fake(authors: int) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """The fake Discord in its own process, from this file's tree (whatever bot runs)."""
    fake = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._pipeline_fake", str(authors)], cwd=HERE,
        env={**os.environ, "PYTHONPATH": str(HERE)},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    return fake, json.loads(fake.stdout.readline())


async def recorded_so_far(app: Any) -> int:
    """How many incidents there are (one indexed count: polling must not load the bot)."""
    from bot.core.models import Incident

    async with app.storage.transaction() as tx:
        return int(await tx.count(Incident))


async def records(app: Any, violating: set[str]) -> tuple[int, int, Counter[str]]:
    """Incidents about the violating messages (all, distinct), and open cases per person."""
    from bot.core.models import Case, Incident

    async with app.storage.transaction() as tx:
        incidents = await tx.find(Incident)
        cases = await tx.find(Case)
    ours = [i.message.id for i in incidents if i.message and i.message.id in violating]
    return len(ours), len(set(ours)), Counter(c.subject.key for c in cases)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from bot.app import build_app
    from bot.discord_io.client import CocBot
    from bot.discord_io.runner import point_at
    from config.loader import load_settings
    from storage import open_migrated

    try:  # as ``coc-bot run`` does (a checkout from before it had the defaults)
        from bot.ops.memory import tune_collector
        tune_collector()
    except ImportError:
        pass
    process, world = start_fake(args.authors)
    base = f"http://127.0.0.1:{world['port']}/api/v10"
    tmp = tempfile.TemporaryDirectory()
    config = Path(tmp.name) / "bench.toml"
    config.write_text(CONFIG.format(**world))
    settings = load_settings(config, {"DISCORD_TOKEN": "x", "DISCORD_API_BASE": base,
                                      "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{world['port']}"
                                                             "/gateway"})
    app = await build_app(settings, storage=await open_migrated(
        f"sqlite:///{tmp.name}/bench.db"))
    await app.start_scheduler()  # as ``coc-bot run`` does: the outbox and timed actions too
    point_at(settings.secrets.discord_api_base, settings.secrets.discord_gateway_url)
    assert settings.discord is not None
    bot = CocBot(app, settings.discord)
    runner = asyncio.create_task(bot.start("x"))
    await asyncio.wait_for(bot.wait_until_ready(), 30)
    cpu0 = time.process_time()
    async with aiohttp.ClientSession() as http:
        await http.post(f"{base}/_bench/load", params={
            "rate": str(args.rate), "seconds": str(args.seconds),
            "violating": str(args.violating)})
        report = await wait_for_drain(http, base, app, args, world)
    cpu = time.process_time() - cpu0
    await bot.close()
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    await app.close()
    assert process.stdin is not None
    process.stdin.close()
    process.wait(10)
    tmp.cleanup()
    report["bot_cpu_s"] = cpu
    report["bot_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return report


async def wait_for_drain(http: aiohttp.ClientSession, base: str, app: Any,
                         args: argparse.Namespace, world: dict[str, Any]) -> dict[str, Any]:
    """Poll until the load is sent and every violation is deleted and recorded, or until
    ``--drain`` seconds after the load ended; then summarise."""
    ended: float | None = None
    load_cpu = time.process_time()
    while True:
        await asyncio.sleep(0.5)
        async with http.get(f"{base}/_bench/report", params={"counts": "1"}) as answer:
            counts = await answer.json()  # counts only: polling must not load the bot
        if counts["load_done"] and ended is None:
            ended = time.perf_counter()
            load_cpu = time.process_time() - load_cpu  # the bot's CPU while the load ran
        done = counts["load_done"] and counts["deleted"] >= counts["violations"] \
            and await recorded_so_far(app) >= counts["violations"]
        if done or (ended is not None and time.perf_counter() - ended > args.drain):
            await asyncio.sleep(1.0)  # let the last alert edits land before reading them
            async with http.get(f"{base}/_bench/report") as answer:
                seen = await answer.json()
            recorded, distinct, cases = await records(app, set(seen["sent_at"]))
            report = summarise(seen, recorded, distinct, cases,
                               time.perf_counter() - ended if ended else 0.0, world)
            report["bot_cpu_during_load_s"] = round(load_cpu, 1)
            report["fake_cpu_during_load_s"] = round(seen["load_cpu"], 1)
            return report


def summarise(seen: dict[str, Any], recorded: int, distinct: int, cases: Counter[str],
              drained_after: float, world: dict[str, Any]) -> dict[str, Any]:
    sent, deleted = seen["sent_at"], seen["deleted_at"]
    latencies = [(deleted[m] - t) * 1000 for m, t in sent.items() if m in deleted]
    dms = seen["removal_dms"]
    return {
        "messages": seen["total"], "achieved_rate": round(seen["achieved"]),
        "violations": len(sent), "deleted": len(deleted), "incidents": recorded,
        "distinct_incidents": distinct, "drained_after_s": round(drained_after, 1),
        "authors_told": len(dms), "removal_dms": sum(dms.values()),
        "max_dms_per_author": max(dms.values(), default=0),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "p99_ms_by_second": by_second(sent, deleted),
        "staff_posts": seen["posts"].get(str(world["queue"]), 0),
        "committee_posts": seen["posts"].get(str(world["committee"]), 0),
        "staff_edits": seen["edits"].get(str(world["queue"]), 0),
        "committee_edits": seen["edits"].get(str(world["committee"]), 0),
        "posts_in_case_threads": sum(n for c, n in seen["posts"].items()
                                     if c not in (str(world["queue"]),
                                                  str(world["committee"]))),
        "first_staff_posts": seen["samples"].get(str(world["queue"]), []),
        "max_cases_per_person": max(cases.values(), default=0),
        "people_with_cases": len(cases)}


def by_second(sent: dict[str, float], deleted: dict[str, float]) -> list[float]:
    """Message-to-delete p99 for the messages sent in each second of the load: a figure
    that grows second after second means the bot falls behind; a spike, a stall."""
    if not sent:
        return []
    start = min(sent.values())
    buckets: dict[int, list[float]] = {}
    for message, at in sent.items():
        if message in deleted:
            buckets.setdefault(int(at - start), []).append((deleted[message] - at) * 1000)
    return [round(percentile(buckets[n], 99)) for n in sorted(buckets)]


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=2000, help="messages per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--violating", type=float, default=0.5, help="share that breaks the Code")
    parser.add_argument("--authors", type=int, default=500)
    parser.add_argument("--drain", type=float, default=60.0,
                        help="seconds after the load to wait for the bot to catch up")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=1))


if __name__ == "__main__":
    main()
