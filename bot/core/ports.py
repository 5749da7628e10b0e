"""The ports the domain needs, implemented by ``storage/`` and the platform adapters.

The domain never imports a database driver or a chat client; it talks to these
protocols, and tests give it working fakes (real SQLite, a recording platform).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from bot.core.errors import StorageError
from bot.core.identity import MessageRef, PersonRef, PlaceRef, PlatformName
from bot.core.models import Entity, Sanction, ScheduledAction
from bot.core.rules.raid import Restraint
from bot.core.statistics import FirstResponse, Measure, MinorIncidents, RuleReversalCount

E = TypeVar("E", bound=Entity)


@dataclass(frozen=True, slots=True)
class Sealed:
    """An account sealed for the machine alone.

    ``box`` is the account key encrypted with the operator's key (only the machine opens
    it, to send the reporter a private message); ``tag`` is a keyed hash of the account key,
    equal for equal accounts, so the machine can count and compare without opening
    anything. Without the operator's key neither says who it is.
    """

    box: str
    tag: str


class Sealer(Protocol):
    """Seals the identity of a person nobody may learn (an anonymous reporter).

    Implemented outside the core (``bot/sealing.py``) so the domain never imports a
    cryptography library. Every method raises ``SealError`` when it cannot do its job
    (no key configured, or no configured key opens the box).
    """

    def seal(self, person: PersonRef) -> Sealed: ...

    def tag(self, person: PersonRef) -> str:
        """The tag ``seal(person)`` would carry, to find or compare sealed records."""

    def open(self, box: str) -> PersonRef: ...


class Statistics(Protocol):
    """Aggregates over a period ``[start, end)``, computed by the store (SQL ``GROUP BY``,
    ``COUNT``, ``SUM(CASE ...)``), never by loading every record. See
    ``bot.core.statistics`` for what each measure counts."""

    async def count_by(self, measure: Measure, start: datetime,
                       end: datetime) -> dict[str, int]:
        """Label -> count; labels with no record are absent."""

    async def first_response(self, start: datetime, end: datetime) -> FirstResponse: ...

    async def automod_reversals(self, start: datetime,
                                end: datetime) -> list[RuleReversalCount]:
        """Automod's detections in the period per rule, and how many were reversed."""

    async def minor_incidents(self, start: datetime, end: datetime) -> MinorIncidents:
        """The monthly digest's figure: minor incidents recorded in the period and not
        reversed, by clause and by channel."""


