"""APScheduler wakes the bot; the database decides what runs.

At start-up every pending action within the horizon is read back and its second gets
an APScheduler date job (one per second, however many actions fall due in it); past-due
ones run at once (``misfire_grace_time=None``, so a job that is late by hours still runs
instead of being silently skipped). Actions further
away than the horizon stay only in the database and are picked up by the minute sweep
as they come close, which keeps memory flat with 100,000 pending actions. The sweep also
catches a wake-up lost to a crash or to another process having written the row.

With several processes on one database, an action created in one process must not wait
for the others' next sweep: ``wake`` (called by the services after a commit) also
publishes on the ``Notifier``'s ``timed`` topic, and every process sweeps when it hears
it. The sweep's own wake-ups do not publish, or the processes would wake each other for
ever.

A wake-up does not run its action alone: it starts a *drain*, which claims every action
due now in batches of ``BATCH`` (one transaction each, ``TimedActionService.run_batch``)
until none is left, with ``DRAINERS`` batches under way at once so one batch's platform
calls overlap the next one's claim. 10,000 lifts falling due together cost 50 claims
instead of 10,000, and processes draining together take disjoint batches.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING

from bot.core.clock import Clock
from bot.core.models import ScheduledAction
from bot.core.ports import Notifier
from bot.core.services.timed import BATCH, TimedActionService

log = logging.getLogger(__name__)

HORIZON = timedelta(hours=1)
SWEEP_SECONDS = 60.0
MAX_WOKEN = 1_000
"""At most this many upcoming actions are read by a sweep and held as APScheduler jobs;
when more fall due within the horizon, the sweep comes back when the last one held is
due, so memory, start-up time and the sweep's turn holding the database stay flat
however many actions pile up in an hour (every process sweeps when told of new actions;
the drain claims everything due, woken or not)."""
DRAINERS = 2
"""Batches of timed actions under way at once: thousands falling due at once (after a
long outage) must neither flood the platform's rate limits nor keep thousands of claimed,
half-done actions in flight for a crash to interrupt (at most ``DRAINERS * BATCH``)."""
TOPIC = "timed"
"""The notifier topic on which processes say a timed action was created or moved."""
_HOUSEKEEPING = frozenset({"sweep", "sweep-more", "renew"})


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class ActionScheduler:
    """Implements the ``Waker`` port on top of an ``AsyncIOScheduler``."""

    def __init__(self, clock: Clock, sweep_seconds: float = SWEEP_SECONDS,
                 horizon: timedelta = HORIZON, drainers: int = DRAINERS,
                 max_woken: int = MAX_WOKEN, notifier: Notifier | None = None,
                 batch: int = BATCH) -> None:
        self._clock = clock
        self._notifier = notifier
        self._dirty = False
        self._announcer: asyncio.Task[None] | None = None
        self._scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={
            "misfire_grace_time": None, "coalesce": True, "max_instances": 1})
        self._runner: TimedActionService | None = None
        self._sweep_seconds = sweep_seconds
        self._horizon = horizon
        self._started = False
        self._drainers_max, self._batch = drainers, batch
        self._drainers: set[asyncio.Task[None]] = set()
        self._again = False  # woken while draining: drain once more before resting
        self._max_woken = max_woken
        self._idle = asyncio.Event()
        self._idle.set()

    def attach(self, runner: TimedActionService) -> None:
        self._runner = runner

    @property
    def waiting(self) -> int:
        """Actions held as APScheduler jobs, waiting for their time (not the sweeps)."""
        return len([job for job in self._scheduler.get_jobs() if job.id not in _HOUSEKEEPING])

    @property
    def running(self) -> bool:
        """Started, not stopped or paused, and still sweeping (what readiness checks)."""
        return (self._started and self._scheduler.state == STATE_RUNNING
                and self._scheduler.get_job("sweep") is not None)

    @property
    def in_flight(self) -> int:
        """Actions claimed here and not yet finished, or 1 while a drain is under way."""
        assert self._runner is not None
        return max(len(self._runner.running), 1 if self._drainers else 0)

    async def start(self) -> int:
        """Restore pending actions from the database, then start waking up for them."""
        if self._runner is None:
            raise RuntimeError("attach a TimedActionService before starting")
        self._scheduler.start()
        self._started = True
        if self._notifier is not None:
            self._notifier.subscribe(TOPIC, self.sweep)
        restored = await self.sweep()
        self._scheduler.add_job(self.sweep, "interval", seconds=self._sweep_seconds,
                                id="sweep", replace_existing=True)
        self._scheduler.add_job(self.renew, "interval", id="renew", replace_existing=True,
                                seconds=max(0.5, self._runner.lease.total_seconds() / 3))
        log.info("scheduler started with %d pending actions in the next %s", restored,
                 self._horizon)
        return restored

    async def sweep(self) -> int:
        """Schedule every pending action due within the horizon (past-due ones run now).

        Runs a crashed process left half-done are woken too, for when their lease ends;
        without this a SIGKILL mid-run would strand the action in ``running`` for ever.
        """
        assert self._runner is not None
        now = self._clock.now()
        upcoming = await self._runner.pending(before=now + self._horizon,
                                              limit=self._max_woken)
        if len(upcoming) == self._max_woken:
            # Not sooner than a second from now: the actions just woken are still pending
            # until claimed, and an immediate re-sweep would only find them again.
            self._scheduler.add_job(self.sweep, "date", id="sweep-more",
                                    run_date=max(upcoming[-1].due_at,
                                                 now + timedelta(seconds=1)),
                                    replace_existing=True)
        running = self._runner.running
        for action in upcoming:
            self._wake_at(action.due_at)
        abandoned = await self._runner.abandoned()
        for action in abandoned:
            retake = (action.claimed_at or now) + self._runner.lease
            if retake <= now + self._horizon and action.id not in running:
                self._wake_at(retake)
        return len(upcoming) + len(abandoned)

    async def renew(self) -> int:
        """Keep the claims of actions still running here from looking abandoned."""
        assert self._runner is not None
        running = self._runner.running
        if not running:
            return 0
        return await self._runner.renew(sorted(running))

    def wake(self, action: ScheduledAction) -> None:
        """An action was created or moved here: wake for it, and tell the other processes."""
        self._wake(action)
        self._announce()

    def _announce(self) -> None:
        """Publish on the ``timed`` topic, coalescing a burst of wakes into few writes but
        never losing the last one (a wake during a publish publishes once more after it)."""
        if self._notifier is None or not self._started or TOPIC in self._notifier.announces:
            return
        self._dirty = True
        if self._announcer is None or self._announcer.done():
            self._announcer = asyncio.get_running_loop().create_task(self._publish())

    async def _publish(self) -> None:
        assert self._notifier is not None
        while self._dirty:
            self._dirty = False
            try:
                await self._notifier.publish(TOPIC)
            except Exception as exc:  # a hint only: the others' sweep still finds the row
                log.warning("could not tell the other processes about a timed action: %s",
                            exc)

    def _wake(self, action: ScheduledAction) -> None:
        if not self._started:
            return
        if action.due_at > self._clock.now() + self._horizon:
            return
        self._wake_at(action.due_at)

    def _wake_at(self, moment: datetime) -> None:
        """Drain now if ``moment`` has come, else at the end of its second: one job per
        second however many actions fall due in it (each drain claims them all), so
        10,000 lifts in half a minute are 30 jobs, not 10,000. A moved or cancelled
        action leaves its job behind: a drain finding nothing due costs one query."""
        if not self._started:
            return
        if moment <= self._clock.now():
            self._drain()
            return
        second = math.ceil(moment.timestamp())
        job = f"wake@{second}"
        if self._scheduler.get_job(job) is None:
            self._scheduler.add_job(self._run, "date", id=job,
                                    run_date=datetime.fromtimestamp(second, UTC))

    async def _run(self) -> None:
        """A second some actions were due in has come: drain everything due."""
        self._drain()

    def _drain(self) -> None:
        """Start a drainer unless enough are running; a running one drains again."""
        if not self._started:
            return
        self._again = True
        if len(self._drainers) >= self._drainers_max:
            return
        self._idle.clear()
        task = asyncio.get_running_loop().create_task(self._draining())
        self._drainers.add(task)

    async def _draining(self) -> None:
        """Run batches until a claim finds nothing due and nobody woke us meanwhile."""
        assert self._runner is not None
        try:
            while self._started:
                self._again = False
                if not await self._runner.run_batch(self._batch) and not self._again:
                    break
        except Exception:  # never let one batch kill the scheduler; the sweep retries
            log.exception("running a batch of timed actions crashed")
        finally:
            task = asyncio.current_task()
            if task is not None:
                self._drainers.discard(task)
            if not self._drainers:
                self._idle.set()

    async def stop(self, grace: float = 10.0) -> None:
        """Stop waking, and let actions already running finish before storage closes.

        An action cut off here is not lost (its lease runs out and it is retaken), but
        finishing it now saves the person a wait of one lease.
        """
        if self._started:
            # Pause first: APScheduler's asyncio executor cancels running jobs on
            # shutdown, which would cut actions off between their effect and their commit.
            self._scheduler.pause()
            self._started = False
            if self._announcer is not None:
                await asyncio.gather(self._announcer, return_exceptions=True)
            try:
                await asyncio.wait_for(self._idle.wait(), timeout=grace)
            except TimeoutError:
                log.warning("stopped with %d timed actions still running; they will be "
                            "retaken when their lease ends", len(self._runner.running)
                            if self._runner is not None else 0)
            self._scheduler.shutdown(wait=False)
