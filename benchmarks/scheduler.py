"""How fast pending timed actions come back after a restart, how late lifts fire, and
what 100,000 pending actions cost in memory.

Run: ``.venv/bin/python -m benchmarks.scheduler`` (add ``--quick`` for a smoke run).
Everything runs on a SQLite file in a temporary folder, through ``build_app`` as the bot
wires itself, with the real APScheduler and the real services; only the chat platform is
a recording fake (which notes the moment each restore reached it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

from bot.app import App, build_app
from bot.core.clock import FakeClock
from bot.core.durations import parse_duration
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import ActionKind, Actor, Role, Sanction, SanctionScope
from bot.core.services import SuspensionRequest
from bot.core.services._context import schedule
from bot.scheduler import MAX_WOKEN
from config.loader import load_settings
from tests.core.recording_platform import RecordingPlatform

STAFF = Actor(PersonRef(PlatformName.DISCORD, "100", "staff"), frozenset({Role.STAFF}))


class TimingPlatform(RecordingPlatform):
    """Notes when each restore arrives, in wall-clock time, to measure lateness."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.restored_at: dict[str, datetime] = {}
        self.expected = expected
        self.all_done = asyncio.Event()

    async def restore(self, sanction: Sanction) -> None:
        self.restored_at[sanction.id] = datetime.now(UTC)
        if len(self.restored_at) >= self.expected:
            self.all_done.set()
        await super().restore(sanction)


async def open_app(db: Path, clock: FakeClock | None = None) -> App:
    settings = load_settings(None, {"DATABASE_URL": f"sqlite:///{db}"})
    return await build_app(settings, clock=clock, worker="bench")


async def seed_actions(db: Path, count: int, first: timedelta, spread: timedelta) -> None:
    app = await open_app(db)
    now = datetime.now(UTC)
    async with app.storage.transaction() as tx:
        for n in range(count):
            await schedule(tx, app.services.ctx, ActionKind.REPORT_DUE, f"R-{n:07d}",
                           now + first + spread * n / count)
    await app.close()


async def restore_time(folder: Path, count: int) -> float:
    """Seconds for ``scheduler.start()`` to read back ``count`` actions and schedule them."""
    db = folder / "restore.db"
    await seed_actions(db, count, timedelta(minutes=5), timedelta(minutes=50))
    app = await open_app(db)
    try:
        started = time.perf_counter()
        restored = await app.scheduler.start()
        elapsed = time.perf_counter() - started
        if restored != count:
            raise SystemExit(f"restored {restored} of {count} pending actions")
    finally:
        await app.close()
    return elapsed


async def lift_lateness(folder: Path, count: int, spread: float) -> list[float]:
    """Seconds between each suspension's end and its restore reaching the platform."""
    db = folder / "lateness.db"
    start = datetime.now(UTC) + timedelta(seconds=2)
    clock = FakeClock(start)
    seeder = await open_app(db, clock)
    seeder.platforms.register(RecordingPlatform())
    for n in range(count):
        ends = start + timedelta(seconds=spread * n / count)
        clock.set(ends - timedelta(days=14))
        await seeder.services.sanctions.suspend(STAFF, SuspensionRequest(
            subject=PersonRef(PlatformName.DISCORD, "100", f"m{n}"),
            duration=parse_duration("14d"), scope=SanctionScope.SPACE, reason="benchmark"))
    await seeder.close()

    app = await open_app(db)
    platform = TimingPlatform(count)
    app.platforms.register(platform)
    await app.start_scheduler()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(platform.all_done.wait(), timeout=spread + 30)
    async with app.storage.transaction() as tx:
        sanctions = await tx.find(Sanction)
    await app.close()
    if len(platform.restored_at) < count:
        raise SystemExit(f"only {len(platform.restored_at)} of {count} lifts fired")
    return [(platform.restored_at[s.id] - s.ends_at).total_seconds()
            for s in sanctions if s.ends_at is not None]


async def memory(folder: Path, count: int, within_horizon: bool) -> tuple[float, float]:
    """RSS growth (MiB) of restoring ``count`` pending actions, and the restore time."""
    db = folder / f"memory-{within_horizon}.db"
    if within_horizon:
        await seed_actions(db, count, timedelta(minutes=5), timedelta(minutes=50))
    else:
        await seed_actions(db, count, timedelta(hours=2), timedelta(days=365))
    gc.collect()
    process = psutil.Process()
    before = process.memory_info().rss
    app = await open_app(db)
    started = time.perf_counter()
    await app.scheduler.start()
    elapsed = time.perf_counter() - started
    gc.collect()
    grown = (process.memory_info().rss - before) / 2**20
    await app.close()
    return grown, elapsed


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def main(quick: bool) -> None:
    restore_count = 1_000 if quick else 10_000
    lifts, spread = (100, 3.0) if quick else (1_000, 10.0)
    big = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        elapsed = await restore_time(folder, restore_count)
        print(f"restore {restore_count:,} pending actions at start-up: {elapsed:.3f} s "
              f"(target < 1 s)")
        late = await lift_lateness(folder, lifts, spread)
        print(f"lift lateness over {lifts:,} lifts due within {spread:.0f} s: "
              f"p50 {statistics.median(late) * 1000:.1f} ms, "
              f"p99 {percentile(late, 99) * 1000:.1f} ms, max {max(late) * 1000:.1f} ms "
              f"(target p99 < 1 s)")
        grown, took = await memory(folder, big, within_horizon=False)
        print(f"{big:,} pending actions spread over a year: +{grown:.1f} MiB RSS, "
              f"start-up {took:.3f} s (only the next hour is held in APScheduler)")
        grown, took = await memory(folder, big, within_horizon=True)
        print(f"{big:,} pending actions all due within the hour (worst case): "
              f"+{grown:.1f} MiB RSS, start-up {took:.3f} s (at most {MAX_WOKEN:,} "
              "held in APScheduler at once)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller numbers, for a smoke run")
    asyncio.run(main(parser.parse_args().quick))