class Tx(Protocol):
    """One unit of work: everything done through it commits together or not at all.

    ``find``/``count`` filters are ``field=value`` (``None`` matches NULL) or Django-style
    ``field__in``, ``field__lt``, ``field__lte``, ``field__gt``, ``field__gte``,
    ``field__ne``; field names are checked against the entity, values are domain types.
    """

    async def get(self, cls: type[E], id: str) -> E | None: ...

    async def find(
        self,
        cls: type[E],
        *,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
        **where: object,
    ) -> list[E]: ...

    async def count(self, cls: type[Entity], **where: object) -> int: ...

    async def exists(self, cls: type[Entity], **where: object) -> bool:
        """Whether any record matches: stops at the first (``count`` reads them all, and
        ``find`` sorts them)."""
        ...

    async def insert(self, entity: Entity) -> None:
        """Add a new record; raises ``StorageError`` if the id exists."""

    async def insert_new(self, entity: Entity) -> bool:
        """Add the record unless its id exists; False (and nothing changed) if it does.

        One atomic insert that yields on conflict, so of several processes claiming one
        id exactly one gets True.
        """

    async def update(self, entity: Entity) -> None:
        """Replace a record by id; raises ``NotFound`` if it does not exist."""

    async def upsert(self, entity: Entity) -> None: ...

    async def delete(self, cls: type[Entity], id: str) -> bool: ...

    async def update_if(self, entity: Entity, **expected: object) -> bool:
        """Replace the record only if its stored fields equal ``expected``.

        This is the conditional update that lets two processes race for a timed action
        and have exactly one of them win.
        """

    async def insert_all(self, entities: Sequence[Entity]) -> None:
        """Add many new records of one type in one statement (``insert`` for each, in
        one round trip); raises ``StorageError`` if an id exists, and nothing is added."""

    async def insert_all_new(self, entities: Sequence[Entity]) -> set[str]:
        """``insert_new`` for many records of one type in two statements whatever their
        number; returns the ids that were added (of repeated ids in ``entities``, the first
        record). Exact for the same reason as ``update_all_if``."""

    async def update_all_if(self, entities: Sequence[Entity], **expected: object) -> set[str]:
        """``update_if`` for many records of one type with the same ``expected`` fields,
        in two statements whatever their number; returns the ids that were replaced.

        Exact because a unit of work runs alone (``BEGIN IMMEDIATE`` on SQLite, the
        advisory lock on PostgreSQL): nothing changes between reading which records
        match and replacing them."""

    async def rewrite(self, entity: Entity) -> None:
        """Replace a record, append-only ones included, inside ``Storage.erasure()`` only
        (``StorageError`` elsewhere); the audit log still lets only its personal fields
        change."""

    @property
    def statistics(self) -> Statistics:
        """Aggregate counts read in this transaction (one consistent snapshot)."""

    @property
    def sealer(self) -> Sealer:
        """The sealer for the sealed values this storage holds; ``SealError`` if none was
        given (so comparing a sealed reporter never silently answers "not the same")."""


class Storage(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Tx]: ...

    def erasure(self) -> AbstractAsyncContextManager[Tx]:
        """The one transaction of a recorded erasure: personal fields may be rewritten
        everywhere (``Tx.rewrite``), and no old value is left in the store's files."""

    def use_sealer(self, sealer: Sealer) -> None:
        """Give this storage's transactions the sealer (the composition root does, once)."""

    async def migrate(self) -> list[int]:
        """Apply pending numbered migrations; return the numbers applied."""

    async def watch(self) -> StorageError:
        """Return (not raise) the error once the store can no longer keep records safely,
        e.g. its file was deleted or replaced under the running bot; never while all is
        well. The bot stops when it returns, rather than go on writing into nothing."""

    async def close(self) -> None: ...


class Audience(StrEnum):
    """Private channels the configuration names on each platform."""

    STAFF = "staff"
    COMMITTEE = "committee"
    EXECUTIVE = "executive"


class NoticeKind(StrEnum):
    """What a message is for, so an adapter can attach the right buttons or reactions."""

    INFO = "info"
    REPORT_QUEUED = "report_queued"
    INCIDENT_SUMMARY = "incident_summary"
    REMOVAL_DM = "removal_dm"
    SANCTION_DM = "sanction_dm"
    LIFT_DM = "lift_dm"
    CASE_OPENED = "case_opened"
    MOTION = "motion"
    RESULT = "result"
    SANCTION_READY = "sanction_ready"  # a carried motion whose sanction can be applied
    DECISION_DM = "decision_dm"
    APPEAL_FILED = "appeal_filed"
    APPEAL_DECIDED_DM = "appeal_decided_dm"
    CODE_ACCEPT_PROMPT = "code_accept_prompt"
    REMINDER = "reminder"
    DIGEST = "digest"
    STAFF_ALERT = "staff_alert"
    STATEMENT_REQUEST = "statement_request"  # to the subject: a button to give their side
    CONTACT_OPENED = "contact_opened"  # to the subject: a button to end the conversation
    STATEMENT_READY = "statement_ready"  # staff may publish a decided motion's statement
    WISHES_PROMPT = "wishes_prompt"  # the person harmed is asked what they would welcome
    RAID_ALERT = "raid_alert"  # one alert per wave, edited in place as the wave grows


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a notice (a case file): its name, media type and bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Notice:
    """Text to show a person or a channel, plus the record it is about, and any files
    sent with it (``attachments``: uploaded with the message, on every platform)."""

    kind: NoticeKind
    text: str
    subject_id: str | None = None
    title: str | None = None
    mention_everyone: bool = False
    attachments: tuple[Attachment, ...] = ()
    # The outbox row this is sent for: an adapter whose platform deduplicates sends (Discord's
    # enforced nonce) passes it, so a send retried after a crash is not shown twice.
    nonce: str | None = None
    # Set when an earlier attempt of this very send may have reached the platform (a worker
    # died, or the answer was lost) at or after this time: an adapter whose platform cannot
    # deduplicate by itself (Slack) looks for the message under ``nonce`` first.
    maybe_sent_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class ContextMessage:
    """A message as the platform's history shows it, for evidence (raw: not yet masked)."""

    message: MessageRef
    author: PersonRef | None
    sent_at: datetime | None
    text: str
    attachments: tuple[tuple[str, str], ...] = ()  # (file name, link)


