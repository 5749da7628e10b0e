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

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.models import RequestClaim
from bot.core.ports import Tx
from bot.core.services._context import Context

log = logging.getLogger(__name__)

KEEP = timedelta(hours=1)
"""How long a claim is remembered: past Slack's 5-minute signature window and its three
retries of an event (at once, after 1 minute, after 5 minutes), with room for clock skew."""
PRUNE_EVERY = timedelta(minutes=10)
PRUNE_BATCH = 500


class RequestLedger:
    """Which requests were already acted on; see the module docstring for why.

    Claims are committed in groups: the claims that arrive while one group's transaction
    waits and runs form the next group, claimed in one transaction of two statements
    (``Tx.insert_all_new``). Under a flood (a raid: thousands of messages a second, each
    claimed before it is acted on) a claim per transaction queued every message behind the
    others and behind every other unit of work on the one database connection; a lone
    claim still goes at once, with no added wait.
    """

    def __init__(self, ctx: Context, keep: timedelta = KEEP,
                 prune_every: timedelta = PRUNE_EVERY) -> None:
        self._ctx = ctx
        self._keep = keep
        self._prune_every = prune_every
        self._last_prune: datetime | None = None
        self._waiting: list[tuple[str, asyncio.Future[bool]]] = []
        self._committer: asyncio.Task[None] | None = None

    async def first_time(self, key: str) -> bool:
        """Claim ``key``; True for the first delivery, False for any repeat before expiry.

        An expired claim (older than ``keep``) is taken over, conditionally, so two
        processes cannot both take it over.
        """
        return (await self.first_times([key]))[0]

    async def first_times(self, keys: Sequence[str]) -> list[bool]:
        """:meth:`first_time` for each of ``keys`` (a batch's), in one group."""
        if not keys:
            return []
        loop = asyncio.get_running_loop()
        answers: list[asyncio.Future[bool]] = [loop.create_future() for _ in keys]
        self._waiting += zip(keys, answers, strict=True)
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_groups(), name="claims")
        firsts = list(await asyncio.gather(*answers))
        for key, first in zip(keys, firsts, strict=True):
            if not first:  # the kind only (slack, watch, escalation): ids stay out of logs
                log.info("ignored a repeat (%s)", key.split(":", 1)[0])
        return firsts

    async def _commit_groups(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                first = await self._claim([key for key, _ in group])
            except BaseException as exc:  # every waiter learns; the next group goes on
                if not isinstance(exc, Exception):  # cancelled (a shutdown): nobody hangs
                    group, self._waiting = group + self._waiting, []
                for _, answer in group:
                    if not answer.done():
                        answer.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for key, answer in group:
                if not answer.done():  # a cancelled waiter has no one to tell
                    answer.set_result(key in first)
                first.discard(key)  # a key twice in one group: the first delivery only

    async def _claim(self, keys: list[str]) -> set[str]:
        """The keys of ``keys`` claimed now: new ones, and expired ones taken over. Every
        ``prune_every``, the same transaction first forgets a batch of expired claims."""
        now = self._ctx.now()
        prune = self._last_prune is None or now - self._last_prune >= self._prune_every
        claims = [RequestClaim(key, now, now + self._keep) for key in keys]
        async with self._ctx.storage.transaction() as tx:
            if prune:
                await self._prune(tx, now)
            first = await tx.insert_all_new(claims)
            held = {key for key in keys if key not in first}
            if held:
                for old in await tx.find(RequestClaim, id__in=sorted(held)):
                    if old.expires_at <= now and await tx.update_if(
                            RequestClaim(old.id, now, now + self._keep),
                            claimed_at=old.claimed_at):
                        first.add(old.id)
        if prune:
            self._last_prune = now
        return first

    async def prune(self) -> int:
        """Forget claims past their expiry (a bounded batch per call); returns how many."""
        async with self._ctx.storage.transaction() as tx:
            return await self._prune(tx, self._ctx.now())

    @staticmethod
    async def _prune(tx: Tx, now: datetime) -> int:
        expired = await tx.find(RequestClaim, order_by="expires_at",
                                limit=PRUNE_BATCH, expires_at__lte=now)
        for claim in expired:
            await tx.delete(RequestClaim, claim.id)
        return len(expired)
