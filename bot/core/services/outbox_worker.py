"""The outbox's sender: paced to each platform, patient with failures, restart-safe.

One worker task per process takes due rows (``OutboxService.due``), claims them with a
lease and sends each within its platform's pace: a token bucket for DMs per platform and
one per private channel for posts (Discord allows about 5 messages per 5 s in a channel;
Slack about one a second). A 429 pauses that bucket for the platform's ``Retry-After``
and puts the row back for then; a 5xx or a timeout backs off 2 s, 4 s, ... up to five
minutes, for as long as the platform takes to recover (``MAX_ATTEMPTS`` at the cap is
days); a closed DM fails at once, is recorded and surfaced (the row's purpose is told).
Rows for a platform that is not connected yet wait without spending an attempt.
Each conversation (a channel, a person's DMs) is sent by one task, oldest row first, and
stops at a row put back for later, so its messages arrive in the order they were written.
A row put back after an uncertain attempt (no answer, a 5xx) or retaken from a dead
worker is sent with ``Notice.maybe_sent_since``, so a platform without idempotent sends
(Slack) looks for the copy it may already have.

Tests and operators wait on :meth:`OutboxWorker.drained`, set whenever no row is due and
no send is in flight, never on a sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from bot.core.errors import (
    DeliveryFailed,
    PlatformError,
    PlatformUnavailable,
    StorageError,
)
from bot.core.identity import MessageRef, PersonRef, PlatformName, is_sealed
from bot.core.markup import Trusted
from bot.core.messages import TEMPLATE_FIELDS
from bot.core.models import OutboxMessage
from bot.core.ports import Audience, Email, Notice
from bot.core.refs import log_fields
from bot.core.services._context import Context, address_of, email_too, unseal
from bot.core.services.outbox import OutboxService, conversation, notice_of

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=5)
MAX_ATTEMPTS = 1000  # at the five-minute cap: about three and a half days of outage
EMAIL_ATTEMPTS = 12
"""An e-mail server that fails for this long (2 s, 4 s, ... then 5 minutes: about half an
hour) is reported to staff, who can reach the person another way while it matters."""
EMAIL = "email"
SWEEP_SECONDS = 5.0
"""The worker looks for due rows at least this often, whatever kicks it missed."""
IN_FLIGHT = 8
"""Sends in progress at once; the buckets, not this, set the pace."""


def backoff(attempts: int) -> timedelta:
    delay: timedelta = timedelta(seconds=2) * (2 ** min(max(0, attempts - 1), 10))
    return min(delay, MAX_BACKOFF)


@dataclass(frozen=True, slots=True)
class Pace:
    """How fast one platform may be sent to: DMs a second (across all DMs) and posts a
    second in any one channel; ``burst`` is how many may go at once after a quiet spell.
    ``UNPACED`` is for tests whose platform is a recording fake."""

    dms_per_second: float = 5.0
    posts_per_second: float = 1.0
    burst: int = 5


UNPACED = Pace(dms_per_second=1e9, posts_per_second=1e9, burst=1_000_000)


class Bucket:
    """A token bucket on the event loop's clock: real time, because rate limits are."""

    def __init__(self, rate: float, burst: int, now: Callable[[], float]) -> None:
        self._rate, self._burst, self._now = rate, float(burst), now
        self._tokens, self._at = float(burst), now()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """The platform said "wait": nothing leaves this bucket until then."""
        self._paused_until = max(self._paused_until, self._now() + seconds)
        self._tokens = 0.0

    def wait_needed(self) -> float:
        """Seconds until a send may go (0: take it now, and the token is taken)."""
        now = self._now()
        if now < self._paused_until:
            return self._paused_until - now
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self._rate


