"""Suspensions: applied, explained in writing, and lifted when they end.

Durable first: the sanction row (and its lift) is committed before the platform is
touched, so a crash can never leave someone restricted with no record to lift it from.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.durations import Duration
from bot.core.errors import InvalidInput, InvalidState, NotFound, NotPermitted, PlatformError
from bot.core.identity import PersonRef, PlaceRef
from bot.core.markup import Trusted
from bot.core.models import (
    ActionKind,
    Actor,
    Case,
    CaseStatus,
    ReportStatus,
    Role,
    Sanction,
    SanctionScope,
    SanctionStatus,
)
from bot.core.ports import Audience, Notice, NoticeKind
from bot.core.refs import new_ref, normalise_ref
from bot.core.services._committee import ensure_not_own_matter, subject_matches
from bot.core.services._context import (
    Context,
    Reach,
    accounts_of,
    after_commit,
    audit,
    audit_entry,
    cancel,
    dm_row,
    mention,
    mention_place,
    reach,
    require,
    require_confirmation,
    require_staff_in,
    schedule,
    try_dm,
    try_post,
    when,
)
from bot.core.services.reports import ReportService

log = logging.getLogger(__name__)

LIFT_CONCURRENCY = 16
"""Platform calls restoring access at most this many at a time in a batch of lifts; the
platform clients pace themselves within this (Discord's and Slack's rate limits)."""


@dataclass(frozen=True, slots=True)
class SuspensionRequest:
    subject: PersonRef
    duration: Duration
    scope: SanctionScope
    reason: str
    clause_id: str = "no-harassment"
    channel: PlaceRef | None = None
    case_id: str | None = None
    review_at: datetime | None = None
    # Standing the adapter found on the target (staff, committee...): needs confirmation.
    target_standing: frozenset[Role] = frozenset()
    confirmed: bool = False
    report_id: str | None = None  # the report this acts on: closed as actioned
    # False in a raid: the wave's one alert counts the suspensions instead of a post each.
    summarise: bool = True


def parse_scope(text: str) -> SanctionScope:
    """Staff input for a scope; each platform names the whole space its own way, and
    either word is understood on both."""
    cleaned = text.strip().lower()
    if cleaned in ("channel", "c"):
        return SanctionScope.CHANNEL
    if cleaned in ("server", "workspace", "space", "guild", "all", "s"):
        return SanctionScope.SPACE
    raise InvalidInput("Scope must be 'channel', or 'server' / 'workspace' for everywhere.")


class SanctionService:
    def __init__(self, ctx: Context, reports: ReportService | None = None) -> None:
        self._ctx = ctx
        self._reports = reports

    @staticmethod
    def require_suspender(actor: Actor, case_id: str | None = None) -> None:
        """Staff suspend; the committee only to apply its own decision on a case."""
        committee_case = case_id is not None and actor.has(Role.COMMITTEE)
        if not (actor.is_staff or committee_case):
            raise NotPermitted("Only staff can suspend members.")

    async def suspend(self, actor: Actor | None, request: SuspensionRequest) -> Sanction:
        return (await self.suspend_reaching(actor, request))[0]

    async def suspend_reaching(self, actor: Actor | None,
                               request: SuspensionRequest) -> tuple[Sanction, Reach]:
        """Suspend, and say how the written notice is reaching the person (by DM, by
        e-mail because their DMs are closed, or not at all)."""
        ctx = self._ctx
        if actor is not None:
            self.require_suspender(actor, request.case_id)
            if not (request.case_id is not None and actor.has(Role.COMMITTEE)):
                # Staff suspend in their own space; the committee acts everywhere.
                require_staff_in(actor, request.subject, "suspend members")
            async with ctx.storage.transaction() as tx:  # any account linked to theirs
                if await subject_matches(tx, request.subject, actor.person):
                    raise InvalidInput("You cannot suspend yourself.")
        _validate(request)
        clause = ctx.code.clause(request.clause_id)
        now = ctx.now()
        sanction = Sanction(
            id=new_ref("S"), subject=request.subject, scope=request.scope, starts_at=now,
            reason=request.reason.strip(), clause_id=clause.id, interim=False,
            automated=actor is None, channel=request.channel,
            ends_at=request.duration.end_from(now), review_at=request.review_at,
            actor=actor.person if actor else None, case_id=request.case_id)
        platform = ctx.platforms.get(request.subject.platform)
        platform.check_restriction(sanction)
        async with ctx.storage.transaction() as tx:
            # Interim: staff de-escalating while the committee has yet to decide. The
            # committee's own sanction (it carries the case) is the decision, not interim.
            open_cases = await tx.count(Case, subject=request.subject, status=CaseStatus.OPEN)
            sanction = replace(sanction, interim=open_cases > 0 and request.case_id is None)
            await tx.insert(sanction)
            await audit(tx, ctx, "sanction.suspended", "sanction", sanction.id,
                        actor=sanction.actor, reason=sanction.reason,
                        details=f"scope={sanction.scope.value} ends={sanction.ends_at}"
                        + (f" review={sanction.review_at}" if sanction.review_at else ""))
            actions = [await schedule(tx, ctx, ActionKind.LIFT_SANCTION, sanction.id,
                                      sanction.ends_at) if sanction.ends_at else None,
                       await schedule(tx, ctx, ActionKind.SANCTION_REVIEW, sanction.id,
                                      sanction.review_at) if sanction.review_at else None]
        after_commit(ctx, *actions)
        # Tell the person before restricting them: some restrictions close their DMs.
        reached = await reach(ctx, sanction.subject, self._dm(sanction))
        try:
            await platform.restrict(sanction)
        except PlatformError:
            await self._undo(sanction)
            raise
        sanction = replace(sanction, dm_delivered=reached is Reach.DM)
        async with ctx.storage.transaction() as tx:
            await tx.update(sanction)
        if request.report_id and self._reports is not None:
            await self._reports.close(sanction.actor, request.report_id, ReportStatus.ACTIONED,
                                      f"suspension {sanction.id}")
        if request.summarise:
            await self._summarise(sanction, reached)
        return sanction, reached

    async def _undo(self, sanction: Sanction) -> None:
        """The platform refused the restriction: record that it never took effect."""
        async with self._ctx.storage.transaction() as tx:
            await tx.update(replace(sanction, status=SanctionStatus.LIFTED,
                                    lifted_at=self._ctx.now(),
                                    lift_reason="could not be applied on the platform"))
            await cancel(tx, ActionKind.LIFT_SANCTION, sanction.id)
            await cancel(tx, ActionKind.SANCTION_REVIEW, sanction.id)
            await audit(tx, self._ctx, "sanction.failed", "sanction", sanction.id, actor=None)

    def _dm(self, sanction: Sanction) -> Notice:
        ctx = self._ctx
        clause = ctx.code.clause(sanction.clause_id)
        profile = ctx.profiles.for_place(sanction.channel.key if sanction.channel else None,
                                         f"{sanction.subject.platform.value}:"
                                         f"{sanction.subject.space}")
        text = ctx.messages.render(
            "suspension_dm", space_name=Trusted(profile.space_name), scope=_scope_text(sanction),
            start=when(ctx, sanction.subject, sanction.starts_at),
            end=when(ctx, sanction.subject, sanction.ends_at),
            duration=_duration_text(sanction), reason=sanction.reason,
            clause_title=Trusted(clause.title),
            avoid=Trusted(clause.avoid.format_map(profile.values())),
            appeal=_appeal_text(sanction),
            review=Trusted("The committee will review this on "
                           f"{when(ctx, sanction.subject, sanction.review_at)}."
                           if sanction.review_at else ""))
        return Notice(NoticeKind.SANCTION_DM, text, subject_id=sanction.id,
                      title=f"Your access to {profile.space_name} is suspended")

    async def _summarise(self, sanction: Sanction, reached: Reach) -> None:
        ctx = self._ctx
        text = ctx.messages.render(
            "suspension_summary", ref=sanction.id, subject=mention(ctx, sanction.subject),
            scope=_scope_text(sanction), start=when(ctx, sanction.subject, sanction.starts_at),
            end=when(ctx, sanction.subject, sanction.ends_at), duration=_duration_text(sanction),
            reason=sanction.reason,
            actor="automod" if sanction.automated else mention(ctx, sanction.actor),
            interim="yes (a case is open)" if sanction.interim else "no",
            review=when(ctx, sanction.subject, sanction.review_at) if sanction.review_at
            else "none",
            delivered="yes" if reached is Reach.DM else
            "by e-mail (their DMs are closed; staff are told if it cannot be delivered)"
            if reached is Reach.EMAIL else
            "NO - their DMs are closed; staff, please tell them in writing another way")
        await try_post(ctx, sanction.subject, Audience.COMMITTEE,
                       Notice(NoticeKind.INCIDENT_SUMMARY, text, subject_id=sanction.id))

    async def lift(self, actor: Actor | None, ref: str, reason: str) -> Sanction:
        """Restore access; idempotent. A platform failure leaves the sanction active.

        Never marked lifted while access is still blocked: the caller (the scheduler)
        retries with backoff when this raises.
        """
        ctx = self._ctx
        if actor is not None:
            require(actor, Role.STAFF, "lift suspensions")
        async with ctx.storage.transaction() as tx:
            sanction = await tx.get(Sanction, normalise_ref(ref))
            if sanction is None:
                raise NotFound(f"There is no suspension '{ref}'.")
            if actor is not None:
                await ensure_not_own_matter(tx, ctx, actor.person, sanction.subject,
                                            f"Suspension {sanction.id}")
        if not sanction.active:
            return sanction
        await ctx.platforms.get(sanction.subject.platform).restore(sanction)
        lifted = replace(sanction, status=SanctionStatus.LIFTED, lifted_at=ctx.now(),
                         lifted_by=actor.person if actor else None, lift_reason=reason)
        async with ctx.storage.transaction() as tx:
            if not await tx.update_if(lifted, status=SanctionStatus.ACTIVE):
                return sanction
            await cancel(tx, ActionKind.LIFT_SANCTION, sanction.id)
            await audit(tx, ctx, "sanction.lifted", "sanction", sanction.id,
                        actor=lifted.lifted_by, reason=reason)
        await try_dm(ctx, sanction.subject, self._lift_notice(sanction))
        return lifted

    def _lift_notice(self, sanction: Sanction) -> Notice:
        profile = self._ctx.profiles.for_place(sanction.channel.key if sanction.channel
                                               else None)
        return Notice(NoticeKind.LIFT_DM, self._ctx.messages.render(
            "lift_dm", space_name=Trusted(profile.space_name), scope=_scope_text(sanction)),
            subject_id=sanction.id)

    async def lift_ended(self, refs: Sequence[str], reason: str) -> dict[str, Exception]:
        """Lift many suspensions whose time is up at once (the scheduler's batch); returns
        the failures by sanction id, every other one is lifted (or was already).

        The same steps as ``lift`` with the database touched twice for the whole batch
        instead of three times per suspension: one read, access restored on the platform
        (``LIFT_CONCURRENCY`` calls at a time), then one transaction marking each lifted,
        with its audit entry and its DM queued in the outbox (an automated lift has nobody
        waiting to hear whether the DM arrived; the outbox paces and retries it, and its
        key queues it once however often the batch is retried). A suspension whose access
        could not be restored stays active and is in the failures, to be retried.
        """
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            found = {s.id: s for s in await tx.find(Sanction, id__in=list(refs))}
        failures: dict[str, Exception] = {
            ref: NotFound(f"There is no suspension '{ref}'.") for ref in refs
            if ref not in found}
        active = [s for s in found.values() if s.active]
        gate = asyncio.Semaphore(LIFT_CONCURRENCY)

        async def restore(sanction: Sanction) -> Exception | None:
            async with gate:
                try:
                    await ctx.platforms.get(sanction.subject.platform).restore(sanction)
                except Exception as exc:  # this one is retried; the others carry on
                    return exc
            return None
        outcomes = await asyncio.gather(*(restore(s) for s in active))
        failures |= {s.id: exc for s, exc in zip(active, outcomes, strict=True)
                     if exc is not None}
        restored = [s for s in active if s.id not in failures]
        async with ctx.storage.transaction() as tx:
            # One that was lifted meanwhile (staff, another process) gets nothing more.
            won = await tx.update_all_if([replace(
                s, status=SanctionStatus.LIFTED, lifted_at=ctx.now(), lifted_by=None,
                lift_reason=reason) for s in restored], status=SanctionStatus.ACTIVE)
            lifted = [s for s in restored if s.id in won]
            await tx.insert_all([audit_entry(ctx, "sanction.lifted", "sanction", s.id,
                                             actor=None, reason=reason) for s in lifted])
            texts: dict[tuple[PlaceRef | None, SanctionScope], str] = {}  # one render each
            rows = []
            for s in lifted:
                notice = self._lift_notice(s) if (s.channel, s.scope) not in texts else \
                    Notice(NoticeKind.LIFT_DM, texts[(s.channel, s.scope)], subject_id=s.id)
                texts[(s.channel, s.scope)] = notice.text
                rows.append(dm_row(ctx, s.subject, notice, key=f"lift/{s.id}"))
            await tx.insert_all(rows)
        if lifted:
            await ctx.outbox.kick()
        return failures

    async def unsuspend(self, actor: Actor, subject: PersonRef, reason: str) -> list[Sanction]:
        """Lift every active suspension of a person early."""
        require(actor, Role.STAFF, "lift suspensions")
        active = await self.active_for(subject)
        if not active:
            raise InvalidState(f"{mention(self._ctx, subject)} has no active suspension.")
        return [await self.lift(actor, s.id, reason or "lifted early by staff") for s in active]

    async def reapply(self, subject: PersonRef) -> list[Sanction]:
        """Someone suspended left and came back: put each restriction back in place.

        A role does not survive leaving a Discord server, so without this leaving and
        rejoining would end a long suspension early. Restricting is idempotent.
        """
        active = [s for s in await self.active_for(subject) if s.subject == subject]
        if not active:
            return []
        platform = self._ctx.platforms.get(subject.platform)
        for sanction in active:
            await platform.restrict(sanction)
            async with self._ctx.storage.transaction() as tx:
                await audit(tx, self._ctx, "sanction.reapplied", "sanction", sanction.id,
                            actor=None, reason="the member rejoined during the suspension")
        return active

    async def active_for(self, subject: PersonRef) -> list[Sanction]:
        async with self._ctx.storage.transaction() as tx:
            found: list[Sanction] = []
            for account in await accounts_of(tx, subject):
                found += await tx.find(Sanction, subject=account, status=SanctionStatus.ACTIVE)
        return found

    async def get(self, ref: str) -> Sanction:
        async with self._ctx.storage.transaction() as tx:
            sanction = await tx.get(Sanction, normalise_ref(ref))
        if sanction is None:
            raise NotFound(f"There is no suspension '{ref}'.")
        return sanction


def _validate(request: SuspensionRequest) -> None:
    if not request.reason.strip():
        raise InvalidInput("Please give a reason; it is sent to the person in writing.")
    if request.scope is SanctionScope.CHANNEL and request.channel is None:
        raise InvalidInput("A channel suspension needs the channel.")
    require_confirmation(request.target_standing, request.confirmed)
    if request.review_at is not None and not request.duration.permanent:
        raise InvalidInput("A review period applies only to a permanent suspension: use "
                           "duration 'permanent' with a review period, or leave review out.")


def _scope_text(sanction: Sanction) -> Trusted:
    if sanction.scope is SanctionScope.CHANNEL and sanction.channel is not None:
        return Trusted(f"the channel {mention_place(sanction.channel)}")
    return Trusted("the whole space")


def _duration_text(sanction: Sanction) -> str:
    if sanction.ends_at is None:
        return "permanent"
    return Duration(sanction.ends_at - sanction.starts_at).describe()


def _appeal_text(sanction: Sanction) -> str:
    if sanction.case_id:
        return (f"You may appeal the committee's decision within 60 days with "
                f"/appeal {sanction.case_id}.")
    return ("If you believe this is a mistake, reply to staff or use /report to reach an "
            "administrator; a committee decision can be appealed within 60 days.")
