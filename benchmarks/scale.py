"""Several ``coc-bot run`` processes on one database: what scales, and what it costs.

Run: ``PYTHONPATH=<tree> .venv/bin/python -m benchmarks.scale`` (``--lifts``,
``--events``, ``--concurrency``, ``--processes 1 2 3``). PostgreSQL is the server named by
``COC_BOT_TEST_POSTGRES_URL``, or a throwaway one started as the test suite does
(``tests/pg_server.py``); each run gets a fresh schema. The processes are real
``coc-bot run`` processes against the fake Discord and fake Slack of the tests (the fakes
run in this process, so their CPU counts against the machine, not the bot).

Two workloads, each run with 1, 2 and 3 processes on PostgreSQL, and with one process
on SQLite (a file in WAL mode) for the same single-process comparison:

- **Timed actions**: ``--lifts`` suspensions are written while the processes run, their
  lifts an hour away; then one transaction moves every lift to now (the moment 2,000
  lifts fall due at once) and the clock starts. Stops when every lift is done; checks
  each ran exactly once (one ``conversations.invite`` per person, one attempt each).
- **Slack events**: ``--events`` signed ``message`` events (HTTP mode), sent round-robin
  to the processes ``--concurrency`` at a time, as a load balancer would. Stops when the
  last one is acknowledged; checks each was claimed once in the database.

Nothing here asserts a time: it prints a table of throughputs and ratios to one process.
On a machine with fewer cores than processes, more processes cannot go faster than the
cores allow, and every transaction still takes the one-writer lock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bot.app import build_app
from bot.core.clock import FakeClock
from bot.core.durations import parse_duration
from bot.core.identity import PersonRef, PlaceRef, PlatformName
from bot.core.models import (
    ActionKind,
    ActionStatus,
    Actor,
    RequestClaim,
    Role,
    SanctionScope,
    ScheduledAction,
)
from bot.core.services.sanctions import SuspensionRequest
from bot.scheduler import TOPIC
from config.loader import load_settings
from storage import notifier_for, open_storage
from tests import pg_server
from tests.core.recording_platform import RecordingPlatform
from tests.scale.processes import port_open, wait_until
from tests.scale.test_three_processes import Cluster
from tests.slack.conftest import GENERAL, SECRET, STAFF_USER, SUBJECT, TEAM, sign
from tests.slack.conftest import seed as seed_slack

LIFT = {"kind": ActionKind.LIFT_SANCTION}


@dataclass
class Result:
    backend: str
    processes: int
    lifts_per_s: float
    events_per_s: float


async def _schema(server_url: str, name: str) -> str:
    import asyncpg

    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}")
    finally:
        await admin.close()
    joiner = "&" if "?" in server_url else "?"
    return f"{server_url}{joiner}search_path={name}"


async def _start(folder: Path, url: str, processes: int) -> Cluster:
    cluster = Cluster(folder, url)
    await cluster.discord.start()
    seed_slack(cluster.slack)
    cluster.api = await cluster.slack.start()
    for n in range(processes):
        await cluster.add(f"bot{n}", wait=False)
    for bot in cluster.bots:
        await wait_until(lambda bot=bot: port_open(bot.http_port),  # type: ignore[misc]
                         f"{bot.name} served Slack", 120, cluster.bots)
    cluster.store = await open_storage(url)
    return cluster


async def _write_lifts(cluster: Cluster, count: int) -> list[str]:
    """Suspensions from a writing-only process; their lifts beyond the processes' one-hour
    horizon, so no process holds a wake-up for them before they are moved."""
    settings = load_settings(cluster.tmp / "bot0.toml", {
        "SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": SECRET, "DATABASE_URL": cluster.url,
        "COC_BOT_SEAL_KEYS": cluster.seal_key})
    writer = await build_app(settings, clock=FakeClock(datetime.now(UTC)),
                             storage=await open_storage(cluster.url), notify=False)
    writer.platforms.register(RecordingPlatform(PlatformName.SLACK, TEAM))
    staff = Actor(PersonRef(PlatformName.SLACK, TEAM, STAFF_USER), frozenset({Role.STAFF}))
    users = [f"ULIFT{n:05d}" for n in range(count)]
    try:
        for user in users:
            await writer.services.sanctions.suspend(staff, SuspensionRequest(
                subject=PersonRef(PlatformName.SLACK, TEAM, user),
                duration=parse_duration("2h"), scope=SanctionScope.CHANNEL,
                channel=PlaceRef(PlatformName.SLACK, TEAM, GENERAL), reason="benchmark"))
    finally:
        await writer.close()
    return users


async def _lifts(cluster: Cluster, count: int) -> float:
    users = await _write_lifts(cluster, count)
    store = cluster.store
    assert store is not None
    async with store.transaction() as tx:  # they all fall due at once; on commit the
        due = datetime.now(UTC) - timedelta(seconds=1)  # others are told (NOTIFY/poll)
        for action in await tx.find(ScheduledAction, **LIFT):
            await tx.update(replace(action, due_at=due))
    started = time.perf_counter()
    notifier = notifier_for(store)
    if TOPIC not in notifier.announces:  # SQLite: say so, as the scheduler would
        await notifier.publish(TOPIC)

    async def done() -> bool:
        return not await cluster.count(ScheduledAction, status__ne=ActionStatus.DONE, **LIFT)
    await wait_until(done, "ran every lift", 3600, cluster.bots)
    elapsed = time.perf_counter() - started
    invites = Counter(str(c.get("users")) for c in cluster.slack.called("conversations.invite"))
    async with store.transaction() as tx:
        runs = await tx.find(ScheduledAction, **LIFT)
    if any(invites[u] != 1 for u in users) or any(r.attempts != 1 for r in runs):
        raise AssertionError("a lift ran twice or not at all")
    return count / elapsed


def _event(n: int) -> str:
    ts = f"{1_700_000_000 + n}.000100"
    return json.dumps({
        "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
        "event_id": f"EvBench{n}", "event_time": int(time.time()), "event": {
            "type": "message", "channel": GENERAL, "user": SUBJECT, "text": f"hello {n}",
            "ts": ts, "event_ts": ts, "channel_type": "channel", "team": TEAM}})


async def _events(cluster: Cluster, count: int, concurrency: int) -> float:
    bodies = [_event(n) for n in range(count)]
    gate = asyncio.Semaphore(concurrency)

    async def send(session: aiohttp.ClientSession, n: int) -> None:
        bot = cluster.bots[n % len(cluster.bots)]
        now = int(time.time())
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(now),
                   "X-Slack-Signature": sign(bodies[n], now)}
        async with gate, session.post(f"http://127.0.0.1:{bot.http_port}/slack/events",
                                      data=bodies[n].encode(), headers=headers) as resp:
            if resp.status != 200:
                raise AssertionError(f"event {n}: HTTP {resp.status}")
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        await asyncio.gather(*(send(session, n) for n in range(count)))
        elapsed = time.perf_counter() - started
    claimed = await cluster.count(RequestClaim)
    if claimed < count:
        raise AssertionError(f"{count} events sent, {claimed} claimed")
    return count / elapsed


async def _run(backend: str, url: str, processes: int, args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory(prefix="coc-bot-scale-") as folder:
        cluster = await _start(Path(folder), url, processes)
        try:
            events = await _events(cluster, args.events, args.concurrency)
            lifts = await _lifts(cluster, args.lifts)
        finally:
            await cluster.stop()
    result = Result(backend, processes, lifts, events)
    print(f"  {backend} x{processes}: {lifts:,.0f} lifts/s, {events:,.0f} events/s",
          flush=True)
    return result


def _table(results: list[Result]) -> str:
    base = next(r for r in results if r.backend == "postgresql" and r.processes == 1)
    lines = ["backend     procs  lifts/s  ratio  events/s  ratio",
             "----------  -----  -------  -----  --------  -----"]
    for r in results:
        lines.append(f"{r.backend:<10}  {r.processes:>5}  {r.lifts_per_s:>7,.0f}  "
                     f"{r.lifts_per_s / base.lifts_per_s:>5.2f}  {r.events_per_s:>8,.0f}  "
                     f"{r.events_per_s / base.events_per_s:>5.2f}")
    return "\n".join(lines) + "\n(ratios to one process on PostgreSQL)"


async def main(args: argparse.Namespace) -> None:
    server = pg_server.start()
    results = []
    try:
        for n in args.processes:
            url = await _schema(server.url, f"bench_scale_{n}")
            results.append(await _run("postgresql", url, n, args))
        with tempfile.TemporaryDirectory(prefix="coc-bot-scale-db-") as folder:
            results.append(await _run("sqlite", f"sqlite:///{folder}/scale.db", 1, args))
    finally:
        server.stop()
    print(_table(results))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifts", type=int, default=2000)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 3])
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
