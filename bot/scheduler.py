"""APScheduler wakes the bot; the database decides what runs.

At start-up every pending action within the horizon is read back and given an
APScheduler date job; past-due ones run at once (``misfire_grace_time=None``, so a job
that is late by hours still runs instead of being silently skipped). Actions further
away than the horizon stay only in the database and are picked up by the minute sweep
as they come close, which keeps memory flat with 100,000 pending actions. The sweep also
catches a wake-up lost to a crash or to another process having written the row.

With several processes on one database, an action created in one process must not wait
for the others' next sweep: ``wake`` (called by the services after a commit) also
publishes on the ``Notifier``'s ``timed`` topic, and every process sweeps when it hears
it. The sweep's own wake-ups do not publish, or the processes would wake each other for
ever.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_RUNNING

from bot.core.clock import Clock
from bot.core.models import ScheduledAction
from bot.core.ports import Notifier
from bot.core.services.timed import TimedActionService

log = logging.getLogger(__name__)

HORIZON = timedelta(hours=1)
SWEEP_SECONDS = 60.0
MAX_WOKEN = 10_000
"""At most this many upcoming actions are held as APScheduler jobs at once; when more fall
due within the horizon, the sweep comes back when the last one held is due, so memory
and start-up time stay flat however many actions pile up in an hour."""
CONCURRENCY = 8
TOPIC = "timed"
"""The notifier topic on which processes say a timed action was created or moved."""
_HOUSEKEEPING = frozenset({"sweep", "sweep-more", "renew"})
"""Timed actions run at most this many at a time: thousands falling due at once (after a
long outage) must neither flood the platform's rate limits nor keep thousands of claimed,
half-done actions in flight for a crash to interrupt."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class ActionScheduler:
    """Implements the ``Waker`` port on top of an ``AsyncIOScheduler``."""

    def __init__(self, clock: Clock, sweep_seconds: float = SWEEP_SECONDS,
                 horizon: timedelta = HORIZON, concurrency: int = CONCURRENCY,
                 max_woken: int = MAX_WOKEN, notifier: Notifier | None = None) -> None:
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
        self._slots = asyncio.Semaphore(concurrency)
        self._max_woken = max_woken
        self._inflight: set[str] = set()
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
        """Actions woken and not yet finished (running or waiting for a slot)."""
        return len(self._inflight)

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
        for action in upcoming:
            # A job already waiting keeps its time: if another process moved the action,
            # the claim re-reads the row and refuses early runs, and the next sweep
            # re-wakes it for its new time. This keeps a sweep cheap with 100,000 rows.
            if action.id not in self._inflight and self._scheduler.get_job(action.id) is None:
                self._wake(action)
        abandoned = await self._runner.abandoned()
        for action in abandoned:
            retake = (action.claimed_at or now) + self._runner.lease
            if (retake <= now + self._horizon and action.id not in self._inflight
                    and self._scheduler.get_job(action.id) is None):
                self._wake_at(action.id, retake)
        return len(upcoming) + len(abandoned)

    async def renew(self) -> int:
        """Keep the claims of actions still running here from looking abandoned."""
        assert self._runner is not None
        if not self._inflight:
            return 0
        return await self._runner.renew(list(self._inflight))

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
        self._wake_at(action.id, action.due_at)

    def _wake_at(self, action_id: str, moment: datetime) -> None:
        if not self._started:
            return
        self._scheduler.add_job(self._run, "date", run_date=max(moment, self._clock.now()),
                                args=[action_id], id=action_id, replace_existing=True)

    def forget(self, action_id: str) -> None:
        if self._started and self._scheduler.get_job(action_id) is not None:
            self._scheduler.remove_job(action_id)

    async def _run(self, action_id: str) -> None:
        assert self._runner is not None
        self._inflight.add(action_id)
        self._idle.clear()
        try:
            async with self._slots:
                await self._runner.run(action_id)
        except Exception:  # never let one action kill the scheduler's event loop task
            log.exception("timed action %s crashed", action_id)
        finally:
            self._inflight.discard(action_id)
            if not self._inflight:
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
                            "retaken when their lease ends", len(self._inflight))
            self._scheduler.shutdown(wait=False)
