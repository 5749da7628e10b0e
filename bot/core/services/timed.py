"""Running timed actions exactly once, whatever restarts or second processes happen.

The database row is the truth. A runner *claims* an action with a conditional update
(``pending`` -> ``running``, only if nobody changed it since it was read), runs the
idempotent handler, then marks it ``done``. A crash mid-run leaves a ``running`` row whose
lease expires, so another run picks it up; because handlers are idempotent and their own
state changes are conditional, the effect still happens once.

An action whose platform is not connected yet (just after a restart, before the gateway's
READY) is not claimed and spends no attempt: it is parked, and woken again the moment the
registry says the platform is ready, so an overdue lift runs seconds after start-up
rather than failing and waiting out a back-off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.errors import CocBotError, PlatformError
from bot.core.identity import PlatformName
from bot.core.models import ActionKind, ActionStatus, ScheduledAction
from bot.core.platforms import NOTHING, Needs
from bot.core.refs import log_fields
from bot.core.services._context import Context

log = logging.getLogger(__name__)

Handler = Callable[[ScheduledAction], Awaitable[None]]
FailureHook = Callable[[ScheduledAction, Exception], Awaitable[None]]
NeedsOf = Callable[[ScheduledAction], Awaitable[Needs]]
BatchHandler = Callable[[Sequence[ScheduledAction]], Awaitable[Mapping[str, Exception]]]
"""Runs many actions of one kind at once (reading and writing the database once for all
of them); returns the failures by action id, every other action succeeded."""
NeedsOfMany = Callable[[Sequence[ScheduledAction]], Awaitable[Sequence[Needs]]]

LEASE = timedelta(seconds=60)
"""How long a claim holds without renewal. A live runner renews its claims every third of
this (``renew``), so a slow handler is never taken over, while the work of a process that
was killed is retaken within about a minute."""
MAX_BACKOFF = timedelta(hours=1)
MAX_ATTEMPTS = 50
BATCH = 200
"""Actions claimed by one transaction: 10,000 lifts falling due together cost 50 claims,
not 10,000, and a crash interrupts at most this many (retaken at lease end)."""
CONCURRENCY = 16
"""Handlers without a batch form run at most this many at a time within a batch."""


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at an hour: patient with a platform outage."""
    delay: timedelta = timedelta(seconds=30) * (2 ** min(max(0, attempts - 1), 12))
    return min(delay, MAX_BACKOFF)


@dataclass(frozen=True, slots=True)
class RunResult:
    action_id: str
    ran: bool
    error: str | None = None
    waiting: bool = False  # not run: a platform it needs is not connected yet


