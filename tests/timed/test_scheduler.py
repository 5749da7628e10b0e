"""The APScheduler wake-up layer over the database, driven by the fake clock.

APScheduler keeps real time, so every job here is due in the real past and fires at
once; what decides whether an action may run is the claim against the fake clock. That
is exactly the production split: APScheduler only wakes, the database decides.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.core.models import ActionKind, ActionStatus, ScheduledAction
from bot.core.services._context import cancel, schedule
from bot.core.services.timed import TimedActionService
from bot.scheduler import ActionScheduler
from tests.core.harness import Harness
from tests.waiting import DEADLINE, eventually


@pytest.fixture
async def woken(harness: Harness) -> AsyncIterator[tuple[ActionScheduler, list[str]]]:
    ran: list[str] = []

    async def handler(action: ScheduledAction) -> None:
        ran.append(action.subject_id)

    runner = TimedActionService(harness.ctx, {ActionKind.REPORT_DUE: handler}, "w")
    scheduler = ActionScheduler(harness.clock, sweep_seconds=3600)
    scheduler.attach(runner)
    yield scheduler, ran
    await scheduler.stop()


async def add(h: Harness, subject: str, due_in: timedelta) -> None:
    async with h.storage.transaction() as tx:
        await schedule(tx, h.ctx, ActionKind.REPORT_DUE, subject, h.clock.now() + due_in)


async def settle(scheduler: ActionScheduler) -> None:
    """Wait until only the sweep job is left and nothing runs: every woken action was tried.
    (A fired wake-up job leaves the store a loop turn before its drain starts: three quiet
    looks in a row cover that turn.)"""
    quiet = 0

    def idle() -> bool:
        nonlocal quiet
        quiet = quiet + 1 if scheduler.waiting == 0 and scheduler.in_flight == 0 else 0
        return quiet == 3
    await eventually(idle, "the woken actions to run", every=0.005)


async def status(h: Harness, subject: str) -> ActionStatus:
    async with h.storage.transaction() as tx:
        action = await tx.get(ScheduledAction,
                              ScheduledAction.key_for(ActionKind.REPORT_DUE, subject))
    assert action is not None
    return action.status


async def test_overdue_actions_run_once_at_start_up(
        harness: Harness, woken: tuple[ActionScheduler, list[str]]) -> None:
    scheduler, ran = woken
    for n in range(20):
        await add(harness, f"late-{n}", -timedelta(days=3, minutes=n))
    assert await scheduler.start() == 20
    await settle(scheduler)
    assert sorted(ran) == sorted(f"late-{n}" for n in range(20))
    await scheduler.sweep()
    await settle(scheduler)
    assert len(ran) == 20  # a second sweep finds nothing left to do


async def test_an_action_waits_for_its_time_then_runs(
        harness: Harness, woken: tuple[ActionScheduler, list[str]]) -> None:
    scheduler, ran = woken
    await add(harness, "soon", timedelta(minutes=30))
    await scheduler.start()
    await settle(scheduler)
    assert ran == [] and await status(harness, "soon") is ActionStatus.PENDING
    harness.clock.advance(timedelta(minutes=30))
    await scheduler.sweep()
    await settle(scheduler)
    assert ran == ["soon"] and await status(harness, "soon") is ActionStatus.DONE


async def test_moved_and_cancelled_actions(
        harness: Harness, woken: tuple[ActionScheduler, list[str]]) -> None:
    scheduler, ran = woken
    await add(harness, "moved", -timedelta(minutes=1))
    await add(harness, "cancelled", -timedelta(minutes=1))
    await add(harness, "moved", timedelta(days=2))  # rescheduled before the bot started
    async with harness.storage.transaction() as tx:
        await cancel(tx, ActionKind.REPORT_DUE, "cancelled")
    await scheduler.start()
    await settle(scheduler)
    assert ran == []
    assert await status(harness, "cancelled") is ActionStatus.CANCELLED
    harness.clock.advance(timedelta(days=2))
    await scheduler.sweep()
    await settle(scheduler)
    assert ran == ["moved"]


async def test_far_actions_stay_in_the_database_until_they_come_close(
        harness: Harness, woken: tuple[ActionScheduler, list[str]]) -> None:
    scheduler, ran = woken
    await add(harness, "next-month", timedelta(days=30))
    assert await scheduler.start() == 0
    assert scheduler.waiting == 0  # nothing held in memory for next month
    harness.clock.advance(timedelta(days=30) - timedelta(minutes=10))
    assert await scheduler.sweep() == 1
    await settle(scheduler)
    assert ran == []
    harness.clock.advance(timedelta(minutes=10))
    await scheduler.sweep()
    await settle(scheduler)
    assert ran == ["next-month"]


async def test_a_run_abandoned_by_a_crash_is_retaken_when_its_lease_ends(
        harness: Harness, woken: tuple[ActionScheduler, list[str]]) -> None:
    scheduler, ran = woken
    await add(harness, "crashed", -timedelta(minutes=1))
    dead = TimedActionService(harness.ctx, {}, "dead-process")
    assert await dead.claim("report_due/crashed") is not None  # ... then SIGKILL
    await scheduler.start()
    await settle(scheduler)
    assert ran == []  # its lease has not run out: the first runner may still be alive
    harness.clock.advance(timedelta(minutes=5))
    await scheduler.sweep()
    await settle(scheduler)
    assert ran == ["crashed"] and await status(harness, "crashed") is ActionStatus.DONE


async def test_stopping_lets_running_actions_finish(harness: Harness) -> None:
    started = asyncio.Event()

    async def slow(action: ScheduledAction) -> None:
        started.set()
        await asyncio.sleep(0.05)  # an API call in progress when the bot is told to stop

    scheduler = ActionScheduler(harness.clock, sweep_seconds=3600)
    scheduler.attach(TimedActionService(harness.ctx, {ActionKind.REPORT_DUE: slow}, "w"))
    await add(harness, "in-progress", -timedelta(minutes=1))
    await scheduler.start()
    await asyncio.wait_for(started.wait(), timeout=DEADLINE)
    await scheduler.stop()
    assert await status(harness, "in-progress") is ActionStatus.DONE


async def test_only_a_bounded_number_of_actions_is_held_in_memory(harness: Harness) -> None:
    ran: list[str] = []

    async def handler(action: ScheduledAction) -> None:
        ran.append(action.subject_id)

    scheduler = ActionScheduler(harness.clock, sweep_seconds=3600, max_woken=3)
    scheduler.attach(TimedActionService(harness.ctx, {ActionKind.REPORT_DUE: handler}, "w"))
    for n in range(7):
        await add(harness, f"soon-{n}", timedelta(minutes=10 + n))
    try:
        assert await scheduler.start() == 3  # only the three earliest are woken
        harness.clock.advance(timedelta(minutes=30))
        for _ in range(3):  # each follow-up sweep takes the next three
            await scheduler.sweep()
            await settle(scheduler)
        assert sorted(ran) == sorted(f"soon-{n}" for n in range(7))
    finally:
        await scheduler.stop()



async def test_a_live_runner_renews_its_claim_so_a_slow_action_is_not_taken_over(
        harness: Harness) -> None:
    await add(harness, "slow", -timedelta(minutes=1))
    alive = TimedActionService(harness.ctx, {}, "alive")
    other = TimedActionService(harness.ctx, {}, "other")
    assert await alive.claim("report_due/slow") is not None
    harness.clock.advance(alive.lease * 2 / 3)
    assert await alive.renew(["report_due/slow"]) == 1
    assert await other.renew(["report_due/slow"]) == 0  # only the owner can renew
    harness.clock.advance(alive.lease * 2 / 3)  # past the original lease, not the renewed one
    assert await other.claim("report_due/slow") is None
    harness.clock.advance(alive.lease / 3)  # the renewed lease has run out: the owner died
    assert await other.claim("report_due/slow") is not None
