"""Leases: one process at a time owns something (a Discord gateway shard), with fail-over.

A lease is a ``platform_state`` row (``lease:<name>``) whose value says who holds it, until
when, and how many times it changed hands. Every change is a compare-and-swap on that
value (``Tx.update_if(row, value=<what was read>)``), or an insert that yields on conflict
for the first claim, so of several processes reaching for one lease at once exactly one
wins, on any database the ``Storage`` port supports. No advisory lock, no process talks
to another: the database is the only coordinator.

The holder renews well before expiry. A holder that dies stops renewing; once the lease
has expired any other process may take it, which bumps ``generation``. A holder that was
only paused (a long GC, a frozen VM) and comes back finds its renewal refused, because the
value is no longer the one it wrote: it must stop doing the leased work at once.

Times are compared on each claimant's clock, so the machines' clocks must agree to well
within the lease (NTP does); the lease length is tens of seconds for that reason.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.models import PlatformState
from bot.core.services._context import Context

log = logging.getLogger(__name__)

PREFIX = "lease:"


@dataclass(frozen=True, slots=True)
class Lease:
    """``holder`` owns ``name`` until ``expires_at``; ``generation`` counts hand-overs."""

    name: str
    holder: str
    expires_at: datetime
    generation: int = 1

    def encode(self) -> str:
        return json.dumps({"holder": self.holder, "expires_at": self.expires_at.isoformat(),
                           "generation": self.generation}, sort_keys=True)

    @classmethod
    def decode(cls, name: str, value: str) -> Lease:
        data = json.loads(value)
        return cls(name, str(data["holder"]), datetime.fromisoformat(data["expires_at"]),
                   int(data["generation"]))


class LeaseService:
    """Take, renew, read and give up leases; see the module docstring for the protocol."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def current(self, name: str) -> Lease | None:
        async with self._ctx.storage.transaction() as tx:
            row = await tx.get(PlatformState, PREFIX + name)
        return Lease.decode(name, row.value) if row is not None else None

    async def acquire(self, name: str, holder: str, ttl: timedelta) -> Lease | None:
        """Take ``name`` for ``holder`` if it is free, expired or already ours.

        Returns the lease held now, or None when another live holder has it.
        """
        now = self._ctx.now()
        key = PREFIX + name
        async with self._ctx.storage.transaction() as tx:
            row = await tx.get(PlatformState, key)
            if row is None:
                lease = Lease(name, holder, now + ttl)
                return lease if await tx.insert_new(PlatformState(key, lease.encode(), now)) \
                    else None
            held = Lease.decode(name, row.value)
            if held.holder != holder and held.expires_at > now:
                return None
            generation = held.generation if held.holder == holder else held.generation + 1
            lease = Lease(name, holder, now + ttl, generation)
            won = await tx.update_if(PlatformState(key, lease.encode(), now), value=row.value)
        if won and held.holder != holder:
            log.info("lease %s taken over from %s (expired %s)", name, held.holder,
                     held.expires_at.isoformat())
        return lease if won else None

    async def renew(self, lease: Lease, ttl: timedelta) -> Lease | None:
        """Extend a lease this process holds; None when it was lost (taken over, or
        expired and taken): the caller must stop the leased work."""
        now = self._ctx.now()
        key = PREFIX + lease.name
        async with self._ctx.storage.transaction() as tx:
            row = await tx.get(PlatformState, key)
            if row is None or Lease.decode(lease.name, row.value) != lease:
                return None
            renewed = replace(lease, expires_at=now + ttl)
            won = await tx.update_if(PlatformState(key, renewed.encode(), now), value=row.value)
        return renewed if won else None

    async def release(self, lease: Lease) -> bool:
        """Give the lease up at once (a clean stop), so a standby need not wait it out."""
        now = self._ctx.now()
        key = PREFIX + lease.name
        async with self._ctx.storage.transaction() as tx:
            row = await tx.get(PlatformState, key)
            if row is None or Lease.decode(lease.name, row.value) != lease:
                return False
            gone = replace(lease, expires_at=now)
            return await tx.update_if(PlatformState(key, gone.encode(), now), value=row.value)
