"""Leases: one holder at a time, taken over only after expiry, never renewed by a loser.

Every change is a compare-and-swap on the lease row, so these hold across processes too
(tests/scale/test_three_processes.py runs them between real processes).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.errors import ConfigError
from bot.core.services.leases import LeaseService
from bot.discord_io.shards import check_layout, lease_name
from tests.core.harness import Harness

TTL = timedelta(seconds=10)


async def test_the_first_claim_wins_and_the_others_wait_for_expiry(harness: Harness) -> None:
    leases = LeaseService(harness.ctx)
    held = await leases.acquire("shard:0", "alpha", TTL)
    assert held is not None and held.holder == "alpha" and held.generation == 1
    assert await leases.acquire("shard:0", "beta", TTL) is None
    harness.clock.advance(TTL - timedelta(seconds=1))
    assert await leases.acquire("shard:0", "beta", TTL) is None  # not expired yet
    harness.clock.advance(timedelta(seconds=1))
    taken = await leases.acquire("shard:0", "beta", TTL)
    assert taken is not None and taken.holder == "beta" and taken.generation == 2


async def test_a_renewing_holder_keeps_its_lease(harness: Harness) -> None:
    leases = LeaseService(harness.ctx)
    held = await leases.acquire("shard:0", "alpha", TTL)
    assert held is not None
    for _ in range(5):
        harness.clock.advance(TTL / 2)
        renewed = await leases.renew(held, TTL)
        assert renewed is not None
        held = renewed
        assert await leases.acquire("shard:0", "beta", TTL) is None


async def test_a_holder_back_from_a_pause_finds_its_lease_gone(harness: Harness) -> None:
    leases = LeaseService(harness.ctx)
    old = await leases.acquire("shard:0", "alpha", TTL)
    assert old is not None
    harness.clock.advance(TTL * 2)  # frozen past its lease
    assert await leases.acquire("shard:0", "beta", TTL) is not None
    assert await leases.renew(old, TTL) is None  # it must stop at once
    assert await leases.release(old) is False  # and cannot free what beta holds
    current = await leases.current("shard:0")
    assert current is not None and current.holder == "beta"


async def test_even_an_expired_lease_is_not_renewed_once_someone_else_took_it(
        harness: Harness) -> None:
    leases = LeaseService(harness.ctx)
    old = await leases.acquire("shard:0", "alpha", TTL)
    assert old is not None
    harness.clock.advance(TTL * 2)
    taken = await leases.acquire("shard:0", "beta", TTL)
    assert taken is not None
    harness.clock.advance(TTL * 2)  # beta died too; alpha wakes and tries to renew
    assert await leases.renew(old, TTL) is None
    again = await leases.acquire("shard:0", "alpha", TTL)
    assert again is not None and again.generation == 3


async def test_a_release_lets_a_standby_in_at_once(harness: Harness) -> None:
    leases = LeaseService(harness.ctx)
    held = await leases.acquire("shard:0", "alpha", TTL)
    assert held is not None
    assert await leases.release(held)
    assert await leases.acquire("shard:0", "beta", TTL) is not None


async def test_of_many_claimants_at_once_exactly_one_wins(harness: Harness) -> None:
    leases = LeaseService(harness.ctx)
    won = await asyncio.gather(*(leases.acquire("shard:1", f"p{n}", TTL) for n in range(8)))
    assert len([lease for lease in won if lease is not None]) == 1
    harness.clock.advance(TTL)
    won = await asyncio.gather(*(leases.acquire("shard:1", f"q{n}", TTL) for n in range(8)))
    assert len([lease for lease in won if lease is not None]) == 1


async def test_a_second_shard_layout_is_refused_while_the_first_runs(harness: Harness) -> None:
    state, leases = harness.services.state, LeaseService(harness.ctx)
    await check_layout(state, leases, 2, harness.clock.now())
    assert await leases.acquire(lease_name(1), "alpha", TTL) is not None
    with pytest.raises(ConfigError) as caught:
        await check_layout(state, leases, 4, harness.clock.now())
    assert "'discord.shard_count' is 4 here" in str(caught.value)
    assert "use 2" in str(caught.value)
    await check_layout(state, leases, 2, harness.clock.now())  # the same layout joins
    harness.clock.advance(TTL)  # everyone stopped: the layout may change
    await check_layout(state, leases, 4, harness.clock.now())
    assert await state.get("discord:shard_count") == "4"
