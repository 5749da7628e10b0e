"""The request ledger: a request's identity is claimed once, kept for a while, then pruned."""

from __future__ import annotations

from bot.core.models import RequestClaim
from bot.core.services.requests import KEEP, PRUNE_EVERY
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
