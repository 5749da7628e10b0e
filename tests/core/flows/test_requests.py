"""The request ledger: a request's identity is claimed once, kept for a while, then pruned."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bot.core.errors import StorageError
from bot.core.models import RequestClaim
from bot.core.ports import Tx
from bot.core.services.requests import KEEP, PRUNE_EVERY, RequestLedger
from tests.core.harness import Harness


async def _claims(h: Harness) -> list[RequestClaim]:
    async with h.storage.transaction() as tx:
        return await tx.find(RequestClaim)


async def test_a_key_is_first_once_until_it_expires_then_can_be_claimed_again(
        harness: Harness) -> None:
    ledger = harness.services.requests
    assert await ledger.first_time("slack:T1:trigger:a") is True
    assert await ledger.first_time("slack:T1:trigger:a") is False
    assert await ledger.first_time("slack:T1:trigger:b") is True
    harness.clock.advance(KEEP - PRUNE_EVERY)
    assert await ledger.first_time("slack:T1:trigger:a") is False  # still remembered
    harness.clock.advance(PRUNE_EVERY)
    # expired: a request that old would fail Slack's signature window, so the id is free
    assert await ledger.first_time("slack:T1:trigger:a") is True
    assert await ledger.first_time("slack:T1:trigger:a") is False


async def test_expired_claims_are_pruned_and_live_ones_kept(harness: Harness) -> None:
    ledger = harness.services.requests
    await ledger.first_time("old")
    harness.clock.advance(KEEP)
    await ledger.first_time("new")  # prunes on the way: "old" expired exactly now
    assert [c.id for c in await _claims(harness)] == ["new"]
    assert await ledger.prune() == 0
    harness.clock.advance(KEEP)
    assert await ledger.prune() == 1
    assert await _claims(harness) == []


def _count_transactions(harness: Harness, monkeypatch: pytest.MonkeyPatch,
                        fail: int = 0) -> list[int]:
    """Count the units of work opened from now on; the first ``fail`` of them fail."""
    opened = [0]
    real = harness.storage.transaction

    @asynccontextmanager
    async def counting() -> AsyncIterator[Tx]:
        opened[0] += 1
        if opened[0] <= fail:
            raise StorageError("The database is locked; try again in a moment.")
        async with real() as tx:
            yield tx

    monkeypatch.setattr(harness.storage, "transaction", counting)
    return opened


async def test_claims_made_at_once_share_a_transaction_and_each_key_wins_once(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """A flood's claims go in groups (one unit of work, not one each), and a key
    delivered several times in one group is still first exactly once."""
    ledger = harness.services.requests
    assert await ledger.first_time("watch:0") is True  # claimed before the flood
    opened = _count_transactions(harness, monkeypatch)
    keys = [f"watch:{n % 40}" for n in range(120)]
    results = await asyncio.gather(*(ledger.first_time(key) for key in keys))
    assert opened[0] == 1
    firsts = [key for key, first in zip(keys, results, strict=True) if first]
    assert sorted(firsts) == sorted({f"watch:{n}" for n in range(1, 40)})
    assert len(await _claims(harness)) == 40


async def test_two_ledgers_on_one_database_never_both_win_a_key(harness: Harness) -> None:
    """Two processes' ledgers: each key is first in exactly one of them."""
    mine, theirs = harness.services.requests, RequestLedger(harness.ctx)
    keys = [f"watch:{n}" for n in range(60)]
    results = await asyncio.gather(*(ledger.first_time(key) for key in keys
                                     for ledger in (mine, theirs)))
    assert sum(results) == len(keys)
    assert [a != b for a, b in zip(results[::2], results[1::2], strict=True)] \
        == [True] * len(keys)


async def test_a_failed_group_tells_every_waiter_and_the_next_group_goes_on(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = harness.services.requests
    _count_transactions(harness, monkeypatch, fail=1)
    results = await asyncio.gather(*(ledger.first_time(f"watch:{n}") for n in range(5)),
                                   return_exceptions=True)
    assert all(isinstance(r, StorageError) for r in results)
    assert await _claims(harness) == []  # nothing claimed: the request may run again
    assert await ledger.first_time("watch:1") is True


async def test_a_cancelled_waiter_leaves_the_others_answered(harness: Harness) -> None:
    """A handler cancelled while its claim is under way: the others still get their
    answers, and the claim stands (at most once: the request is not run again)."""
    ledger = harness.services.requests
    waiting = [asyncio.ensure_future(ledger.first_time(f"watch:{n}")) for n in range(3)]
    await asyncio.sleep(0)  # each has queued its claim and waits for the group
    waiting[1].cancel()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], asyncio.CancelledError)
    assert await ledger.first_time("watch:1") is False


async def test_a_batch_of_claims_is_one_unit_of_work_in_order(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """What raid mode's recording stage asks for its batch: an answer per key, in order,
    a key repeated in the batch first once, a key claimed before not first at all."""
    ledger = harness.services.requests
    assert await ledger.first_time("watch:old") is True
    opened = _count_transactions(harness, monkeypatch)
    assert await ledger.first_times(["watch:a", "watch:old", "watch:a", "watch:b"]) \
        == [True, False, False, True]
    assert opened[0] == 1
    assert await ledger.first_times([]) == []
    assert opened[0] == 1  # nothing to claim: no unit of work
