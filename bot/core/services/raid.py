"""Raid mode: a flood of violations handled in batches, with one alert per wave.

When automod's findings in a space come faster than ``[raid]`` allows (``bot.core.rules.raid``),
removals in that space stop going one by one through :class:`IncidentService` and are
queued here. Two workers per space take what has queued up (while one worked, more
arrived: the busier the raid, the bigger the batch). The first only deletes, so removal is
never held up by DMs or the database:

1. deletes the messages in bulk per channel (``Platform.delete_messages``: Discord's bulk
   delete, Slack paced to its tier);

the second, for each batch the first hands over:

2. explains once to each author new to the wave (``try_dm``: the outbox paces and merges);
3. records every message as its own incident, with its evidence and audit entry, in ONE
   transaction, and asks the repeat-violation rule once per author;
4. opens the escalated cases (one per person: the database refuses a second), suspends
   the authors the rule says to (once per wave, no summary post each);
5. refreshes the wave's one alert in the staff queue and the committee channel.

The wave ends by itself: a timed action checks, ``quiet`` after the last finding, that
nothing came since, and edits the alert to say the wave is over. The wave's figures and
its alert's message ids are kept in the database while it lasts (``_raid_wave``), so a bot
restarted mid-wave goes on with the same wave: the same alert, edited with the full
totals, each author still told once. A slow mode or lock put
on a flooded channel is undone by its own timed action, which survives a restart (the
channel's previous setting travels in the action).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.core.durations import Duration
from bot.core.errors import CocBotError, PlatformError
from bot.core.identity import MessageRef, PersonRef, PlaceRef
from bot.core.models import (
    ActionKind,
    ActionStatus,
    Evidence,
    Incident,
    IncidentKind,
    SanctionScope,
    ScheduledAction,
)
from bot.core.ports import Audience
from bot.core.refs import new_ref
from bot.core.rules.raid import RateWatch, Restraint, Wave, space_key
from bot.core.services import _raid_wave as waves
from bot.core.services._context import (
    Context,
    Reach,
    after_commit,
    audit,
    audit_entry,
    mention_place,
    reach,
    schedule,
    when,
)
from bot.core.services._raid_alert import WaveAlert, post, refresh, settle
from bot.core.services.evidence import EvidenceService
from bot.core.services.incidents import IncidentDraft, IncidentService
from bot.core.services.requests import RequestLedger
from bot.core.services.sanctions import SanctionService, SuspensionRequest

log = logging.getLogger(__name__)

REMOVALS = frozenset({IncidentKind.REMOVAL, IncidentKind.REDACTION})
DM_CONCURRENCY = 8
DELETES_IN_FLIGHT = 1
"""One deletion batch under way per service: the next one grows meanwhile. Measured with
``benchmarks/pipeline.py``: more batches in flight meant smaller ones, more calls, and a
slower drain under load (the platform, not the bot, is the bottleneck)."""
BATCH_LINGER = 0.1
"""Seconds a lone finding waits for company before its deletion starts. A raid's next
messages are milliseconds away, and Discord deletes 2-100 in one bulk call but a lone one by
itself (5 a channel per 5 s): when each finding costs the bot less than the platform's answer
(a fast platform, a quiet machine), batches would otherwise stay at one message each."""
BATCH = 250
"""At most this many findings in one transaction (Discord deletes 100 a call per channel)."""


@dataclass(frozen=True, slots=True)
class RaidFinding:
    """A finding automod made about a message while its space is flooded."""

    draft: IncidentDraft  # a removal, a redaction or an alert, with its message
    suspend_for: Duration | None = None  # the rule also suspends the author (once a wave)
    suspend_reason: str = ""
    claim: str = ""  # its once-only claim (``RequestLedger``), made by the recording stage


@dataclass(slots=True)
class _Pending:
    finding: RaidFinding
    done: asyncio.Future[Incident | None]
    deleted: bool = False

    @property
    def removal(self) -> bool:
        """A removal (deleted and explained); otherwise an alert, left for staff."""
        return self.finding.draft.kind in REMOVALS

    @property
    def message(self) -> MessageRef:
        assert self.finding.draft.message is not None
        return self.finding.draft.message


class RaidService:
    def __init__(self, ctx: Context, incidents: IncidentService, sanctions: SanctionService,
                 evidence: EvidenceService | None = None,
                 ledger: RequestLedger | None = None) -> None:
        self._ctx = ctx
        self._ledger = ledger or RequestLedger(ctx)
        self._incidents = incidents
        self._sanctions = sanctions
        self._evidence = evidence or EvidenceService(ctx)
        self._rates = RateWatch(ctx.policy.raid)
        self._alerts: dict[str, WaveAlert] = {}  # space key -> its wave (while it lasts)
        self._deletes: dict[str, list[_Pending]] = {}  # space key -> waiting for deletion
        self._deleters: dict[str, asyncio.Task[None]] = {}
        self._queues: dict[str, list[_Pending]] = {}  # deleted, waiting to be recorded
        self._drainers: dict[str, asyncio.Task[None]] = {}
        self._dm_slots = asyncio.Semaphore(DM_CONCURRENCY)
        self._delete_slots = asyncio.Semaphore(DELETES_IN_FLIGHT)
        self._deleting: set[asyncio.Task[None]] = set()
        self._resumed: dict[str, asyncio.Task[None]] = {}  # space key -> its one lookup

    def wave(self, place: PlaceRef) -> Wave | None:
        alert = self._alerts.get(space_key(place))
        return alert.wave if alert else None

    async def takes(self, place: PlaceRef, author: PersonRef) -> bool:
        """Count a finding in ``place``; True when its space is in raid mode (it was, or
        this finding starts a wave), so the caller hands it to :meth:`handle`."""
        policy = self._ctx.policy.raid
        if not policy.enabled:
            return False
        now = self._ctx.now()
        key = space_key(place)
        if key not in self._alerts:
            await self._resume(key)
        alert = self._alerts.get(key)
        earlier = self._rates.recent_authors(place) if alert is None else set()
        heat = self._rates.observe(place, now, author)
        if alert is None:
            if not heat:
                return False
            wave = Wave(id=new_ref("W"), space=key, started_at=now, last_at=now)
            # the findings just before were handled one by one: their authors were told
            wave.told = {wave.token(person) for person in earlier}
            alert = self._alerts[key] = WaveAlert(wave, place.platform)
            log.warning("raid mode on in %s (wave %s)", key, wave.id)
            await self._schedule_end(wave)
        alert.wave.last_at = max(alert.wave.last_at, now)
        if heat.channel and policy.restraint is not Restraint.NONE \
                and place not in alert.wave.restrained:
            await self._restrain(alert, place)
        return True

    async def _resume(self, key: str) -> None:
        """Once per space after a start: the wave the bot was in when it stopped, if it
        is not over yet, goes on (concurrent findings all wait for the one lookup)."""
        task = self._resumed.get(key)
        if task is None:
            task = self._resumed[key] = asyncio.ensure_future(self._look_up(key))
        await asyncio.shield(task)

    async def _look_up(self, key: str) -> None:
        async with self._ctx.storage.transaction() as tx:
            alert = await waves.live(tx, key)
        if alert is None or alert.wave.over(self._ctx.now(), self._ctx.policy.raid.quiet):
            return  # none; or over, and its end action closes it
        self._alerts.setdefault(key, alert)
        log.warning("raid mode resumed in %s (wave %s)", key, alert.wave.id)

    async def handle(self, finding: RaidFinding) -> Incident | None:
        """Queue a removal for its space's next batch; the incident once it is recorded,
        None if its claim finds it handled already (another process saw it too).

        The message is deleted before its claim is made: a deletion is the same whoever
        makes it and however often, and the claim waits on the database, which under a
        flood would hold every removal behind every write. What must happen once (the
        incident, the explanation) happens after the claim, in the recording stage."""
        assert finding.draft.message is not None, "raid mode removes messages"
        key = space_key(finding.draft.message.place)
        pending = _Pending(finding, asyncio.get_running_loop().create_future())
        self._deletes.setdefault(key, []).append(pending)
        _ensure(self._deleters, key, self._delete_queued)
        return await pending.done

    async def drain(self) -> None:
        """Wait until every queued finding is recorded and every alert shows its figures
        (a shutdown calls this, so a stop never drops a batch half-way)."""
        while busy := [t for t in (*self._deleters.values(), *self._deleting,
                                   *self._drainers.values(),
                                   *(a.editing for a in self._alerts.values() if a.editing))
                       if not t.done()]:
            await asyncio.gather(*busy, return_exceptions=True)

    def _busy(self, key: str) -> bool:
        return bool(self._deleting) or any(
            queue.get(key) for queue in (self._deletes, self._queues)) or any(
            not task.done() for tasks in (self._deleters, self._drainers)
            if (task := tasks.get(key)) is not None)

    async def _delete_queued(self, key: str) -> None:
        """Stage one, never held up by DMs or the database: delete what has queued up,
        up to ``DELETES_IN_FLIGHT`` batches at once (while they are under way, the next
        batch grows), and hand each batch to the recording stage once deleted."""
        while self._deletes.get(key):
            await self._delete_slots.acquire()
            try:
                if len(self._deletes.get(key, ())) < 2:
                    await asyncio.sleep(BATCH_LINGER)
            except BaseException:
                self._delete_slots.release()
                raise
            queue = self._deletes.get(key)  # it grew while every slot was busy
            if not queue:
                self._delete_slots.release()
                return
            batch, self._deletes[key] = queue[:BATCH], queue[BATCH:]
            task = asyncio.create_task(self._delete_batch(key, batch))
            self._deleting.add(task)
            task.add_done_callback(self._deleting.discard)

    async def _delete_batch(self, key: str, batch: list[_Pending]) -> None:
        try:
            gone = await self._delete(batch)
        except Exception as exc:  # not a platform refusal: a bug; nobody waits forever
            log.exception("raid deletion of %d in %s failed", len(batch), key)
            for pending in batch:
                pending.done.set_exception(exc)
            return
        finally:
            self._delete_slots.release()
        for pending in batch:
            pending.deleted = pending.message in gone
        self._queues.setdefault(key, []).extend(batch)
        _ensure(self._drainers, key, self._drain)

    async def _drain(self, key: str) -> None:
        """Stage two: explain, record, escalate, suspend, and update the alert."""
        while queue := self._queues.get(key):
            batch, self._queues[key] = queue[:BATCH], queue[BATCH:]
            try:
                await self._flush(self._alert_for(key, batch), batch)
            except Exception as exc:  # every waiting handler learns; the next batch goes on
                log.exception("raid batch of %d in %s failed", len(batch), key)
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(exc)

    def _alert_for(self, key: str, batch: Sequence[_Pending]) -> WaveAlert:
        """The wave of ``key``; a new one if it ended while these were queued."""
        alert = self._alerts.get(key)
        if alert is None:
            now = self._ctx.now()
            wave = Wave(id=new_ref("W"), space=key, started_at=now, last_at=now)
            alert = self._alerts[key] = WaveAlert(wave, batch[0].message.platform)
        return alert

    async def _flush(self, alert: WaveAlert, batch: list[_Pending]) -> None:
        batch = await self._first_seen(batch)
        if not batch:
            return
        wave, now = alert.wave, self._ctx.now()
        told = await self._tell(wave, batch)
        for pending in batch:
            draft = pending.finding.draft
            if pending.removal:
                wave.add(pending.message.place, draft.subject,
                         draft.rule_id or draft.clause_id, pending.deleted, now)
            else:
                wave.flag(now)
        if not alert.posted:
            await post(self._ctx, alert)
        reported = Audience.COMMITTEE in alert.posted
        incidents = [replace(self._incidents.incident_of(
            p.finding.draft, None, told.get(id(p))), reported_to_committee=reported and p.removal)
            for p in batch]
        due = await self._record(alert, batch, incidents)
        before = len(wave.escalated), len(wave.timed_out)
        await self._escalate(wave, due)
        await self._suspend(wave, batch)
        if (len(wave.escalated), len(wave.timed_out)) != before:
            async with self._ctx.storage.transaction() as tx:
                await waves.save(tx, alert)
        refresh(self._ctx, alert)
        for pending, incident in zip(batch, incidents, strict=True):
            if not pending.done.done():
                pending.done.set_result(incident)

    async def _first_seen(self, batch: list[_Pending]) -> list[_Pending]:
        """The findings claimed here (the ledger makes the batch's claims in one unit of
        work); a repeat's handler learns there is nothing more to do."""
        answers = iter(await self._ledger.first_times(
            [p.finding.claim for p in batch if p.finding.claim]))
        kept = []
        for pending in batch:
            if not pending.finding.claim or next(answers):
                kept.append(pending)
            elif not pending.done.done():
                pending.done.set_result(None)
        return kept

    async def _delete(self, batch: Sequence[_Pending]) -> set[MessageRef]:
        by_place: dict[PlaceRef, list[MessageRef]] = {}
        for pending in batch:
            if pending.removal:
                by_place.setdefault(pending.message.place, []).append(pending.message)

        async def one(place: PlaceRef, messages: list[MessageRef]) -> set[MessageRef]:
            try:
                return await self._ctx.platforms.get(place.platform).delete_messages(
                    place, messages)
            except PlatformError as exc:  # recorded anyway; the alert asks staff
                log.warning("raid: %d messages in %s not deleted: %s", len(messages),
                            place.key, exc)
                return set()

        results = await asyncio.gather(*(one(p, m) for p, m in by_place.items()))
        return set().union(*results)

    async def _tell(self, wave: Wave, batch: Sequence[_Pending]) -> dict[int, bool]:
        """One explanation per author per wave, about their first removed message;
        keyed by the pending finding it was sent for."""
        first: dict[PersonRef, _Pending] = {}
        for pending in batch:
            subject = pending.finding.draft.subject
            if pending.removal and wave.token(subject) not in wave.told \
                    and subject not in first:
                first[subject] = pending
        wave.told.update(map(wave.token, first))
        sent = await asyncio.gather(*(self._explain(subject, p.finding.draft)
                                      for subject, p in first.items()))
        wave.undelivered += sent.count(Reach.NONE)  # an e-mailed author needs nobody
        return {id(p): ok is Reach.DM for p, ok in zip(first.values(), sent, strict=True)}

    async def _explain(self, subject: PersonRef, draft: IncidentDraft) -> Reach:
        """A few DMs at a time: hundreds at once would queue the next deletions behind
        them at the platform (the outbox paces them further)."""
        async with self._dm_slots:
            return await reach(self._ctx, subject, self._incidents.explanation(draft))

    async def _record(self, alert: WaveAlert, batch: Sequence[_Pending],
                      incidents: Sequence[Incident]) -> list[Incident]:
        """Every incident, its evidence and audit entry, and the wave's figures, in one
        transaction; returns the first incident of each author the repeat-violation rule
        now escalates."""
        ctx, wave = self._ctx, alert.wave
        due: list[Incident] = []
        async with ctx.storage.transaction() as tx:
            kept: list[Evidence] = []
            for pending, incident in zip(batch, incidents, strict=True):
                if pending.removal:  # kept as the original path keeps them
                    kept += self._evidence.rows(tx, "incident", incident.id, pending.message,
                                                None, excerpt=pending.finding.draft.excerpt,
                                                author=pending.finding.draft.subject)
            # three statements for the whole batch: the unit of work holds the database
            # (every other handler's with it) for a few round trips, not four per message
            await tx.insert_all(incidents)
            await tx.insert_all(kept)
            await tx.insert_all([audit_entry(
                ctx, f"incident.{incident.kind.value}", "incident", incident.id, actor=None,
                reason=pending.finding.draft.note, details=f"clause={incident.clause_id} "
                f"rule={pending.finding.draft.rule_id or '-'} wave={wave.id}")
                for pending, incident in zip(batch, incidents, strict=True)])
            seen: set[PersonRef] = set()
            for incident in incidents:
                subject = incident.subject
                if incident.kind not in REMOVALS or subject in seen \
                        or wave.token(subject) in wave.escalated:
                    continue
                seen.add(subject)
                if await self._incidents.escalation_due(tx, subject):
                    due.append(incident)
            await waves.save(tx, alert)
        for incident in incidents:
            ctx.telemetry.incident_recorded(incident.rule_id, incident.kind.value)
        return due

    async def _escalate(self, wave: Wave, due: Sequence[Incident]) -> None:
        for incident in due:
            wave.escalated.add(wave.token(incident.subject))
            try:
                await self._incidents.escalate(incident)
            except CocBotError as exc:
                log.warning("raid %s: case for %s not opened: %s", wave.id,
                            incident.subject.key, exc)

    async def _suspend(self, wave: Wave, batch: Sequence[_Pending]) -> None:
        for pending in batch:
            finding = pending.finding
            subject = finding.draft.subject
            if finding.suspend_for is None or wave.token(subject) in wave.timed_out:
                continue
            wave.timed_out.add(wave.token(subject))
            try:
                await self._sanctions.suspend(None, SuspensionRequest(
                    subject=subject, duration=finding.suspend_for, scope=SanctionScope.SPACE,
                    reason=finding.suspend_reason or "Automatic: raid",
                    clause_id=finding.draft.clause_id, summarise=False))
            except CocBotError as exc:
                wave.timed_out.discard(wave.token(subject))
                log.warning("raid %s: could not suspend %s: %s", wave.id, subject.key, exc)

    async def _restrain(self, alert: WaveAlert, place: PlaceRef) -> None:
        """Slow down or lock a flooded channel; its undo is a timed action."""
        policy = self._ctx.policy.raid
        alert.wave.restrained[place] = policy.restraint
        if await self._extend_restraint(place):
            return
        try:
            undo = await self._ctx.platforms.get(place.platform).restrain(
                place, policy.restraint, policy.slow_mode_seconds)
        except PlatformError as exc:
            del alert.wave.restrained[place]
            log.warning("raid: could not restrain %s: %s", place.key, exc)
            return
        until = self._ctx.now() + policy.restraint_for
        async with self._ctx.storage.transaction() as tx:
            action = await schedule(tx, self._ctx, ActionKind.RAID_RELEASE,
                                    f"{place.key}|{undo}", until)
            await audit(tx, self._ctx, f"raid.{policy.restraint.value}", "channel", place.key,
                        actor=None, details=f"wave={alert.wave.id} until={until.isoformat()}")
        after_commit(self._ctx, action)
        alert.restrained_until[mention_place(place)] = when(self._ctx, place, until)

    async def _extend_restraint(self, place: PlaceRef) -> bool:
        """A restraint of ours still on (a wave before a restart): move its undo later
        rather than restrain again, or the second undo would restore our own lock."""
        until = self._ctx.now() + self._ctx.policy.raid.restraint_for
        async with self._ctx.storage.transaction() as tx:
            pending = [a for a in await tx.find(ScheduledAction, kind=ActionKind.RAID_RELEASE,
                                                status=ActionStatus.PENDING)
                       if a.subject_id.partition("|")[0] == place.key]
            for action in pending:
                await tx.update_if(replace(action, due_at=max(action.due_at, until)),
                                   status=ActionStatus.PENDING)
        for action in pending:
            self._ctx.waker.wake(replace(action, due_at=max(action.due_at, until)))
        return bool(pending)

    async def release(self, action: ScheduledAction) -> None:
        """The timed undo of a slow mode or lock (idempotent on the platform)."""
        where, _, undo = action.subject_id.partition("|")
        place = PlaceRef.parse(where)
        await self._ctx.platforms.get(place.platform).release(place, undo)
        async with self._ctx.storage.transaction() as tx:
            await audit(tx, self._ctx, "raid.released", "channel", place.key, actor=None)

    async def _schedule_end(self, wave: Wave) -> None:
        policy = self._ctx.policy.raid
        due = max(wave.last_at + policy.quiet, self._ctx.now() + policy.window)
        async with self._ctx.storage.transaction() as tx:
            action = await schedule(tx, self._ctx, ActionKind.RAID_END,
                                    f"{wave.id}@{due.isoformat()}", due)
        after_commit(self._ctx, action)

    async def end_if_quiet(self, action: ScheduledAction) -> None:
        """The wave's end check: over if nothing came for ``quiet`` and nothing waits;
        otherwise check again ``quiet`` after the last finding. After a restart the wave
        is read back from the database: ended there, with its full figures."""
        wave_id = action.subject_id.partition("@")[0]
        key, alert = next(((k, a) for k, a in self._alerts.items() if a.wave.id == wave_id),
                          (None, None))
        if alert is None:
            async with self._ctx.storage.transaction() as tx:
                alert = await waves.load(tx, wave_id)
            if alert is None:
                return  # ended already
        now = self._ctx.now()
        if (key is not None and self._busy(key)) \
                or not alert.wave.over(now, self._ctx.policy.raid.quiet):
            await self._schedule_end(alert.wave)
            return
        if key is not None:
            del self._alerts[key]
        alert.wave.ended_at = now
        self._rates.forget_before(now)
        async with self._ctx.storage.transaction() as tx:
            await waves.forget(tx, wave_id)
        log.warning("raid mode over in %s (wave %s: %d removed)", key, wave_id,
                    alert.wave.removed)
        await settle(self._ctx, alert)


def _ensure(tasks: dict[str, asyncio.Task[None]], key: str,
            work: Callable[[str], Coroutine[Any, Any, None]]) -> None:
    """One worker per space and stage: started if none is running."""
    task = tasks.get(key)
    if task is None or task.done():
        tasks[key] = asyncio.create_task(work(key), name=f"raid-{work.__name__}-{key}")
