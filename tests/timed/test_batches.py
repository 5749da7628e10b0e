"""Timed actions claimed and run in batches: each exactly once, at a cost per batch.

Two runners (two processes) drain the same due lifts a batch at a time; between them
every suspension is restored once, audited once and its DM queued once, and the database
is touched a fixed number of times per batch however many lifts it holds.
"""

from __future__ import annotations

from collections import Counter
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

import pytest

from bot.core.durations import parse_duration
from bot.core.identity import PlatformName
from bot.core.models import (
    ActionKind,
    ActionStatus,
    AuditEntry,
    OutboxMessage,
    Sanction,
    SanctionScope,
    SanctionStatus,
    ScheduledAction,
)
from bot.core.ports import NoticeKind, Tx
from bot.core.services.sanctions import SuspensionRequest
from bot.core.services.timed import TimedActionService
from tests.core.harness import STAFF, Harness, person

LIFT = {"kind": ActionKind.LIFT_SANCTION}


def runner(h: Harness, worker: str) -> TimedActionService:
    return TimedActionService(h.ctx, h.jobs.handlers(), worker, on_failure=h.jobs.on_failure,
                              needs=h.jobs.needs, batch_handlers=h.jobs.batch_handlers(),
                              needs_many=h.jobs.needs_many)


async def suspend_many(h: Harness, count: int) -> list[str]:
    ids = []
    for n in range(count):
        sanction = await h.services.sanctions.suspend(STAFF, SuspensionRequest(
            subject=person(f"m{n}"), duration=parse_duration("1h"),
            scope=SanctionScope.SPACE, reason="cooling off"))
        ids.append(sanction.id)
    h.clock.advance(timedelta(hours=1))
    return ids


async def lifts(h: Harness) -> list[ScheduledAction]:
    async with h.storage.transaction() as tx:
        return await tx.find(ScheduledAction, **LIFT)


def count_transactions(h: Harness, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    opened = [0]
    real = h.storage.transaction

    def counting() -> AbstractAsyncContextManager[Tx]:
        opened[0] += 1
        return real()
    monkeypatch.setattr(h.storage, "transaction", counting)
    return opened


async def test_two_runners_drain_due_lifts_in_disjoint_batches_each_once(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    sanctions = await suspend_many(harness, 45)
    dms_before = len(harness.platform.dms)
    first, second = runner(harness, "alpha"), runner(harness, "beta")
    send = harness.outbox.kick
    sent_later: list[bool] = []

    async def later() -> None:  # the bot's outbox sends from its own task, not inline
        sent_later.append(True)
    monkeypatch.setattr(harness.outbox, "kick", later)
    opened = count_transactions(harness, monkeypatch)
    while True:  # the two take turns, as two processes' claims do on the database
        ran = [await first.run_batch(10), await second.run_batch(10)]
        if not any(ran):
            break
        assert all(len(batch) <= 10 for batch in ran)
    # 45 lifts in 5 batches, each: claim, needs, read, write, settle (and three empty
    # claims at the end): a handful per batch, where one at a time took seven per lift
    assert opened[0] == 5 * 5 + 3, opened[0]
    assert len(sent_later) == 5  # the outbox told once per batch
    runs = await lifts(harness)
    assert {r.status for r in runs} == {ActionStatus.DONE}
    assert all(r.attempts == 1 for r in runs)
    assert Counter(r.claimed_by for r in runs) == {"alpha": 25, "beta": 20}
    assert Counter(s.id for s in harness.platform.restored) == dict.fromkeys(sanctions, 1)
    async with harness.storage.transaction() as tx:
        audited = Counter(e.subject_id for e in await tx.find(AuditEntry,
                                                              action="sanction.lifted"))
        queued = await tx.find(OutboxMessage, notice_kind=NoticeKind.LIFT_DM.value)
        lifted = await tx.count(Sanction, status=SanctionStatus.LIFTED)
    assert audited == dict.fromkeys(sanctions, 1) and lifted == 45
    assert sorted(m.subject_id or "" for m in queued) == sorted(sanctions)
    await send()
    assert len(harness.platform.dms) - dms_before == 45


async def test_a_failed_restore_retries_that_lift_alone(harness: Harness) -> None:
    sanctions = await suspend_many(harness, 5)
    harness.platform.failing_restores = 1  # the first restore of the batch fails
    results = await runner(harness, "alpha").run_batch()
    assert len(results) == 5 and len([r for r in results if r.error]) == 1
    runs = {r.subject_id: r for r in await lifts(harness)}
    failed = next(s for s in sanctions if runs[s].status is ActionStatus.PENDING)
    assert runs[failed].attempts == 1 and runs[failed].last_error
    assert runs[failed].due_at > harness.clock.now()  # retried after a back-off
    assert sum(r.status is ActionStatus.DONE for r in runs.values()) == 4
    async with harness.storage.transaction() as tx:
        still = await tx.get(Sanction, failed)
    assert still is not None and still.status is SanctionStatus.ACTIVE  # access not back yet
    harness.clock.advance(timedelta(minutes=5))
    assert [r.error for r in await runner(harness, "alpha").run_batch()] == [None]
    assert Counter(s.id for s in harness.platform.restored) == dict.fromkeys(sanctions, 1)


async def test_lifts_wait_for_their_platform_without_spending_an_attempt(
        harness: Harness) -> None:
    await suspend_many(harness, 3)
    timed = runner(harness, "alpha")
    woken: list[str] = []
    harness.ctx.waker.wake = lambda action: woken.append(action.id)  # type: ignore[method-assign]
    harness.ctx.platforms.mark_unready(PlatformName.DISCORD)
    assert await timed.run_batch() == []
    assert len(timed.parked) == 3 and not harness.platform.restored
    runs = await lifts(harness)
    assert {(r.status, r.attempts, r.claimed_by) for r in runs} == {
        (ActionStatus.PENDING, 0, None)}
    assert await timed.run_batch() == []  # parked ones are not claimed again meanwhile
    harness.ctx.platforms.mark_ready(PlatformName.DISCORD)
    timed.platform_ready(PlatformName.DISCORD)
    assert sorted(woken) == sorted(r.id for r in runs) and timed.parked == []
    assert len(await timed.run_batch()) == 3
    assert {(r.status, r.attempts) for r in await lifts(harness)} == {(ActionStatus.DONE, 1)}


