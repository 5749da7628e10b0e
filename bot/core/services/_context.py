"""What every service needs, handed in once by the composition root."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import Final, Literal

from bot.core.business_days import BusinessCalendar
from bot.core.clock import Clock
from bot.core.code_text import CodeText, ProfileBook
from bot.core.errors import DeliveryFailed, NotPermitted, PlatformError
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
    PersonLink,
    Report,
    Role,
    ScheduledAction,
)
from bot.core.platforms import PlatformRegistry
from bot.core.policy import Policy
from bot.core.ports import Audience, Notice, NullWaker, Storage, Tx, Waker
from bot.core.refs import log_fields
from bot.core.telemetry import NullTelemetry, Telemetry

log = logging.getLogger(__name__)

Located = PersonRef | PlaceRef | MessageRef
"""Anything that says which platform (and space) a matter came from."""


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
    named = actor if isinstance(actor, PersonRef) else None
    await tx.insert(AuditEntry(
        id=uuid.uuid4().hex, at=ctx.now(), action=action, subject_type=subject_type,
        subject_id=subject_id, automated=actor is None, actor=named, reason=reason,
        details=details,
    ))


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


async def try_dm(ctx: Context, person: PersonRef, notice: Notice, *,
                 sealed: bool = False) -> bool:
    """Send a DM; report delivery rather than fail the action that needed it.

    ``sealed``: the person is an anonymous reporter, so a failure is logged without their
    account (logs are read by people).
    """
    if is_sealed(person):  # opened here, in the machine, only to address the message
        async with ctx.storage.transaction() as tx:
            account = await unseal(tx, person)
        if account is None:
            log.warning("DM (%s) not sent: a sealed person could not be resolved",
                        notice.subject_id)
            return False
        person, sealed = account, True
    who = "an anonymous reporter" if sealed else person.key
    try:
        await ctx.platforms.get(person.platform).send_dm(person, notice)
    except DeliveryFailed as exc:
        log.info("DM to %s (%s) not delivered: %s", who, notice.subject_id, exc,
                 extra=log_fields(notice.subject_id))
        return False
    except PlatformError as exc:
        log.warning("DM to %s (%s) failed: %s", who, notice.subject_id, exc,
                    extra=log_fields(notice.subject_id))
        return False
    return True


async def try_post(ctx: Context, platform_person: Located | None, audience: Audience,
                   notice: Notice) -> bool:
    """Post to a private staff/committee channel; a failure is logged, never fatal.

    Staff notices go to the staff queue of the space (server, workspace) the matter came
    from; committee and executive notices go to the home where those bodies meet.
    """
    try:
        if audience is Audience.STAFF and platform_person is not None \
                and ctx.platforms.has(platform_person.platform):
            platform = ctx.platforms.get(platform_person.platform)
            sealed = isinstance(platform_person, PersonRef) and is_sealed(platform_person)
            await platform.post(audience, notice,
                                space=None if sealed else platform_person.space)
        else:
            await ctx.platforms.home.post(audience, notice)
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
