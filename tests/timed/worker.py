"""A real coc-bot process for the crash and two-process tests.

``seed`` fills a SQLite file with suspensions whose lifts fall due around now (plus
thousands of actions far in the future); ``run`` is the bot as ``coc-bot run`` wires it
(``build_app``: real storage, real APScheduler, real services) with a platform that
appends every restored suspension to a log file, so the test can count what reached the
"platform" even from a process it killed with SIGKILL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.app import App, build_app
from bot.core.clock import FakeClock
from bot.core.durations import parse_duration
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import (
    ActionKind,
    ActionStatus,
    Actor,
    Role,
    Sanction,
    SanctionScope,
    SanctionStatus,
    ScheduledAction,
)
from bot.core.services import SuspensionRequest
from bot.core.services._context import schedule
from config.loader import load_settings
from tests.core.recording_platform import RecordingPlatform

STAFF = Actor(PersonRef(PlatformName.DISCORD, "100", "staff"), frozenset({Role.STAFF}))


class LoggingPlatform(RecordingPlatform):
    """Records restores in an append-only file that survives the process being killed."""

    def __init__(self, log_path: str, latency: float = 0.001) -> None:
        super().__init__()
        self._latency = latency
        self._fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def restore(self, sanction: Sanction) -> None:
        await asyncio.sleep(self._latency)  # a real API round trip: the kill can land mid-run
        os.write(self._fd, f"{sanction.id} {os.getpid()}\n".encode())
        await super().restore(sanction)


def settings_for(db: str):  # type: ignore[no-untyped-def]
    return load_settings(None, {"DATABASE_URL": f"sqlite:///{db}"})


async def seed(db: str, due: int, future: int, spread: float, delay: float = 0.0) -> None:
    """``due`` lifts spread over ``spread`` seconds from ``delay`` seconds after the seeding
    ends, ``future`` actions in 30 days.

    Writing a thousand suspensions through the service takes a second on an idle machine
    and half a minute on a loaded one, so the lifts are written to fall due a day out (past
    every running process's horizon, so none starts on them meanwhile) and only then, in
    one transaction, brought to their real time: every lift exists before any falls due,
    however slowly this ran.
    """
    now = datetime.now(UTC)
    clock = FakeClock(now)
    app = await build_app(settings_for(db), clock=clock, worker="seeder")
    app.platforms.register(RecordingPlatform())
    fourteen_days = parse_duration("14d")
    clock.set(now + timedelta(days=1) - timedelta(days=14))
    try:  # closed whatever happens: the database's thread would keep the process alive
        sanctions = [(await app.services.sanctions.suspend(STAFF, SuspensionRequest(
            subject=PersonRef(PlatformName.DISCORD, "100", f"member{n}"),
            duration=fourteen_days, scope=SanctionScope.SPACE, reason="crash test"))).id
            for n in range(due)]
        clock.set(now)
        async with app.storage.transaction() as tx:
            for n in range(future):
                await schedule(tx, app.services.ctx, ActionKind.REPORT_DUE, f"R-F{n:06d}",
                               now + timedelta(days=30, seconds=n))
        await _bring_due(app, sanctions, spread, delay)
    finally:
        await app.close()


async def _bring_due(app: App, sanctions: list[str], spread: float, delay: float) -> None:
    """Move the lifts of ``sanctions`` (and their suspensions' ends) to fall due over
    ``spread`` seconds from ``delay`` seconds from now, in that order, in one transaction."""
    start = datetime.now(UTC) + timedelta(seconds=delay)
    ends = {ref: start + timedelta(seconds=spread * n / max(1, len(sanctions)))
            for n, ref in enumerate(sanctions)}
    async with app.storage.transaction() as tx:
        found = await tx.find(Sanction, id__in=sanctions)
        assert len(found) == len(sanctions), "a seeded suspension is missing"
        await tx.update_all_if([replace(s, ends_at=ends[s.id]) for s in found],
                               status=SanctionStatus.ACTIVE)
        lifts = [await tx.get(ScheduledAction, ScheduledAction.key_for(
            ActionKind.LIFT_SANCTION, ref)) for ref in sanctions]
        moved = await tx.update_all_if([replace(a, due_at=ends[a.subject_id])
                                        for a in lifts if a is not None],
                                       status=ActionStatus.PENDING)
        assert len(moved) == len(sanctions), "a seeded lift is missing or was taken"


async def run(db: str, log_path: str, lease: float, latency: float) -> None:
    app = await build_app(settings_for(db), worker=f"worker-{os.getpid()}",
                          lease=timedelta(seconds=lease), sweep_seconds=1.0)
    app.platforms.register(LoggingPlatform(log_path, latency))
    restored = await app.start_scheduler()
    print(f"ready {restored}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["seed", "run"])
    parser.add_argument("db")
    parser.add_argument("--log", default=os.devnull)
    parser.add_argument("--due", type=int, default=0)
    parser.add_argument("--future", type=int, default=0)
    parser.add_argument("--spread", type=float, default=0.0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--lease", type=float, default=300.0)
    parser.add_argument("--latency", type=float, default=0.001,
                        help="seconds each restore takes on the fake platform")
    args = parser.parse_args()
    if args.mode == "seed":
        asyncio.run(seed(args.db, args.due, args.future, args.spread, args.delay))
    else:
        asyncio.run(run(args.db, args.log, args.lease, args.latency))


if __name__ == "__main__":
    main()
