"""ShardKeeper: the lease decides which process holds a shard's gateway connection.

A stand-in client records what the keeper asks of it (connect, resume, drop), so these run
in milliseconds; the real client against the fake Discord, in real processes, is
tests/scale/test_three_processes.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.core.errors import StorageError
from bot.core.models import PlatformState
from bot.core.services.leases import PREFIX, Lease, LeaseService
from bot.discord_io.gateway_state import GatewaySession, GatewayState
from bot.discord_io.shards import ShardKeeper, lease_name
from tests.core.harness import Harness
from tests.waiting import DEADLINE


@dataclass
class Socket:
    session_id: str | None = "s-1"
    sequence: int | None = 0
    gateway: str = "ws://resume"
    open: bool = True
    closed_with: int | None = None

    async def close(self, code: int = 1000) -> None:
        self.open, self.closed_with = False, code


@dataclass
class StandIn:
    """What ShardKeeper uses of CocBot."""

    app: Any
    ws: Socket | None = None
    connects: int = 0
    resumed: list[GatewaySession] = field(default_factory=list)
    lost: int = 0
    standby: list[bool] = field(default_factory=list)

    def resume_from(self, session: GatewaySession) -> None:
        self.resumed.append(session)

    async def connect(self, *, reconnect: bool) -> None:
        self.connects += 1
        self.ws = Socket(session_id=f"s-{self.connects}")
        await asyncio.Event().wait()  # connected until cancelled

    def gateway_lost(self) -> None:
        self.lost += 1

    def standing_by(self, standby: bool) -> None:
        self.standby.append(standby)

    async def finish_handling(self, grace: float = 10.0) -> None:
        return None

    def is_closed(self) -> bool:
        return False


def keeper(h: Harness, name: str) -> tuple[ShardKeeper, StandIn]:
    bot = StandIn(app=h)
    state = GatewayState(h.services.state)
    return ShardKeeper(bot, LeaseService(h.ctx), state, 0, name,  # type: ignore[arg-type]
                       ttl=timedelta(seconds=10), renew=0.02, poll=0.02, save=0.01), bot


async def until(check: Any, limit: float = DEADLINE) -> None:
    """Wait for a (plain or async) predicate; the keeper's intervals are milliseconds."""
    async def wait() -> None:
        while True:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            await asyncio.sleep(0.005)
    await asyncio.wait_for(wait(), limit)


async def test_one_holder_connects_and_a_clean_stop_hands_the_session_over(
        harness: Harness) -> None:
    first, first_bot = keeper(harness, "alpha")
    second, second_bot = keeper(harness, "beta")
    holding = asyncio.create_task(first.run())
    await until(lambda: first_bot.connects == 1)
    standing_by = asyncio.create_task(second.run())
    assert first_bot.ws is not None
    first_bot.ws.sequence = 42  # events arrived
    await until(lambda: _saved(harness, 42))
    assert second_bot.connects == 0  # the lease is held: the standby waits
    assert second_bot.standby[-1] is True and first_bot.standby[-1] is False
    holding.cancel()  # SIGTERM: drop resumably, save, release
    await asyncio.gather(holding, return_exceptions=True)
    assert first_bot.ws.closed_with == 4000  # 1000 would end the session on Discord's side
    await until(lambda: second_bot.connects == 1)  # at once: no lease to wait out
    assert second_bot.resumed == [GatewaySession("s-1", 42, "ws://resume")]
    standing_by.cancel()
    await asyncio.gather(standing_by, return_exceptions=True)


async def test_a_holder_whose_lease_was_taken_drops_its_connection(harness: Harness) -> None:
    first, first_bot = keeper(harness, "alpha")
    holding = asyncio.create_task(first.run())
    await until(lambda: first_bot.connects == 1)
    async with harness.storage.transaction() as tx:  # it was frozen; someone took over
        await tx.upsert(PlatformState(PREFIX + lease_name(0), Lease(
            lease_name(0), "beta:1:x", harness.clock.now() + timedelta(minutes=5), 9).encode(),
            harness.clock.now()))
    await until(lambda: first_bot.lost >= 1)
    assert first_bot.ws is not None and first_bot.ws.closed_with == 4000
    assert first_bot.connects == 1  # and it stands by rather than reconnecting
    holding.cancel()
    await asyncio.gather(holding, return_exceptions=True)
    current = await LeaseService(harness.ctx).current(lease_name(0))
    assert current is not None and current.holder == "beta:1:x"  # not released by alpha


async def _saved(h: Harness, sequence: int) -> bool:
    session = await GatewayState(h.services.state).session(0)
    return session is not None and session.sequence == sequence


class FlakyLeases(LeaseService):
    """Renewals fail ``failures`` times (the database is busy), then work again."""

    def __init__(self, h: Harness, failures: int) -> None:
        super().__init__(h.ctx)
        self.failures, self.calls = failures, 0

    async def renew(self, lease: Lease, ttl: timedelta) -> Lease | None:
        self.calls += 1
        if self.calls <= self.failures:
            raise StorageError("The database is busy; nothing was changed.")
        return await super().renew(lease, ttl)


async def test_a_failed_renewal_is_retried_while_the_lease_has_time_left(
        harness: Harness) -> None:
    bot = StandIn(app=harness)
    leases = FlakyLeases(harness, failures=2)
    kept = ShardKeeper(bot, leases, GatewayState(harness.services.state), 0,  # type: ignore[arg-type]
                       "alpha", ttl=timedelta(seconds=10), renew=0.02, poll=0.02, save=0.01)
    holding = asyncio.create_task(kept.run())
    await until(lambda: leases.calls >= 4)
    assert bot.lost == 0 and bot.connects == 1
    harness.clock.advance(timedelta(seconds=30))  # the database stayed down past the lease
    leases.failures = 10**6
    await until(lambda: bot.lost >= 1)
    holding.cancel()
    await asyncio.gather(holding, return_exceptions=True)
