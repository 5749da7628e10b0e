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

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
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

LEASE = timedelta(seconds=60)
"""How long a claim holds without renewal. A live runner renews its claims every third of
this (``renew``), so a slow handler is never taken over, while the work of a process that
was killed is retaken within about a minute."""
MAX_BACKOFF = timedelta(hours=1)
MAX_ATTEMPTS = 50


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
                 needs: NeedsOf | None = None) -> None:
        self._ctx = ctx
        self._handlers = dict(handlers)
        self._worker = worker
        self._on_failure = on_failure
        self._lease = lease
        self._needs = needs
        self._parked: dict[str, ScheduledAction] = {}

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