class Platform(Protocol):
    """What the domain asks of Discord or Slack. Failures raise ``PlatformError`` types."""

    @property
    def name(self) -> PlatformName: ...

    def format_time(self, moment: datetime) -> str:
        """Render a moment the way this platform shows times in each reader's zone."""

    def mention(self, person: PersonRef) -> str:
        """How to name a person in a message on this platform."""

    async def send_dm(self, person: PersonRef, notice: Notice) -> MessageRef:
        """Raises ``DeliveryFailed`` when the person cannot be reached."""

    async def members(self, space: str | None = None) -> list[PersonRef]:
        """The people (not bots) of ``space`` (None: the first configured): who a
        resumed Code publish still asks."""

    async def post(self, audience: Audience, notice: Notice, *,
                   space: str | None = None) -> MessageRef:
        """Post to an audience's private channel. ``space``: the server or workspace the
        matter came from, whose staff queue a staff notice goes to (None: the first one
        configured); the committee's and the Executive's channels are the home's."""

    async def post_in(self, place: PlaceRef, notice: Notice) -> MessageRef: ...

    async def edit(self, message: MessageRef, notice: Notice) -> None: ...

    async def delete_message(self, message: MessageRef) -> bool:
        """Delete content; a message that is already gone counts as deleted.

        Returns False when the platform does not let the bot delete it (Slack without an
        admin token): the caller records the incident and asks staff to delete by hand.
        """

    async def delete_messages(self, place: PlaceRef,
                              messages: Sequence[MessageRef]) -> set[MessageRef]:
        """Delete many messages of one channel the cheapest way the platform allows (a
        raid): Discord in bulk, 2-100 a call for messages under 14 days old and older ones
        one by one; Slack one by one, paced to its rate tier. Returns the messages now gone
        (already gone counts); the others the platform would not let the bot delete. A
        failure part-way raises ``PlatformError`` only if nothing was deleted."""

    async def restrain(self, place: PlaceRef, restraint: Restraint, slow_seconds: int) -> str:
        """Put a flooded channel in slow mode or lock it; return what :meth:`release`
        needs to put the channel back exactly as it was (kept in a timed action)."""

    async def release(self, place: PlaceRef, undo: str) -> None:
        """Undo :meth:`restrain` with what it returned; idempotent."""

    async def read_context(self, message: MessageRef, before: int,
                           after: int) -> list[ContextMessage]:
        """The message and up to ``before``/``after`` messages around it in its channel (or
        its thread), oldest first, as far as the bot can read them. The message itself is
        missing from the list when it is gone. Failures raise ``PlatformError`` types."""

    def check_restriction(self, sanction: Sanction) -> None:
        """Raise ``PlatformError`` if this suspension cannot be applied here, before anyone
        is told about it (for example a 60-day server-wide suspension with no role set)."""

    async def restrict(self, sanction: Sanction) -> None:
        """Apply a suspension on the platform (overwrite, timeout, role, kick)."""

    async def restore(self, sanction: Sanction) -> None:
        """Undo :meth:`restrict`; idempotent."""

    async def in_audience(self, audience: Audience, person: PersonRef, *,
                          space: str | None = None) -> bool:
        """Whether ``person`` (an account on this platform) can read the audience's channel
        or holds its seat: the staff queue of ``space`` (None: the person's own server or
        workspace), the committee's or the Executive's channel. False for someone who is
        not there at all. Raises ``PlatformError`` when the platform cannot tell (the
        caller then keeps the matter away from that channel: ``services/audiences.py``)."""

    async def open_private_thread(
        self, audience: Audience, title: str, members: Sequence[PersonRef], notice: Notice,
        *, separate: bool = False,
    ) -> PlaceRef:
        """The private place where a case is discussed, with ``members`` only.

        ``separate``: someone who reads the audience's channel must not read this one (the
        case is about them), so it must be a venue of its own whose readers are exactly
        ``members`` (Slack: a private conversation instead of a thread, whose readers
        would be the whole channel). A platform whose threads are already members-only
        (Discord's private threads) may ignore it."""

    async def remove_from_thread(self, thread: PlaceRef, person: PersonRef) -> None: ...

    async def add_reactions(self, message: MessageRef, emojis: Sequence[str]) -> None: ...

    async def remove_reaction(self, message: MessageRef, emoji: str, person: PersonRef) -> None:
        ...


