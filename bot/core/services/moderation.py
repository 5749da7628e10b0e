"""Watching channels: what automod finds becomes an incident like any staff action.

Front-ends hand every message (and edit) to :meth:`ModerationService.watch`; the engine
in ``bot.core.automod`` decides what the Code prohibits there, and this service carries
out the strongest finding through the same incident, sanction and case services staff
use, marked automated, so staff can review and reverse it the same way.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.automod import Action, Automod, Detection, ScannedMessage, strongest
from bot.core.durations import parse_duration
from bot.core.errors import CocBotError
from bot.core.identity import MessageRef, PersonRef, PlaceRef
from bot.core.models import CaseOrigin, Incident, IncidentKind, SanctionScope, Severity
from bot.core.services._context import Context
from bot.core.services.cases import CaseService
from bot.core.services.evidence import EvidenceService
from bot.core.services.incidents import IncidentDraft, IncidentService
from bot.core.services.raid import RaidFinding, RaidService
from bot.core.services.requests import RequestLedger
from bot.core.services.sanctions import SanctionService, SuspensionRequest

log = logging.getLogger(__name__)

# Discord sends one event per action of a rule (block, alert, timeout) and one block per
# rule a message breaks; all of them arrive within moments. One incident per message.
BLOCK_DEDUP_WINDOW = timedelta(minutes=2)

DEFAULT_AUTOMATED_SUSPENSION = "1d"
_BATCHED = frozenset({IncidentKind.REMOVAL, IncidentKind.REDACTION, IncidentKind.ALERT})
"""What raid mode batches: every finding about a message (an alert to staff is counted in
the wave's alert instead of a post each)."""

_KIND = {
    Action.ALERT_STAFF: IncidentKind.ALERT,
    Action.REMOVE_AND_EXPLAIN: IncidentKind.REMOVAL,
    Action.REDACT: IncidentKind.REDACTION,
    Action.REMOVE_AND_SUSPEND: IncidentKind.REMOVAL,
    Action.OPEN_CASE: IncidentKind.REMOVAL,
}


@dataclass(frozen=True, slots=True)
class WatchedMessage:
    """A message as a front-end saw it, in platform-neutral terms."""

    author: PersonRef
    message: MessageRef
    text: str
    sent_at: datetime
    category: PlaceRef | None = None
    author_roles: frozenset[str] = frozenset()
    display_name: str = ""
    mentions: int = 0
    mentioned_ids: tuple[str, ...] = ()
    recipient_id: str | None = None
    edited: bool = False

    def scanned(self) -> ScannedMessage:
        return ScannedMessage(
            text=self.text, author_id=self.author.key, channel_id=self.message.place.key,
            timestamp=self.sent_at, author_roles=self.author_roles,
            category_id=self.category.key if self.category else None,
            mentions=self.mentions, display_name=self.display_name,
            mentioned_ids=self.mentioned_ids, recipient_id=self.recipient_id,
            edited=self.edited)


@dataclass(frozen=True, slots=True)
class BlockedMessage:
    """A message the platform's own filter blocked with one of the bot's rules (Discord
    AutoMod): nobody saw it, nothing is left to delete, the author is told why."""

    author: PersonRef
    channel: PlaceRef
    rule_id: str  # the bot's list category the platform rule carries
    clause_id: str
    severity: Severity
    text: str  # what the author tried to post, others' ids already taken out by the adapter
    label: str = "term"
    timed_out_for: str | None = None  # "10 minutes", when the platform also timed out


@dataclass(frozen=True, slots=True)
class WatchOutcome:
    detection: Detection
    incident: Incident
    also: tuple[str, ...] = ()  # other rules the message broke, noted on the incident


class ModerationService:
    def __init__(self, ctx: Context, automod: Automod | None, incidents: IncidentService,
                 sanctions: SanctionService, cases: CaseService,
                 evidence: EvidenceService | None = None, raid: RaidService | None = None,
                 ledger: RequestLedger | None = None) -> None:
        self._ctx = ctx
        self._raid = raid
        self._ledger = ledger or RequestLedger(ctx)
        self._evidence = evidence or EvidenceService(ctx)
        self._automod = automod
        self._incidents = incidents
        self._sanctions = sanctions
        self._cases = cases
        self._blocked: dict[str, datetime] = {}

    @property
    def enabled(self) -> bool:
        return self._automod is not None

    async def watch(self, message: WatchedMessage) -> WatchOutcome | None:
        """Scan one message; act on the strongest finding. None when it is fine.

        An edit of a message kept as evidence is kept too, before it is scanned."""
        if message.edited:
            await self._evidence.record_edit(message.message, message.text)
        if self._automod is None:
            return None
        detections = self._automod.scan(message.scanned())
        top = strongest(detections)
        if top is None:
            return None
        others = tuple(sorted({d.rule_id for d in detections} - {top.rule_id}))
        note = top.detail + (f" (also matched: {', '.join(others)})" if others else "")
        draft = IncidentDraft(
            subject=message.author, kind=_KIND[top.action], clause_id=top.clause_id,
            severity=top.severity, note=note, message=message.message, excerpt=top.excerpt,
            channel=message.message.place, rule_id=top.rule_id)
        if draft.kind in _BATCHED and self._raid is not None \
                and await self._raid.takes(message.message.place, message.author):
            return await self._in_raid(draft, top, others, self._claim(message))
        if not await self._ledger.first_time(self._claim(message)):
            return None
        outcome = await self._incidents.handle(None, draft)
        if top.action is Action.REMOVE_AND_SUSPEND:
            await self._suspend(message.author, top)
        elif top.action is Action.OPEN_CASE and outcome.escalated is None:
            await self._cases.open(None, message.author, self._case_summary(top, outcome.incident),
                                   origin=CaseOrigin.INCIDENT,
                                   severity=top.severity if top.severity is not Severity.MINOR
                                   else Severity.SERIOUS)
        return WatchOutcome(top, outcome.incident, others)

    async def blocked(self, event: BlockedMessage) -> Incident | None:
        """Record a message the platform blocked and explain it to the author, once per
        message: a repeat of the same author, channel and text within
        :data:`BLOCK_DEDUP_WINDOW` (the other actions and rules of the same message) is
        None. Only a hash of the text is kept, in memory, for that window."""
        now = self._ctx.now()
        for key, seen in list(self._blocked.items()):
            if now - seen > BLOCK_DEDUP_WINDOW:
                del self._blocked[key]
        key = hashlib.sha256("\x1f".join(
            (event.author.key, event.channel.key, event.text)).encode()).hexdigest()
        if key in self._blocked:
            return None
        self._blocked[key] = now  # before any await: a concurrent duplicate sees it
        note = f"Discord AutoMod blocked it before anyone saw it ({event.label})."
        if event.timed_out_for:
            note += f" Discord also timed you out for {event.timed_out_for}."
        outcome = await self._incidents.handle(None, IncidentDraft(
            subject=event.author, kind=IncidentKind.REMOVAL, clause_id=event.clause_id,
            severity=event.severity, note=note, excerpt=event.text, channel=event.channel,
            rule_id=event.rule_id, blocked=True))
        return outcome.incident

    async def _in_raid(self, draft: IncidentDraft, top: Detection,
                       others: tuple[str, ...], claim: str) -> WatchOutcome | None:
        """Its space is flooded: the removal joins the raid's next batch (one alert per
        wave, bulk deletes; the batch makes its claims); a serious finding still opens
        its case (one per person)."""
        raid = self._raid
        assert raid is not None  # only called once raid mode took the finding
        suspend = top.action is Action.REMOVE_AND_SUSPEND
        incident = await raid.handle(RaidFinding(
            draft, suspend_for=(top.suspend_for or parse_duration(DEFAULT_AUTOMATED_SUSPENSION))
            if suspend else None, suspend_reason=f"Automatic: {top.detail}", claim=claim))
        if incident is None:
            return None  # seen before (a replay, another process): handled there
        if top.action is Action.OPEN_CASE and incident.case_id is None:
            await self._cases.open(None, draft.subject, self._case_summary(top, incident),
                                   origin=CaseOrigin.INCIDENT,
                                   severity=top.severity if top.severity is not Severity.MINOR
                                   else Severity.SERIOUS)
        return WatchOutcome(top, incident, others)

    @staticmethod
    def _claim(message: WatchedMessage) -> str:
        """The claim that this message, as it reads now, is acted on once.

        A gateway session resumed by another process replays the events the dead owner
        may already have acted on, and a history catch-up after fail-over reads messages
        again: the claim, in the database, makes one incident per message and text across
        every process. An edit to new text is a new claim (and is judged again).
        """
        digest = hashlib.sha256(message.text.encode()).hexdigest()[:16]
        return f"watch:{message.message.key}:{digest}"

    async def _suspend(self, author: PersonRef, detection: Detection) -> None:
        duration = detection.suspend_for or parse_duration(DEFAULT_AUTOMATED_SUSPENSION)
        try:
            await self._sanctions.suspend(None, SuspensionRequest(
                subject=author, duration=duration, scope=SanctionScope.SPACE,
                reason=f"Automatic: {detection.detail}", clause_id=detection.clause_id))
        except CocBotError as exc:  # the removal stands; staff see why the suspension did not
            log.warning("automod could not suspend %s: %s", author.key, exc)

    def _case_summary(self, detection: Detection, incident: Incident) -> str:
        return (f"Automod rule '{detection.rule_id}' found a serious breach "
                f"({detection.detail}) in incident {incident.id}: “{detection.excerpt}”")

    async def name_changed(self, person: PersonRef, display_name: str,
                           roles: frozenset[str] = frozenset()) -> Incident | None:
        """A new display name or nickname that reads as a protected person's: tell staff."""
        if self._automod is None:
            return None
        found = self._automod.check_display_name(person.key, display_name, tuple(roles))
        if found is None:
            return None
        outcome = await self._incidents.handle(None, IncidentDraft(
            subject=person, kind=IncidentKind.ALERT, clause_id=found.clause_id,
            severity=found.severity, note=found.detail, excerpt=display_name,
            rule_id=found.rule_id))
        return outcome.incident