class OutboxWorker:
    def __init__(self, ctx: Context, service: OutboxService,
                 paces: Mapping[PlatformName, Pace] | None = None, *,
                 inline: bool = False, sweep_seconds: float = SWEEP_SECONDS,
                 default_pace: Pace | None = None) -> None:
        self._ctx, self._service = ctx, service
        self._paces = dict(paces or {})
        self._default_pace = default_pace or Pace()
        self._inline, self._sweep = inline, sweep_seconds
        self._buckets: dict[str, Bucket] = {}
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._stopping = False
        self._passing = False
        self._stopped = asyncio.Event()
        self._flight: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._task: asyncio.Task[None] | None = None

    async def kick(self) -> None:
        """Rows were committed: send them (inline: now, before returning; tests of the
        core use this)."""
        self._drained.clear()
        if self._inline:
            if self._passing:  # kicked by an outcome inside a pass: that pass goes on
                return
            self._passing = True
            try:
                await self.pass_once()
            finally:
                self._passing = False
            await self._settle()
            self._drained.set()
        else:
            self._wake.set()

    def platform_ready(self, name: PlatformName) -> None:
        self._drained.clear()
        self._wake.set()

    async def drained(self) -> None:
        """Return once nothing is due and nothing is in flight: the "outbox drained" signal
        tests wait on (under ``asyncio.timeout``)."""
        await self._drained.wait()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="outbox-worker")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop claiming; let sends in flight finish (each then records its outcome), up to
        ``grace`` seconds. A row cut off here is retaken after its lease: never lost."""
        self._stopping = True
        self._stopped.set()
        self._wake.set()
        if self._task is not None:
            await asyncio.wait([self._task], timeout=grace)
            if not self._task.done():
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._settle(grace)

    async def _settle(self, grace: float | None = None) -> None:
        if self._flight:
            await asyncio.wait(set(self._flight), timeout=grace)

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                delay = await self.pass_once()
            except StorageError as exc:  # the storage's watcher stops the bot; say it once
                log.warning("outbox paused: %s", exc)
                delay = self._sweep
            except Exception:  # the worker must outlive one bad pass
                log.exception("outbox pass failed")
                delay = self._sweep
            if self._stopping:
                break
            await self._settle()
            if not self._flight and not self._wake.is_set() and await self._idle():
                self._drained.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _idle(self) -> bool:
        rows = await self._service.due(limit=1)
        return not [r for r in rows if self._connected(r)]

    async def pass_once(self) -> float:
        """Send every row due now; return how long to wait before the next look."""
        delay = self._sweep
        while not self._stopping:
            rows = [r for r in await self._service.due(limit=200) if self._connected(r)]
            if not rows:
                break
            for queue in _by_conversation(rows):
                if self._stopping:
                    break
                await self._start_conversation(queue)
            await self._settle()
        upcoming = await self._service.next_due()
        if upcoming is not None:
            ahead = (upcoming.due_at - self._ctx.now()).total_seconds()
            delay = min(delay, max(0.05, ahead))
        return delay

    def _connected(self, row: OutboxMessage) -> bool:
        if row.channel == EMAIL:
            return self._ctx.mailer is not None
        return self._ctx.platforms.has(row.platform) and \
            self._ctx.platforms.is_ready(row.platform)

    async def _start_conversation(self, queue: list[OutboxMessage]) -> None:
        """One task per conversation, sending its rows one after another (oldest first),
        so they arrive in order; conversations go side by side."""
        await self._slots.acquire()
        task = asyncio.create_task(self._send_in_turn(queue),
                                   name=f"outbox-send-{queue[0].id[:8]}")
        self._flight.add(task)
        task.add_done_callback(self._flight.discard)

    async def _send_in_turn(self, queue: list[OutboxMessage]) -> None:
        try:
            for row in queue:
                if self._stopping:
                    return
                claimed = await self._service.claim(row)
                if not claimed:
                    continue  # another worker has it, or it went out merged with an earlier one
                await self._paced(claimed[0])
                # claimed_at set before this claim: an earlier attempt may have reached the
                # platform (a worker died, or its answer was lost)
                if not await self._send(claimed, maybe_sent=row.claimed_at is not None):
                    return  # put back for later: the younger rows wait behind it
        finally:
            self._slots.release()

    async def _paced(self, row: OutboxMessage) -> None:
        key = _bucket_key(row)
        bucket = self._buckets.get(key)
        if bucket is None:
            pace = self._paces.get(row.platform, self._default_pace)
            rate = pace.posts_per_second if row.audience else pace.dms_per_second
            loop = asyncio.get_running_loop()
            bucket = self._buckets[key] = Bucket(rate, pace.burst, loop.time)
        while (wait := bucket.wait_needed()) > 0 and not self._stopping:
            with contextlib.suppress(TimeoutError):  # the platform's pace; a stop cuts it
                await asyncio.wait_for(self._stopped.wait(), wait)

    async def _send(self, rows: list[OutboxMessage], *, maybe_sent: bool = False) -> bool:
        """Send one claimed message and settle its rows; False when it was put back."""
        try:
            message = await self._deliver(rows, maybe_sent=maybe_sent)
        except DeliveryFailed as exc:
            await self._give_up(rows, str(exc), refused=True)
        except PlatformUnavailable as exc:
            await self._later(rows, exc, maybe_sent=maybe_sent)
            return False
        except PlatformError as exc:
            await self._give_up(rows, str(exc))
        except Exception as exc:  # an unknown failure is retried, never dropped
            log.exception("outbox send %s failed", rows[0].id)
            await self._later(rows, PlatformUnavailable(str(exc)), maybe_sent=maybe_sent)
            return False
        else:
            if not await self._service.sent(rows, message):
                log.warning("outbox row %s was retaken before it was recorded", rows[0].id)
            await self._tell(rows, delivered=True)
            await self._email_too(rows, dm_refused=False)
        return True

    async def _deliver(self, rows: list[OutboxMessage], *,
                       maybe_sent: bool) -> MessageRef | None:
        lead = rows[0]
        if lead.channel == EMAIL:
            await self._email(lead)
            return None
        platform = self._ctx.platforms.get(lead.platform)
        notice = notice_of(lead) if len(rows) == 1 else self._merged(rows)
        if maybe_sent:  # the platform may hold it already: since the row was written
            notice = replace(notice, maybe_sent_since=lead.created_at)
        if lead.audience is not None:
            return await platform.post(Audience(lead.audience), notice, space=lead.space)
        assert lead.recipient is not None
        return await platform.send_dm(await self._address(lead.recipient), notice)

    async def _email(self, row: OutboxMessage) -> None:
        """Send an e-mail row: the address is read now (the row never holds it), so an
        address removed meanwhile is not written to."""
        assert self._ctx.mailer is not None and row.recipient is not None
        async with self._ctx.storage.transaction() as tx:
            address = await address_of(tx, row.recipient)
        if address is None:
            raise DeliveryFailed("The person has no e-mail address in the address book.")
        name = f"email_subject_{row.notice_kind}"
        render = self._ctx.messages.render
        subject = render(name) if name in TEMPLATE_FIELDS else \
            render("email_subject", title=row.title) if row.title else \
            render("email_subject_default")
        await self._ctx.mailer.send(Email(to=address, subject=str(subject), body=row.text,
                                          message_id=row.id))

    async def _address(self, person: PersonRef) -> PersonRef:
        if not is_sealed(person):
            return person
        async with self._ctx.storage.transaction() as tx:  # opened in memory, to send
            account = await unseal(tx, person)
        if account is None:
            raise DeliveryFailed("A sealed person could not be resolved.")
        return account

    def _merged(self, rows: list[OutboxMessage]) -> Notice:
        """One DM for a wave: a line saying how many, then each explanation in turn."""
        render = self._ctx.messages.render
        parts = [render("dm_wave", count=len(rows))]
        parts += [render("dm_wave_part", number=n, text=Trusted(row.text))
                  for n, row in enumerate(rows, start=1)]
        return Notice(notice_of(rows[0]).kind, "\n\n".join(parts),
                      subject_id=rows[0].subject_id, title=rows[0].title, nonce=rows[0].id[:25])

    async def _later(self, rows: list[OutboxMessage], exc: PlatformUnavailable, *,
                     maybe_sent: bool) -> None:
        lead = rows[0]
        if lead.attempts >= (EMAIL_ATTEMPTS if lead.channel == EMAIL else MAX_ATTEMPTS):
            await self._give_up(rows, f"gave up after {lead.attempts} attempts: {exc}")
            return
        after = backoff(lead.attempts)
        if exc.retry_after_seconds is not None:
            after = timedelta(seconds=exc.retry_after_seconds)
            key = _bucket_key(lead)
            if key in self._buckets:
                self._buckets[key].pause(exc.retry_after_seconds)
        log.info("outbox %s: %s; retrying in %ss", lead.id[:8], exc, after.total_seconds(),
                 extra=log_fields(lead.subject_id))
        # no Retry-After: no answer, or a 5xx, which may come after the platform took it
        await self._service.retry(rows, str(exc), after,
                                  maybe_sent=maybe_sent or exc.retry_after_seconds is None)

    async def _give_up(self, rows: list[OutboxMessage], error: str, *,
                       refused: bool = False) -> None:
        lead = rows[0]
        who = "a person" if lead.recipient is not None else f"the {lead.audience} channel"
        log.warning("outbox %s to %s not delivered: %s", lead.id[:8], who, error,
                    extra=log_fields(lead.subject_id))
        await self._service.failed(rows, error)
        if refused:  # first, so whoever is told sees the e-mail (``emailed_instead``)
            await self._email_too(rows, dm_refused=True)
        await self._tell(rows, delivered=False)

    async def _email_too(self, rows: list[OutboxMessage], *, dm_refused: bool) -> None:
        """A DM refused (or one the operator wants e-mailed as well): each notice of the
        wave goes by e-mail too, if ``[email]`` says so and the person has an address."""
        for row in rows:
            if row.channel is not None or row.recipient is None or not row.text:
                continue
            try:
                await email_too(self._ctx, row.recipient, notice_of(row), key=row.id,
                                dm_refused=dm_refused)
            except Exception:  # the DM's outcome is settled; an e-mail must not undo it
                log.exception("outbox %s: could not queue its e-mail", row.id[:8])

    async def _tell(self, rows: list[OutboxMessage], *, delivered: bool) -> None:
        for row in rows:
            outcome = self._service.outcomes.get(row.purpose or "")
            if outcome is None:
                continue
            try:
                await outcome(row, delivered)
            except Exception:  # telling must never undo or repeat the send
                log.exception("outbox outcome for %s failed", row.id[:8])


def _by_conversation(rows: list[OutboxMessage]) -> list[list[OutboxMessage]]:
    """The due rows as one queue per conversation, each oldest first."""
    queues: dict[tuple[object, ...], list[OutboxMessage]] = {}
    for row in sorted(rows, key=lambda r: r.created_at):
        key = tuple(sorted(conversation(row).items(), key=lambda kv: kv[0]))
        queues.setdefault(key, []).append(row)
    return list(queues.values())


def _bucket_key(row: OutboxMessage) -> str:
    if row.channel == EMAIL:
        return EMAIL
    return f"{row.platform.value}:{row.audience or 'dm'}:{row.space or ''}"