@dataclass(frozen=True, slots=True)
class SeenMessage:
    """A message the bot read on a person's behalf: who wrote it and what it says."""

    author: PersonRef | None
    text: str


class MessageReader(Protocol):
    """Reads a linked message with the permissions of the person who linked it."""

    async def read_as(self, reader: PersonRef, message: MessageRef) -> SeenMessage | None:
        """The message, if it exists and ``reader`` may read it where it was posted.

        None otherwise, and the same None in both cases: nobody learns through the bot
        that a message exists in a place they cannot see. Platform failures raise.
        """


class Waker(Protocol):
    """Told after a commit that a timed action exists, so the scheduler can wake for it.

    The action is already durable in the database; a lost wake-up is caught by the sweep.
    """

    def wake(self, action: ScheduledAction) -> None: ...


class NullWaker:
    """A waker for processes that only write (CLI commands); the bot's sweep finds the rows."""

    def wake(self, action: ScheduledAction) -> None:
        return None


Listener = Callable[[], Awaitable[object]]


class Notifier(Protocol):
    """Tells the other processes on one database that something changed, promptly.

    A hint, never the truth: what changed is in the database, and a lost notification is
    caught by the next sweep. On SQLite the notifier polls one small row per topic; on
    PostgreSQL the same port is ``LISTEN``/``NOTIFY``. Topics are short names ("timed").
    """

    announces: frozenset[str]
    """Topics the database announces itself when a transaction that changed them commits
    (PostgreSQL's ``NOTIFY`` inside the transaction); publishing them again would only
    wake every process twice."""

    async def publish(self, topic: str) -> None:
        """Say ``topic`` changed; every process listening to it (this one too) is called."""

    def subscribe(self, topic: str, listener: Listener) -> None:
        """Call ``listener`` after each change of ``topic`` (several may be coalesced)."""

    async def run(self) -> None:
        """Deliver notifications until cancelled."""


@dataclass(frozen=True, slots=True)
class Email:
    """One plain-text e-mail: ``message_id`` is the outbox row's, so a resend after a crash
    carries the same ``Message-ID`` and a receiving system can drop the copy."""

    to: str
    subject: str
    body: str
    message_id: str


class Mailer(Protocol):
    """Sends e-mail (``bot/mail.py``: SMTP). Raises ``DeliveryFailed`` when the server
    refuses for good (a 5xx reply) and ``PlatformUnavailable`` when it may work later (a
    4xx reply, a timeout, no connection)."""

    async def send(self, email: Email) -> None: ...
