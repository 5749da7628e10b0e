"""What every service needs, handed in once by the composition root."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Final, Literal, Protocol

from bot.core.business_days import BusinessCalendar
from bot.core.clock import Clock
from bot.core.code_text import CodeText, ProfileBook
from bot.core.errors import DeliveryFailed, NotPermitted, PlatformError, PlatformUnavailable
from bot.core.identity import (
    MessageRef,
    PersonRef,
    PlaceRef,
    PlatformName,
    is_sealed,
    pseudonym,
)
from bot.core.markup import Trusted, neutralise, trusted
from bot.core.messages import MessageCatalog
from bot.core.models import (
    ActionKind,
    ActionStatus,
    Actor,
    AuditEntry,
    EmailAddress,
    OutboxMessage,
    PersonLink,
    Report,
    Role,
    ScheduledAction,
)
from bot.core.platforms import PlatformRegistry
from bot.core.policy import Policy
from bot.core.ports import Audience, Mailer, Notice, NoticeKind, NullWaker, Storage, Tx, Waker
from bot.core.refs import log_fields
from bot.core.telemetry import NullTelemetry, Telemetry

log = logging.getLogger(__name__)


class OutboxKick(Protocol):
    """Told after a commit that rows wait in the outbox, so its worker sends them now (a
    lost kick is caught by the worker's sweep)."""

    async def kick(self) -> None: ...


class NullKick:
    """For processes that only write (CLI commands): the bot's worker finds the rows."""

    async def kick(self) -> None:
        return None


WRITTEN_NOTICES: Final = frozenset({NoticeKind.REMOVAL_DM, NoticeKind.SANCTION_DM,
                                    NoticeKind.DECISION_DM, NoticeKind.APPEAL_DECIDED_DM})
"""Notices the protocols require in writing: e-mailed when the DM cannot be delivered."""


@dataclass(frozen=True, slots=True)
class EmailReach:
    """Which notices go by e-mail (``[email]``): ``fallback`` kinds when the DM is refused
    (the person's DMs are closed), ``always`` kinds by e-mail as well as by DM (the
    operator's choice). Without a mailer, nothing is e-mailed."""

    fallback: frozenset[NoticeKind] = WRITTEN_NOTICES
    always: frozenset[NoticeKind] = frozenset()


@dataclass
class Context:
    storage: Storage
    clock: Clock
    policy: Policy
    calendar: BusinessCalendar
    code: CodeText
    profiles: ProfileBook
    messages: MessageCatalog
    platforms: PlatformRegistry
    waker: Waker = field(default_factory=NullWaker)
    fiscal_year_start: tuple[int, int] = (9, 1)  # (month, day), from ``[schedule]``
    # Where statements the committee voted to make public are published, per platform
    # (``[discord] announcements_channel_id``, ``[slack] announcements_channel``).
    announcements: Mapping[PlatformName, PlaceRef] = field(default_factory=dict)
    # What operators observe (Prometheus metrics, readiness): bot/ops, or nothing.
    telemetry: Telemetry = field(default_factory=NullTelemetry)
    outbox: OutboxKick = field(default_factory=NullKick)
    # How long an automated explanation waits for others to the same person, so a wave of
    # violations is explained in one DM (``services/outbox.py``).
    dm_wave: timedelta = timedelta(0)
    # E-mail reach (``services/email_reach.py``): the SMTP sender, or None (no ``[email]``).
    mailer: Mailer | None = None
    email: EmailReach = field(default_factory=lambda: EmailReach())

    def now(self) -> datetime:
        return self.clock.now()

    def morning_of(self, day: date) -> datetime:
        """09:00 on ``day`` in the association's time zone, as UTC, for reminders."""
        local = datetime.combine(day, time(9, 0), tzinfo=self.calendar.zone)
        return local.astimezone(UTC)


def require(actor: Actor, role: Role, doing: str) -> None:
    if role not in actor.roles:
        raise NotPermitted(f"Only {role.value} can {doing}.")


def require_staff_in(actor: Actor, where: Located | None, doing: str) -> None:
    """Staff act in their own space: the staff role of one server or workspace is given
    by that space's admins and means nothing in another. ``where``: where the matter
    happened (None: nowhere in particular, such as a report sent from a DM)."""
    require(actor, Role.STAFF, doing)
    if where is None or (isinstance(where, PersonRef) and is_sealed(where)):
        return
    if (actor.person.platform, actor.person.space) != (where.platform, where.space):
        raise NotPermitted(f"You are staff of another space than the one where this "
                           f"happened ({where.platform.value} {where.space}); only its own "
                           f"staff can {doing} there.")


class _Unnamed(Enum):
    PERSON = "a person who may not be named"


UNNAMED: Final = _Unnamed.PERSON
"""``audit(actor=UNNAMED)``: a person acted (not the bot) who must not be named, such as an
anonymous reporter acting on their own report. Stored as no actor, not automated."""


async def audit(
    tx: Tx,
    ctx: Context,
    action: str,
    subject_type: str,
    subject_id: str,
    *,
    actor: PersonRef | Literal[_Unnamed.PERSON] | None,
    reason: str | None = None,
    details: str | None = None,
) -> None:
    """Append to the audit log; ``actor=None`` marks an automated act, ``UNNAMED`` a
    person's act that must not name them."""
    await tx.insert(audit_entry(ctx, action, subject_type, subject_id, actor=actor,
                                reason=reason, details=details))


def audit_entry(
    ctx: Context,
    action: str,
    subject_type: str,
    subject_id: str,
    *,
    actor: PersonRef | Literal[_Unnamed.PERSON] | None,
    reason: str | None = None,
    details: str | None = None,
) -> AuditEntry:
    """The entry ``audit`` appends, for a batch appended with ``Tx.insert_all``."""
    named = actor if isinstance(actor, PersonRef) else None
    return AuditEntry(
        id=uuid.uuid4().hex, at=ctx.now(), action=action, subject_type=subject_type,
        subject_id=subject_id, automated=actor is None, actor=named, reason=reason,
        details=details,
    )


async def schedule(
    tx: Tx, ctx: Context, kind: ActionKind, subject_id: str, due_at: datetime
) -> ScheduledAction:
    """Record a timed action in the same transaction as the change that needs it.

    Re-scheduling the same ``kind/subject`` moves the existing action instead of adding
    a second one, so handlers never see duplicates.
    """
    action = ScheduledAction(
        id=ScheduledAction.key_for(kind, subject_id), kind=kind, subject_id=subject_id,
        due_at=due_at,
    )
    await tx.upsert(action)
    return action


async def cancel(tx: Tx, kind: ActionKind, subject_id: str) -> str | None:
    key = ScheduledAction.key_for(kind, subject_id)
    existing = await tx.get(ScheduledAction, key)
    if existing is None or existing.status is not ActionStatus.PENDING:
        return None
    await tx.update_if(replace(existing, status=ActionStatus.CANCELLED),
                       status=ActionStatus.PENDING)
    return key


async def identity_of(tx: Tx, person: PersonRef) -> str:
    """The real person behind an account: a staff-made link, or the account itself."""
    link = await tx.get(PersonLink, person.key)
    return link.identity if link else person.key


async def unseal(tx: Tx, person: PersonRef) -> PersonRef | None:
    """The account behind a sealed person, for the machine only: found through the sealed
    reporter of one of their reports (the only place the seal is kept)."""
    for report in await tx.find(Report, reporter_tag=person.id, limit=5):
        if report.reporter_sealed is not None:
            return tx.sealer.open(report.reporter_sealed)
    return None


async def accounts_of(tx: Tx, person: PersonRef) -> list[PersonRef]:
    """Every account linked to the same person (at least ``person`` itself)."""
    link = await tx.get(PersonLink, person.key)
    if link is None:
        return [person]
    linked = await tx.find(PersonLink, identity=link.identity)
    accounts = {entry.person for entry in linked} | {person}
    return sorted(accounts)


def outbox_id(key: str | None = None) -> str:
    """An outbox row id; ``key`` makes it deterministic, so queueing one message twice (a
    job resumed after a crash) adds nothing."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"coc-bot:outbox:{key}").hex if key \
        else uuid.uuid4().hex


async def queue_dm(tx: Tx, ctx: Context, person: PersonRef, notice: Notice, *,
                   purpose: str | None = None, batch: str | None = None,
                   mergeable: bool = False, key: str | None = None) -> bool:
    """Queue a DM in ``tx`` (sent by the outbox worker after the commit, then
    ``ctx.outbox.kick()``); False if a row with the same ``key`` exists already.

    ``person`` may be sealed (an anonymous reporter): the row keeps the sealed ref and the
    worker opens it only to send. ``mergeable``: an automated explanation, held
    ``ctx.dm_wave`` and merged with others to the same person queued meanwhile.
    """
    return await tx.insert_new(dm_row(ctx, person, notice, purpose=purpose, batch=batch,
                                      mergeable=mergeable, key=key))


def dm_row(ctx: Context, person: PersonRef, notice: Notice, *, purpose: str | None = None,
           batch: str | None = None, mergeable: bool = False,
           key: str | None = None) -> OutboxMessage:
    """The outbox row ``queue_dm`` adds, for a batch added with ``Tx.insert_all``."""
    now = ctx.now()
    hold = ctx.dm_wave if mergeable else timedelta(0)
    return OutboxMessage(
        id=outbox_id(key), platform=person.platform, notice_kind=notice.kind.value,
        text=notice.text, created_at=now, due_at=now + hold, recipient=person,
        subject_id=notice.subject_id, title=notice.title, purpose=purpose, batch=batch,
        mergeable=mergeable)


EMAIL_PURPOSE: Final = "email"
"""The purpose of an e-mail row: its final failure is reported to staff."""
EMAIL_INSTEAD_PURPOSE: Final = "email/instead"
"""An e-mail sent because the DM was refused: the notice reaches the person by it alone,
so its acceptance counts (a decision is communicated by it); an e-mail sent as well as a
delivered DM (``[email] always``) changes no record."""


async def address_of(tx: Tx, person: PersonRef) -> str | None:
    """The e-mail address of ``person`` (opened in memory if sealed), or of another account
    linked to them; None when the operator has not mapped one."""
    account = await unseal(tx, person) if is_sealed(person) else person
    if account is None:
        return None
    for each in await accounts_of(tx, account):
        entry = await tx.get(EmailAddress, each.key)
        if entry is not None:
            return entry.address
    return None


async def queue_email(tx: Tx, ctx: Context, person: PersonRef, notice: Notice, *,
                      key: str, instead: bool = False) -> bool:
    """Queue ``notice`` as an e-mail to ``person`` in ``tx``, if e-mail is set up and the
    operator mapped them to an address; False otherwise (or if ``key`` was queued already).
    The row keeps the person (sealed, for an anonymous reporter), never the address."""
    if ctx.mailer is None or await address_of(tx, person) is None:
        return False
    now = ctx.now()
    return await tx.insert_new(OutboxMessage(
        id=outbox_id(f"email/{key}"), platform=person.platform,
        notice_kind=notice.kind.value, text=notice.text, created_at=now, due_at=now,
        recipient=person, subject_id=notice.subject_id, title=notice.title,
        purpose=EMAIL_INSTEAD_PURPOSE if instead else EMAIL_PURPOSE, channel="email"))


async def email_too(ctx: Context, person: PersonRef, notice: Notice, *, key: str,
                    dm_refused: bool) -> bool:
    """E-mail ``notice`` when ``[email]`` says so: a written notice whose DM was refused, or
    a kind the operator wants e-mailed as well. True if an e-mail was queued."""
    wanted = ctx.email.fallback if dm_refused else ctx.email.always
    if ctx.mailer is None or notice.kind not in wanted:
        return False
    async with ctx.storage.transaction() as tx:
        queued = await queue_email(tx, ctx, person, notice, key=key, instead=dm_refused)
    if queued:
        await ctx.outbox.kick()
    return queued


def post_target(ctx: Context, origin: Located | None, audience: Audience) -> PlatformName:
    """Staff notices go to the staff queue of the platform the matter came from; committee
    and executive notices go to the home platform where those bodies meet."""
    if audience is Audience.STAFF and origin is not None and ctx.platforms.has(origin.platform):
        return origin.platform
    home = ctx.platforms.home_name
    if home is None:
        raise PlatformError("No platform is configured to receive committee notices.")
    return home


def post_space(origin: Located | None, audience: Audience) -> str | None:
    """The server or workspace whose staff queue a staff notice goes to: the one the
    matter came from (None: the platform's first; committee notices go to the home)."""
    if audience is not Audience.STAFF or origin is None \
            or (isinstance(origin, PersonRef) and is_sealed(origin)):
        return None
    return origin.space


async def queue_post(tx: Tx, ctx: Context, origin: Located | None, audience: Audience,
                     notice: Notice, *, purpose: str | None = None, batch: str | None = None,
                     key: str | None = None) -> bool:
    """Queue a post to a private staff/committee channel, in ``tx``; False if a row with
    the same ``key`` exists already."""
    now = ctx.now()
    return await tx.insert_new(OutboxMessage(
        id=outbox_id(key), platform=post_target(ctx, origin, audience),
        notice_kind=notice.kind.value, text=notice.text, created_at=now, due_at=now,
        audience=audience.value, subject_id=notice.subject_id, title=notice.title,
        purpose=purpose, batch=batch, space=post_space(origin, audience)))


class Reach(Enum):
    """How a notice is reaching the person (``reach``)."""

    DM = "dm"  # delivered by DM, or on its way (a transient failure is retried)
    EMAIL = "email"  # the DM was refused; the notice is queued by e-mail instead
    NONE = "none"  # neither: someone must reach them another way


async def try_dm(ctx: Context, person: PersonRef, notice: Notice, *,
                 sealed: bool = False) -> bool:
    """``reach``, for a caller that only needs to know whether the DM is on its way."""
    return await reach(ctx, person, notice, sealed=sealed) is Reach.DM


async def reach(ctx: Context, person: PersonRef, notice: Notice, *,
                sealed: bool = False) -> Reach:
    """Send a DM now, for an action whose reply says whether it arrived; report delivery
    rather than fail the action that needed it.

    Sent directly (not queued) because the person acting is told at once when the member's
    DMs are closed; a written notice then goes by e-mail where ``[email]`` allows
    (``Reach.EMAIL``: the outbox sends it and staff are told only if it fails). A transient
    failure (429 past the client's own retries, 5xx, timeout) is not lost: the DM goes to
    the outbox, which retries it, and counts as on its way. ``sealed``: the person is an
    anonymous reporter, so a failure is logged without their account (logs are read by
    people).
    """
    target = person
    if is_sealed(person):  # opened here, in the machine, only to address the message
        async with ctx.storage.transaction() as tx:
            account = await unseal(tx, person)
        if account is None:
            log.warning("DM (%s) not sent: a sealed person could not be resolved",
                        notice.subject_id)
            return Reach.NONE
        target, sealed = account, True
    who = "an anonymous reporter" if sealed else target.key
    key = outbox_id()
    try:
        await ctx.platforms.get(target.platform).send_dm(target, replace(notice,
                                                                         nonce=key[:25]))
    except DeliveryFailed as exc:
        log.info("DM to %s (%s) not delivered: %s", who, notice.subject_id, exc,
                 extra=log_fields(notice.subject_id))
        if await email_too(ctx, person, notice, key=key, dm_refused=True):
            log.info("notice %s to %s queued by e-mail instead", notice.subject_id, who)
            return Reach.EMAIL
        return Reach.NONE
    except PlatformUnavailable as exc:
        log.warning("DM to %s (%s) failed, queued for retry: %s", who, notice.subject_id,
                    exc, extra=log_fields(notice.subject_id))
        async with ctx.storage.transaction() as tx:  # the sealed ref, never the account
            await tx.insert(_retry_row(ctx, key, person, notice,
                                       maybe_sent=exc.retry_after_seconds is None))
        await ctx.outbox.kick()
        return Reach.DM
    except PlatformError as exc:
        log.warning("DM to %s (%s) failed: %s", who, notice.subject_id, exc,
                    extra=log_fields(notice.subject_id))
        return Reach.NONE
    await email_too(ctx, person, notice, key=key, dm_refused=False)
    return Reach.DM


async def emailed_instead(tx: Tx, dm_row: OutboxMessage) -> bool:
    """Whether the outbox queued an e-mail for a refused DM row (the e-mail row's id is
    derived from the DM's, ``queue_email``)."""
    return await tx.get(OutboxMessage, outbox_id(f"email/{dm_row.id}")) is not None


def _retry_row(ctx: Context, key: str, person: PersonRef, notice: Notice, *,
               maybe_sent: bool) -> OutboxMessage:
    """A DM whose direct send failed transiently, under the id its nonce already carried
    (so the platform's copy is recognised if the failed attempt did arrive after all).
    ``maybe_sent`` (no answer, or a 5xx): ``claimed_at`` is set, so the outbox looks for
    that copy before sending (see ``outbox.py``)."""
    now = ctx.now()
    return OutboxMessage(id=key, platform=person.platform, notice_kind=notice.kind.value,
                         text=notice.text, created_at=now, due_at=now, recipient=person,
                         subject_id=notice.subject_id, title=notice.title, attempts=1,
                         claimed_at=now if maybe_sent else None)


Located = PersonRef | PlaceRef | MessageRef
"""Anything that says which platform (and space) a matter came from."""


async def try_post(ctx: Context, platform_person: Located | None, audience: Audience,
                   notice: Notice) -> bool:
    """Queue a post to a private staff/committee channel; a failure is logged, never fatal.

    The post goes through the outbox: it is sent within the channel's pace, retried while
    the platform fails, and survives a restart. True once it is queued. A notice with
    files attached is posted directly: the outbox keeps text only.
    """
    if notice.attachments:
        return await _post_now(ctx, platform_person, audience, notice)
    try:
        async with ctx.storage.transaction() as tx:
            await queue_post(tx, ctx, platform_person, audience, notice)
    except PlatformError as exc:
        log.warning("could not post %s notice to %s: %s", notice.kind, audience, exc,
                    extra=log_fields(notice.subject_id))
        return False
    await ctx.outbox.kick()
    return True


async def _post_now(ctx: Context, origin: Located | None, audience: Audience,
                    notice: Notice) -> bool:
    try:
        await ctx.platforms.get(post_target(ctx, origin, audience)).post(
            audience, notice, space=post_space(origin, audience))
    except PlatformError as exc:
        log.warning("could not post %s notice to %s: %s", notice.kind, audience, exc,
                    extra=log_fields(notice.subject_id))
        return False
    return True


def when(ctx: Context, person: Located | None, moment: datetime | None) -> Trusted:
    """A time as the reader's platform shows it ("never" for a permanent end)."""
    if moment is None:
        return Trusted("never (permanent)")
    if person is not None and ctx.platforms.has(person.platform):
        return trusted(ctx.platforms.get(person.platform).format_time(moment))
    return Trusted(moment.strftime("%Y-%m-%d %H:%M UTC"))


def after_commit(ctx: Context, *actions: ScheduledAction | None) -> None:
    for action in actions:
        if action is not None:
            ctx.waker.wake(action)


def mention(ctx: Context, person: PersonRef | None) -> Trusted:
    """The platform's mention of a person: bot-written markup, posted as it is. A sealed
    person is their pseudonym, wherever they would be shown."""
    if person is None:
        return Trusted("(unknown)")
    if is_sealed(person):
        return ctx.messages.render("anonymous_reporter", pseudonym=pseudonym(person.id))
    if ctx.platforms.has(person.platform):
        return trusted(ctx.platforms.get(person.platform).mention(person))
    return Trusted(neutralise(person.key))


def mention_place(place: PlaceRef | None) -> Trusted:
    """Both Discord and Slack render ``<#id>`` as a channel link."""
    if place is None:
        return Trusted("(direct report)")
    return Trusted(f"<#{neutralise(place.id)}>")


def require_confirmation(standing: frozenset[Role], confirmed: bool) -> None:
    """Acting on staff, the committee, counsel or the Executive needs an explicit confirm,
    so a mistaken target among the people who run the process is caught before it lands."""
    if standing and not confirmed:
        roles = ", ".join(sorted(role.value for role in standing))
        raise NotPermitted(f"That person holds a protected role ({roles}). Repeat the command "
                           "with confirm set to true if you are sure.")