class TimedActionService:
    def __init__(self, ctx: Context, handlers: Mapping[ActionKind, Handler], worker: str,
                 on_failure: FailureHook | None = None, lease: timedelta = LEASE,
                 needs: NeedsOf | None = None, *,
                 batch_handlers: Mapping[ActionKind, BatchHandler] | None = None,
                 needs_many: NeedsOfMany | None = None,
                 concurrency: int = CONCURRENCY) -> None:
        self._ctx = ctx
        self._handlers = dict(handlers)
        self._batch_handlers = dict(batch_handlers or {})
        self._needs_many = needs_many
        self._slots = asyncio.Semaphore(concurrency)
        self._worker = worker
        self._on_failure = on_failure
        self._lease = lease
        self._needs = needs
        self._parked: dict[str, ScheduledAction] = {}
        self._running: set[str] = set()

    @property
    def running(self) -> set[str]:
        """Actions claimed by this runner and not finished yet (their claims are renewed)."""
        return set(self._running)

    @property
    def parked(self) -> list[str]:
        """Actions due but waiting for a platform to connect."""
        return list(self._parked)

    def platform_ready(self, name: PlatformName) -> None:
        """A platform connected: wake every parked action now (each re-checks its needs)."""
        parked, self._parked = list(self._parked.values()), {}
        if parked:
            log.info("%s ready: waking %d waiting timed actions", name.value, len(parked))
        for action in parked:
            self._ctx.waker.wake(action)

    async def _waits(self, action_id: str) -> bool:
        """Park a due action whose platform is not connected; True if it was parked.

        The readiness check and the parking happen with no ``await`` between them, so a
        platform becoming ready cannot slip in between and leave the action asleep.
        """
        if self._needs is None:
            return False
        async with self._ctx.storage.transaction() as tx:
            action = await tx.get(ScheduledAction, action_id)
        if action is None or action.status is ActionStatus.DONE \
                or action.status is ActionStatus.FAILED or action.due_at > self._ctx.now():
            return False
        needs = await self._needs(action)
        if needs is NOTHING or self._ctx.platforms.satisfies(needs):
            return False
        self._parked[action.id] = action
        return True

    async def pending(self, before: datetime | None = None,
                      limit: int | None = None) -> list[ScheduledAction]:
        """Pending actions (due before ``before``), earliest first, for wake-ups."""
        async with self._ctx.storage.transaction() as tx:
            if before is None:
                return await tx.find(ScheduledAction, order_by="due_at", limit=limit,
                                     status=ActionStatus.PENDING)
            return await tx.find(ScheduledAction, order_by="due_at", limit=limit,
                                 status=ActionStatus.PENDING, due_at__lte=before)

    @property
    def lease(self) -> timedelta:
        return self._lease

    async def abandoned(self, limit: int | None = None) -> list[ScheduledAction]:
        """Actions a runner claimed and never finished (it crashed): retaken at lease end."""
        async with self._ctx.storage.transaction() as tx:
            return await tx.find(ScheduledAction, order_by="claimed_at", limit=limit,
                                 status=ActionStatus.RUNNING)

    async def renew(self, action_ids: Iterable[str]) -> int:
        """Extend this runner's claims on actions it is still running; returns how many."""
        now = self._ctx.now()
        renewed = 0
        async with self._ctx.storage.transaction() as tx:
            for action_id in action_ids:
                action = await tx.get(ScheduledAction, action_id)
                if action is None or action.status is not ActionStatus.RUNNING \
                        or action.claimed_by != self._worker:
                    continue
                if await tx.update_if(replace(action, claimed_at=now),
                                      status=ActionStatus.RUNNING, claimed_by=self._worker,
                                      attempts=action.attempts):
                    renewed += 1
        return renewed

    async def claim(self, action_id: str) -> ScheduledAction | None:
        """Take an action due now, or one whose runner died; None if someone else has it."""
        now = self._ctx.now()
        async with self._ctx.storage.transaction() as tx:
            action = await tx.get(ScheduledAction, action_id)
            if action is None or action.due_at > now:
                return None
            stale = (action.status is ActionStatus.RUNNING and action.claimed_at is not None
                     and action.claimed_at + self._lease <= now)
            if action.status is not ActionStatus.PENDING and not stale:
                return None
            claimed = replace(action, status=ActionStatus.RUNNING, claimed_by=self._worker,
                              claimed_at=now, attempts=action.attempts + 1)
            won = await tx.update_if(claimed, status=action.status, attempts=action.attempts,
                                     claimed_at=action.claimed_at)
        return claimed if won else None

    async def run(self, action_id: str) -> RunResult:
        if await self._waits(action_id):
            return RunResult(action_id, ran=False, waiting=True)
        claimed = await self.claim(action_id)
        if claimed is None:
            return RunResult(action_id, ran=False)
        self._running.add(action_id)
        try:
            return await self._run_claimed(claimed)
        finally:
            self._running.discard(action_id)

    async def _run_claimed(self, claimed: ScheduledAction) -> RunResult:
        action_id = claimed.id
        handler = self._handlers.get(claimed.kind)
        late = (self._ctx.now() - claimed.due_at).total_seconds()
        try:
            if handler is None:
                raise CocBotError(f"no handler for {claimed.kind.value}")
            await handler(claimed)
        except Exception as exc:  # any failure must be recorded, or the action is lost
            await self._failed(claimed, exc)
            self._ctx.telemetry.action_ran(claimed.kind.value, True, late)
            return RunResult(action_id, ran=True, error=str(exc))
        await self._finish(claimed, ActionStatus.DONE, None)
        self._ctx.telemetry.action_ran(claimed.kind.value, False, late)
        return RunResult(action_id, ran=True)

    async def run_due(self, limit: int = 500) -> list[RunResult]:
        """Run everything due now, including runs whose runner died (the sweep)."""
        now = self._ctx.now()
        async with self._ctx.storage.transaction() as tx:
            due = await tx.find(ScheduledAction, status=ActionStatus.PENDING, due_at__lte=now,
                                order_by="due_at", limit=limit)
            stale = await tx.find(ScheduledAction, status=ActionStatus.RUNNING,
                                  claimed_at__lte=now - self._lease, limit=limit)
        return [await self.run(action.id) for action in [*due, *stale]]

    async def claim_due(self, limit: int = BATCH) -> list[ScheduledAction]:
        """Claim up to ``limit`` actions due now, and runs whose runner died, in one
        transaction, earliest first; parked actions (waiting for a platform) are left.

        Each claim is the same conditional update as ``claim``, so a row another process
        took meanwhile is skipped. On PostgreSQL the unit of work's advisory lock already
        makes concurrent claimers take turns (``FOR UPDATE SKIP LOCKED`` would add
        nothing), and each turn reads the rows the previous one left pending: processes
        claiming together get disjoint batches instead of racing for the same rows.
        """
        now = self._ctx.now()
        skip = set(self._parked)
        claimed: list[ScheduledAction] = []
        async with self._ctx.storage.transaction() as tx:
            due = await tx.find(ScheduledAction, status=ActionStatus.PENDING, due_at__lte=now,
                                order_by="due_at", limit=limit + len(skip))
            stale = await tx.find(ScheduledAction, status=ActionStatus.RUNNING,
                                  claimed_at__lte=now - self._lease, order_by="claimed_at",
                                  limit=limit)
            chosen = [a for a in [*due, *stale] if a.id not in skip][:limit]
            for status in (ActionStatus.PENDING, ActionStatus.RUNNING):
                took = [replace(a, status=ActionStatus.RUNNING, claimed_by=self._worker,
                                claimed_at=now, attempts=a.attempts + 1)
                        for a in chosen if a.status is status]
                won = await tx.update_all_if(took, status=status)
                claimed += [a for a in took if a.id in won]
        return sorted(claimed, key=lambda a: a.due_at)

    async def run_batch(self, limit: int = BATCH) -> list[RunResult]:
        """Claim a batch of due actions and run it: kinds with a batch handler in one call
        each, the others concurrently (at most ``concurrency`` at a time); then record
        every success in one transaction. An empty list: nothing was due."""
        taken = await self.claim_due(limit)
        ids = {a.id for a in taken}
        self._running |= ids
        try:
            claimed = await self._release_waiting(taken)
            if not claimed:
                return []
            failures: dict[str, Exception] = {}
            kinds = {a.kind for a in claimed}
            runs = [self._run_kind(kind, [a for a in claimed if a.kind is kind])
                    for kind in kinds]
            for found in await asyncio.gather(*runs):
                failures.update(found)
            await self._settle(claimed, failures)
        finally:
            self._running -= ids
        return [RunResult(a.id, ran=True, error=str(failures[a.id]) if a.id in failures
                          else None) for a in claimed]

    async def _run_kind(self, kind: ActionKind,
                        actions: list[ScheduledAction]) -> dict[str, Exception]:
        batch = self._batch_handlers.get(kind)
        if batch is not None:
            try:
                return dict(await batch(actions))
            except Exception as exc:  # the whole batch failed: each is retried
                return {a.id: exc for a in actions}
        outcomes = await asyncio.gather(*(self._run_one(a) for a in actions))
        return {a.id: exc for a, exc in zip(actions, outcomes, strict=True) if exc is not None}

    async def _run_one(self, action: ScheduledAction) -> Exception | None:
        handler = self._handlers.get(action.kind)
        async with self._slots:
            try:
                if handler is None:
                    raise CocBotError(f"no handler for {action.kind.value}")
                await handler(action)
            except Exception as exc:  # any failure must be recorded, or the action is lost
                return exc
        return None

    async def _release_waiting(self, claimed: list[ScheduledAction]) -> list[ScheduledAction]:
        """Give back (no attempt spent) and park the claimed actions whose platform is not
        connected; returns the others. Parking happens with no ``await`` after the
        readiness check, as in ``_waits``."""
        if not claimed or (self._needs is None and self._needs_many is None):
            return claimed
        if self._needs_many is not None:
            needs = list(await self._needs_many(claimed))
        else:
            assert self._needs is not None
            needs = [await self._needs(a) for a in claimed]
        waiting = [a for a, need in zip(claimed, needs, strict=True)
                   if need is not NOTHING and not self._ctx.platforms.satisfies(need)]
        if not waiting:
            return claimed
        for action in waiting:
            self._parked[action.id] = action
        async with self._ctx.storage.transaction() as tx:
            await tx.update_all_if([replace(a, status=ActionStatus.PENDING, claimed_by=None,
                                            claimed_at=None, attempts=a.attempts - 1)
                                    for a in waiting],
                                   status=ActionStatus.RUNNING, claimed_by=self._worker)
        parked = {a.id for a in waiting}
        return [a for a in claimed if a.id not in parked]

    async def _settle(self, claimed: list[ScheduledAction],
                      failures: Mapping[str, Exception]) -> None:
        """Mark the successes done in one transaction; each failure is retried or failed."""
        now = self._ctx.now()
        done = [a for a in claimed if a.id not in failures]
        async with self._ctx.storage.transaction() as tx:
            finished = await tx.update_all_if(
                [replace(a, status=ActionStatus.DONE, finished_at=now, last_error=None)
                 for a in done], status=ActionStatus.RUNNING, claimed_by=self._worker)
        for action in done:
            if action.id not in finished:
                log.warning("action %s was taken over before it finished", action.id)
        for action in claimed:
            late = (now - action.due_at).total_seconds()
            failed = failures.get(action.id)
            if failed is not None:
                await self._failed(action, failed)
            self._ctx.telemetry.action_ran(action.kind.value, failed is not None, late)

    async def _finish(self, action: ScheduledAction, status: ActionStatus,
                      error: str | None) -> None:
        done = replace(action, status=status, finished_at=self._ctx.now(), last_error=error)
        async with self._ctx.storage.transaction() as tx:
            if not await tx.update_if(done, status=ActionStatus.RUNNING,
                                      claimed_by=self._worker, attempts=action.attempts):
                log.warning("action %s was taken over before it finished", action.id)

    async def _failed(self, action: ScheduledAction, exc: Exception) -> None:
        """Retry with backoff; tell staff on the first failure of a platform action."""
        retryable = isinstance(exc, PlatformError) or not isinstance(exc, CocBotError)
        log.warning("timed action %s failed (attempt %d): %s", action.id, action.attempts, exc,
                    extra=log_fields(action.subject_id))
        if retryable and action.attempts < MAX_ATTEMPTS:
            retry = replace(action, status=ActionStatus.PENDING, claimed_by=None,
                            claimed_at=None, last_error=str(exc)[:500],
                            due_at=self._ctx.now() + backoff(action.attempts))
            async with self._ctx.storage.transaction() as tx:
                await tx.update_if(retry, status=ActionStatus.RUNNING,
                                   claimed_by=self._worker, attempts=action.attempts)
            self._ctx.waker.wake(retry)
        else:
            await self._finish(action, ActionStatus.FAILED, str(exc)[:500])
        if self._on_failure is not None and action.attempts == 1:
            try:
                await self._on_failure(action, exc)
            except Exception:  # an alert must never hide the original failure
                log.exception("could not alert staff about action %s", action.id)
