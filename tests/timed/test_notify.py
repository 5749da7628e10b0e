"""Waking the other processes: a timed action created in one runs promptly in another.

The polling notifier (SQLite's form of the ``Notifier`` port) is driven here by calling
``poll()`` instead of waiting out its interval.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.models import ActionKind, ActionStatus, PlatformState, ScheduledAction
from bot.core.services._context import after_commit, schedule
from bot.core.services.timed import TimedActionService
from bot.scheduler import TOPIC, ActionScheduler
from storage import PollingNotifier
from tests.core.harness import Harness
from tests.waiting import eventually


async def test_a_publish_reaches_every_listener_once(harness: Harness) -> None:
    heard: list[str] = []
    here, there = PollingNotifier(harness.storage), PollingNotifier(harness.storage)

    async def listener() -> None:
        heard.append("timed")
    there.subscribe(TOPIC, listener)
    assert await there.poll() == []  # the first read sets the baseline
    await here.publish(TOPIC)
    assert await there.poll() == [TOPIC]
    assert await there.poll() == []  # nothing new
    await here.publish(TOPIC)
    await here.publish(TOPIC)  # two publishes between polls are heard (at least) once
    assert await there.poll() == [TOPIC]
    assert heard == ["timed", "timed"]


async def _topic(harness: Harness) -> str | None:
    async with harness.storage.transaction() as tx:
        row = await tx.get(PlatformState, f"notify:{TOPIC}")
    return row.value if row is not None else None


async def test_a_new_action_is_announced_but_a_sweep_announces_nothing(
        harness: Harness) -> None:
    notifier = PollingNotifier(harness.storage)
    runner = TimedActionService(harness.ctx, {}, "alpha")
    scheduler = ActionScheduler(harness.clock, sweep_seconds=3600, notifier=notifier)
    scheduler.attach(runner)
    harness.ctx.waker = scheduler
    async with harness.storage.transaction() as tx:  # already there when it starts
        await schedule(tx, harness.ctx, ActionKind.REPORT_DUE, "r-old",
                       harness.clock.now() + timedelta(minutes=5))
    try:
        await scheduler.start()
        await scheduler.sweep()
        assert await _topic(harness) is None, "a sweep must not wake the other processes"
        async with harness.storage.transaction() as tx:
            action = await schedule(tx, harness.ctx, ActionKind.REPORT_DUE, "r-new",
                                    harness.clock.now() + timedelta(minutes=5))
        after_commit(harness.ctx, action)
        await eventually(lambda: _topic(harness), "the new action to be announced")
    finally:
        await scheduler.stop()


async def test_an_action_written_elsewhere_runs_here_when_announced(harness: Harness) -> None:
    ran: list[str] = []

    async def handler(action: ScheduledAction) -> None:
        ran.append(action.subject_id)
    notifier = PollingNotifier(harness.storage)
    runner = TimedActionService(harness.ctx, {ActionKind.REPORT_DUE: handler}, "here")
    scheduler = ActionScheduler(harness.clock, sweep_seconds=3600, notifier=notifier)
    scheduler.attach(runner)
    try:
        await scheduler.start()
        await notifier.poll()  # baseline
        async with harness.storage.transaction() as tx:  # "another process" writes it
            await schedule(tx, harness.ctx, ActionKind.REPORT_DUE, "r-elsewhere",
                           harness.clock.now())
        # Started before the row existed, with an hourly sweep: only the announcement
        # below can wake it.
        await PollingNotifier(harness.storage).publish(TOPIC)
        await notifier.poll()
        await eventually(lambda: ran, "the announced action to run here")
        assert ran == ["r-elsewhere"]
        async with harness.storage.transaction() as tx:
            done = await tx.find(ScheduledAction, status=ActionStatus.DONE)
        assert [a.subject_id for a in done] == ["r-elsewhere"]
    finally:
        await scheduler.stop()
