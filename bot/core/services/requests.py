"""Acting on a platform request once, however often it is delivered.

Slack signs a request, not a moment: the same signed body is valid for five minutes, so
whoever sees it (a proxy's log, a browser extension, a leaked capture) can post it again,
and Slack itself resends an event it thinks was not acknowledged. The first delivery
claims the request's identity in the database with an insert that does nothing on
conflict; every later delivery finds the claim and is ignored. The claim is made before
any work, so the first delivery's processing wins and a retry never re-runs it (should
that processing fail, the request is not run again: at most once, never twice).

The claims live in the database rather than in memory so that they hold across several
processes serving one workspace and across a restart in the middle of Slack's retries.
The same claims make automod act once per message and an escalation happen once when
several processes (or handlers) see the same thing: see ``ModerationService`` and
``IncidentService``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.models import RequestClaim
from bot.core.services._context import Context

log = logging.getLogger(__name__)

KEEP = timedelta(hours=1)
"""How long a claim is remembered: past Slack's 5-minute signature window and its three
retries of an event (at once, after 1 minute, after 5 minutes), with room for clock skew."""
PRUNE_EVERY = timedelta(minutes=10)
PRUNE_BATCH = 500


class RequestLedger:
    """Which requests were already acted on; see the module docstring for why."""

    def __init__(self, ctx: Context, keep: timedelta = KEEP,
                 prune_every: timedelta = PRUNE_EVERY) -> None:
        self._ctx = ctx
        self._keep = keep
        self._prune_every = prune_every
        self._last_prune: datetime | None = None

    async def first_time(self, key: str) -> bool:
        """Claim ``key``; True for the first delivery, False for any repeat before expiry.

        An expired claim (older than ``keep``) is taken over, conditionally, so two
        processes cannot both take it over.
        """
        now = self._ctx.now()
        claim = RequestClaim(key, now, now + self._keep)
        async with self._ctx.storage.transaction() as tx:
            if await tx.insert_new(claim):
                first = True
            else:
                old = await tx.get(RequestClaim, key)
                first = old is not None and old.expires_at <= now and await tx.update_if(
                    claim, claimed_at=old.claimed_at)
        if not first:  # the kind only (slack, watch, escalation): ids stay out of logs
            log.info("ignored a repeat (%s)", key.split(":", 1)[0])
        await self._maybe_prune(now)
        return first

    async def _maybe_prune(self, now: datetime) -> None:
        if self._last_prune is not None and now - self._last_prune < self._prune_every:
            return
        self._last_prune = now
        await self.prune()

    async def prune(self) -> int:
        """Forget claims past their expiry (a bounded batch per call); returns how many."""
        now = self._ctx.now()
        async with self._ctx.storage.transaction() as tx:
            expired = await tx.find(RequestClaim, order_by="expires_at",
                                    limit=PRUNE_BATCH, expires_at__lte=now)
            for claim in expired:
                await tx.delete(RequestClaim, claim.id)
        return len(expired)
