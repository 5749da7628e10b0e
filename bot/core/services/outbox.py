"""The outbox: DMs and staff/committee posts as rows, sent later by a paced worker.

Why: sending inside the action that caused a message ties the action to the platform's
rate limits and outages. A raid of 1,000 violations cannot wait for 1,000 DMs; a Code
re-acceptance for 50,000 members cannot live in one interaction; a 5xx or a restart
between the fact and its message must not lose the message. So the message is a row,
written in the same transaction as the fact it announces (an incident, a Code prompt),
and ``OutboxWorker`` (``outbox_worker.py``) sends it within the platform's pace.

Exactly once, as far as the platforms allow. A row goes ``pending -> sending`` by a
conditional update with a lease (as ``timed.py`` claims timed actions), the platform call
is made, and ``sending -> sent`` is one conditional update that also stores the platform's
message id. The only window in which a message could be sent twice is a crash after the
platform accepted the message and before that update committed (or an answer lost on the
way back: a timeout, a 5xx): the row is sent again. Each platform closes that window its
own way. On Discord the row id travels as an enforced ``nonce``, and Discord answers a
repeated nonce (within a few minutes, longer than the lease) with the message it already
created. Slack has no idempotency key, so the row id travels in the message's metadata,
and a send that *may* have happened before (``Notice.maybe_sent_since``) first looks for
it in the conversation's recent history. A row keeps ``claimed_at`` while it waits again
after such an uncertain attempt: that is how the next claim knows to look (a row put back
after a definite "no", a 429, has it cleared). Nothing is ever lost: a row leaves
``sending`` only as ``sent``, ``merged`` or ``failed``.

Order per conversation (one channel, one person's DMs): rows are taken oldest first, a
worker sends one conversation's rows one after another, and a row put back for later holds
the conversation's younger rows until then.

Anonymous reporters: a DM to one is queued to their *sealed* ref; the worker opens it at
send time, in memory, as ``try_dm`` does. The table never holds their account.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from bot.core.identity import MessageRef, is_sealed
from bot.core.models import OutboxMessage, OutboxStatus
from bot.core.ports import Notice, NoticeKind, Tx
from bot.core.services._context import Context, outbox_id, queue_dm, queue_post

LEASE = timedelta(seconds=60)
"""How long a claim holds. Shorter than the window in which Discord deduplicates a nonce,
so a row retaken from a crashed worker is answered with the message already sent."""

Outcome = Callable[[OutboxMessage, bool], Awaitable[None]]
"""Told, after the row is settled, whether its message reached the platform."""


def notice_of(row: OutboxMessage) -> Notice:
    return Notice(NoticeKind(row.notice_kind), row.text, subject_id=row.subject_id,
                  title=row.title, nonce=row.id[:25])


@dataclass(frozen=True, slots=True)
class Progress:
    """How far one job (a batch of rows) has come."""

    batch: str
    total: int
    sent: int
    failed: int

    @property
    def waiting(self) -> int:
        return self.total - self.sent - self.failed


_SETTLED = (OutboxStatus.SENT, OutboxStatus.MERGED)


def conversation(row: OutboxMessage) -> dict[str, Any]:
    """The filter for the rows that go to the same place as ``row`` (one channel, one
    person's DMs, one person's e-mail): the unit whose order is kept."""
    if row.audience is not None:
        return {"platform": row.platform, "audience": row.audience, "space": row.space,
                "channel": row.channel}
    return {"platform": row.platform, "recipient": row.recipient, "audience": None,
            "channel": row.channel}


class OutboxService:
    """The rows: claims with a lease, settling them, and the figures operators watch."""

    def __init__(self, ctx: Context, worker: str, lease: timedelta = LEASE) -> None:
        self._ctx = ctx
        self._worker = worker
        self.lease = lease
        self._outcomes: dict[str, Outcome] = {}

    def on_outcome(self, purpose: str, outcome: Outcome) -> None:
        """Who is told when a row of ``purpose`` is settled (sent or failed for good)."""
        self._outcomes[purpose] = outcome

    @property
    def outcomes(self) -> Mapping[str, Outcome]:
        return self._outcomes

    async def depth(self) -> int:
        """Messages not yet sent (pending or being sent): the queue operators watch."""
        async with self._ctx.storage.transaction() as tx:
            return await tx.count(OutboxMessage, status__in=[OutboxStatus.PENDING,
                                                             OutboxStatus.SENDING])

    async def oldest_pending_age(self) -> timedelta | None:
        """How long the oldest unsent message has waited; None when nothing waits."""
        async with self._ctx.storage.transaction() as tx:
            oldest = await tx.find(OutboxMessage, order_by="created_at", limit=1,
                                   status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING])
        return self._ctx.now() - oldest[0].created_at if oldest else None

    async def progress(self, batch: str) -> Progress:
        async with self._ctx.storage.transaction() as tx:
            total = await tx.count(OutboxMessage, batch=batch)
            sent = await tx.count(OutboxMessage, batch=batch, status__in=list(_SETTLED))
            failed = await tx.count(OutboxMessage, batch=batch, status=OutboxStatus.FAILED)
        return Progress(batch, total, sent, failed)

    async def due(self, limit: int) -> list[OutboxMessage]:
        """Rows to send now, oldest first (a conversation's order is kept): pending and
        due, then claims whose worker died."""
        now = self._ctx.now()
        async with self._ctx.storage.transaction() as tx:
            due = await tx.find(OutboxMessage, status=OutboxStatus.PENDING, due_at__lte=now,
                                order_by="created_at", limit=limit)
            stale = await tx.find(OutboxMessage, status=OutboxStatus.SENDING,
                                  claimed_at__lte=now - self.lease, order_by="created_at",
                                  limit=limit)
        return [*due, *stale]

    async def next_due(self) -> OutboxMessage | None:
        async with self._ctx.storage.transaction() as tx:
            rows = await tx.find(OutboxMessage, status=OutboxStatus.PENDING,
                                 order_by="due_at", limit=1)
        return rows[0] if rows else None

    async def claim(self, row: OutboxMessage) -> list[OutboxMessage]:
        """Take ``row`` (and, for a mergeable DM, every other waiting mergeable DM to the
        same person: one wave, one message); empty if another worker has it."""
        async with self._ctx.storage.transaction() as tx:
            lead = await self._take(tx, row)
            if lead is None:
                return []
            taken = [lead]
            if lead.mergeable and lead.recipient is not None:
                for other in await self._mates(tx, row):
                    if other.id != lead.id and (mate := await self._take(tx, other)):
                        taken.append(mate)
        return sorted(taken, key=lambda r: r.created_at)

    async def _mates(self, tx: Tx, row: OutboxMessage) -> list[OutboxMessage]:
        """The DMs that go in one message with ``row``: the person's waiting mergeable DMs;
        or, for a claim retaken from a dead worker, exactly the rows it had taken with it
        (the same message, under the same id, so the platform's copy is recognised)."""
        if row.status is OutboxStatus.SENDING:
            return await tx.find(OutboxMessage, recipient=row.recipient,
                                 status=OutboxStatus.SENDING, mergeable=True,
                                 claimed_by=row.claimed_by, claimed_at=row.claimed_at,
                                 order_by="created_at", limit=50)
        return await tx.find(OutboxMessage, recipient=row.recipient,
                             status=OutboxStatus.PENDING, mergeable=True,
                             order_by="created_at", limit=50)

    async def _take(self, tx: Tx, row: OutboxMessage) -> OutboxMessage | None:
        stale = row.status is OutboxStatus.SENDING and row.claimed_at is not None \
            and row.claimed_at + self.lease <= self._ctx.now()
        if row.status is not OutboxStatus.PENDING and not stale:
            return None
        claimed = replace(row, status=OutboxStatus.SENDING, claimed_by=self._worker,
                          claimed_at=self._ctx.now(), attempts=row.attempts + 1)
        won = await tx.update_if(claimed, status=row.status, attempts=row.attempts,
                                 claimed_at=row.claimed_at)
        return claimed if won else None

    async def sent(self, rows: list[OutboxMessage], message: MessageRef | None) -> bool:
        """The platform has it: each row becomes ``sent`` (the first) or ``merged`` with
        the message id, its text cleared, in one transaction."""
        now = self._ctx.now()
        lead = rows[0]
        if lead.recipient is not None and is_sealed(lead.recipient):
            message = None  # a DM channel leads back to the anonymous reporter: not kept
        ok = True
        async with self._ctx.storage.transaction() as tx:
            for row in rows:
                done = replace(row, status=OutboxStatus.SENT if row is lead
                               else OutboxStatus.MERGED, sent_at=now, message=message,
                               text="", last_error=None,
                               merged_into=None if row is lead else lead.id)
                ok = await tx.update_if(done, status=OutboxStatus.SENDING,
                                        claimed_by=self._worker, attempts=row.attempts) and ok
        return ok

    async def retry(self, rows: list[OutboxMessage], error: str, after: timedelta, *,
                    maybe_sent: bool = False) -> None:
        """Put the rows back for ``after``; ``maybe_sent``: the attempt may have reached
        the platform (no answer, a 5xx), so ``claimed_at`` stays and the next send looks
        first. The conversation's younger rows wait too, so they do not overtake."""
        later = self._ctx.now() + after
        async with self._ctx.storage.transaction() as tx:
            for row in rows:
                await tx.update_if(replace(row, status=OutboxStatus.PENDING, claimed_by=None,
                                           claimed_at=row.claimed_at if maybe_sent else None,
                                           due_at=later, last_error=error[:500]),
                                   status=OutboxStatus.SENDING, claimed_by=self._worker,
                                   attempts=row.attempts)
            for young in await tx.find(OutboxMessage, status=OutboxStatus.PENDING,
                                       created_at__gt=rows[0].created_at, due_at__lt=later,
                                       **conversation(rows[0])):
                await tx.update_if(replace(young, due_at=later), status=OutboxStatus.PENDING,
                                   due_at=young.due_at, attempts=young.attempts)

    async def failed(self, rows: list[OutboxMessage], error: str) -> None:
        """Undeliverable for good: kept as ``failed`` with the reason, text cleared."""
        now = self._ctx.now()
        async with self._ctx.storage.transaction() as tx:
            for row in rows:
                await tx.update_if(replace(row, status=OutboxStatus.FAILED, sent_at=now,
                                           text="", last_error=error[:500]),
                                   status=OutboxStatus.SENDING, claimed_by=self._worker,
                                   attempts=row.attempts)


__all__ = ["LEASE", "OutboxService", "Progress", "conversation", "notice_of", "outbox_id",
           "queue_dm", "queue_post"]
