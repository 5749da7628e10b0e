"""The timed-action runner: exactly once, leases, recurring digests and reviews."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.models import ActionKind, ActionStatus, IncidentKind, ScheduledAction
from bot.core.ports import Audience
from bot.core.services import IncidentDraft
from bot.core.services._context import schedule
from bot.core.services.timed import TimedActionService, backoff
from tests.core.harness import STAFF, Harness, person


async def add_actions(h: Harness, count: int, kind: ActionKind = ActionKind.REPORT_DUE) -> None:
    async with h.storage.transaction() as tx:
        for n in range(count):
            await schedule(tx, h.ctx, kind, f"R-{n:07d}", h.clock.now())


def counting_runner(h: Harness, name: str, seen: list[str]) -> TimedActionService:
    async def handler(action: ScheduledAction) -> None:
        seen.append(action.id)
        await asyncio.sleep(0)  # let the other runner interleave
    return TimedActionService(h.ctx, {ActionKind.REPORT_DUE: handler}, name)


async def test_two_runners_never_run_the_same_action_twice(harness: Harness) -> None:
    await add_actions(harness, 50)
    seen: list[str] = []
    first, second = counting_runner(harness, "a", seen), counting_runner(harness, "b", seen)
    await asyncio.gather(first.run_due(), second.run_due(), first.run_due())
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 50
    async with harness.storage.transaction() as tx:
        assert await tx.count(ScheduledAction, status=ActionStatus.DONE) == 50


async def test_a_crashed_run_is_retaken_after_its_lease(harness: Harness) -> None:
    await add_actions(harness, 1)
    seen: list[str] = []
    crashed = counting_runner(harness, "crashed", seen)
    claimed = await crashed.claim("report_due/R-0000000")
    assert claimed is not None  # ... and then the process died before finishing
    survivor = counting_runner(harness, "survivor", seen)
    assert await survivor.run_due() == [] or seen == []
    harness.clock.advance(timedelta(minutes=5))
    results = await survivor.run_due()
    assert [r.ran for r in results] == [True] and seen == ["report_due/R-0000000"]


async def test_a_future_action_is_not_claimed_early(harness: Harness) -> None:
    async with harness.storage.transaction() as tx:
        await schedule(tx, harness.ctx, ActionKind.REPORT_DUE, "R-later",
                       harness.clock.now() + timedelta(hours=1))
    assert await harness.timed.claim("report_due/R-later") is None


async def test_rescheduling_moves_the_action_instead_of_duplicating(harness: Harness) -> None:
    later = harness.clock.now() + timedelta(days=2)
    async with harness.storage.transaction() as tx:
        await schedule(tx, harness.ctx, ActionKind.MOTION_CLOSE, "M-1", harness.clock.now())
        await schedule(tx, harness.ctx, ActionKind.MOTION_CLOSE, "M-1", later)
        found = await tx.find(ScheduledAction, kind=ActionKind.MOTION_CLOSE)
    assert [a.due_at for a in found] == [later]


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff(n) for n in range(1, 12)]
    assert delays[0] == timedelta(seconds=30) and delays[1] == timedelta(minutes=1)
    assert delays == sorted(delays) and max(delays) == timedelta(hours=1)


async def test_monthly_digest_and_yearly_review_recur(harness: Harness) -> None:
    added = await harness.jobs.ensure_recurring()
    kinds = {a.kind: a for a in added}
    # FakeClock starts 2026-01-05 (Chicago): next digest 2026-02-01 09:00, FY review 2026-09-01
    assert kinds[ActionKind.MONTHLY_DIGEST].subject_id == "2026-02"
    assert kinds[ActionKind.YEARLY_REVIEW].subject_id == "FY2027"
    assert await harness.jobs.ensure_recurring() == []  # idempotent
    await harness.services.incidents.handle(STAFF, IncidentDraft(
        subject=person("s"), kind=IncidentKind.WARNING, clause_id="no-hate"))
    harness.clock.set(datetime(2026, 2, 1, 15, 0, tzinfo=UTC))
    assert await harness.run_due() >= 1
    digest = [t for t in harness.platform.posted_to(Audience.COMMITTEE) if "digest" in t]
    assert len(digest) == 1 and "no-hate: 1" in digest[0] and "Empty committee seats" in digest[0]
    async with harness.storage.transaction() as tx:
        pending = await tx.find(ScheduledAction, kind=ActionKind.MONTHLY_DIGEST,
                                status=ActionStatus.PENDING)
    assert [a.subject_id for a in pending] == ["2026-03"]
    harness.clock.set(datetime(2026, 9, 1, 15, 0, tzinfo=UTC))
    await harness.run_due()
    review = [t for t in harness.platform.posted_to(Audience.COMMITTEE) if "fiscal year" in t]
    # It points to the transparency report of the last full year, saying how to make it.
    assert len(review) == 1 and "coc-bot report --year 2025" in review[0]


async def test_a_handler_error_is_retried_not_lost(harness: Harness) -> None:
    await add_actions(harness, 1)
    calls: list[int] = []

    async def flaky(action: ScheduledAction) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
    runner = TimedActionService(harness.ctx, {ActionKind.REPORT_DUE: flaky}, "w")
    await runner.run_due()
    harness.clock.advance(timedelta(seconds=30))
    await runner.run_due()
    assert len(calls) == 2
    async with harness.storage.transaction() as tx:
        action = await tx.get(ScheduledAction, "report_due/R-0000000")
    assert action is not None and action.status is ActionStatus.DONE and action.attempts == 2
