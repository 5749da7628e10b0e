"""What each kind of timed action does when its moment comes.

Every handler is idempotent: it re-reads the record and does nothing if the work is
already done (the sanction lifted, the report triaged, the motion closed), because a
crash between the effect and the ``done`` mark means it can run again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from bot.core.errors import NotFound
from bot.core.identity import PlaceRef, PlatformName
from bot.core.models import (
    AcceptancePrompt,
    ActionKind,
    ActionStatus,
    Appointment,
    Case,
    Report,
    Sanction,
    SanctionStatus,
    ScheduledAction,
)
from bot.core.platforms import HOME, NOTHING, Needs
from bot.core.policy import Recurring
from bot.core.ports import Attachment, Audience, Notice, NoticeKind
from bot.core.services import Services
from bot.core.services._context import (
    Located,
    after_commit,
    mention,
    try_post,
    when,
)
from bot.core.services.digest import build_digest, month_before, next_digest, next_fiscal_year
from bot.core.services.reports import origin_of
from bot.core.services.timed import BatchHandler, Handler

DigestChart = Callable[[str, Mapping[str, int]], bytes | None]
"""Draws counts as a PNG bar chart (``bot.records.report_charts.counts_chart``), given by
the composition root; None when there is nothing to draw."""
log = logging.getLogger(__name__)


class CalendarJobs:
    def __init__(self, services: Services, recurring: Recurring,
                 digest_chart: DigestChart | None = None) -> None:
        self._s = services
        self._ctx = services.ctx
        self._recurring = recurring
        self._digest_chart = digest_chart

    def handlers(self) -> Mapping[ActionKind, Handler]:
        return {
            ActionKind.LIFT_SANCTION: self._lift,
            ActionKind.REPORT_DUE: self._report_due,
            ActionKind.APPEAL_WINDOW_CLOSE: self._appeal_window,
            ActionKind.MOTION_CLOSE: self._motion_close,
            ActionKind.SANCTION_REVIEW: self._review,
            ActionKind.TERM_ENDING: self._term_ending,
            ActionKind.ACCEPTANCE_REMINDER: self._acceptance,
            ActionKind.MONTHLY_DIGEST: self._digest,
            ActionKind.YEARLY_REVIEW: self._yearly,
            ActionKind.STATEMENT_REMINDER: self._statement_reminder,
            ActionKind.RETENTION_SWEEP: self._retention,
            ActionKind.RAID_END: self._s.raid.end_if_quiet,
            ActionKind.RAID_RELEASE: self._s.raid.release,
            ActionKind.CODE_PROMPTS: self._code_prompts,
        }

    async def needs(self, action: ScheduledAction) -> Needs:
        """The platform an action acts on: a lift, the suspended person's; a report
        reminder, the report's staff queue; an acceptance reminder, the member's DMs;
        everything else the committee's home. Unknown rows need the home (the handler
        finds nothing to do and finishes). The retention sweep needs no platform."""
        if action.kind is ActionKind.RETENTION_SWEEP:
            return NOTHING
        if action.kind is ActionKind.RAID_RELEASE:  # the channel's platform
            return Needs(frozenset({PlaceRef.parse(action.subject_id.partition("|")[0])
                                    .platform}))
        if action.kind is ActionKind.CODE_PROMPTS:  # the space whose members are asked
            return Needs(frozenset({self._job_platform(action)}))
        where: Located | None = None
        async with self._ctx.storage.transaction() as tx:
            if action.kind is ActionKind.LIFT_SANCTION:
                sanction = await tx.get(Sanction, action.subject_id)
                where = sanction.subject if sanction else None
            elif action.kind is ActionKind.REPORT_DUE:
                report = await tx.get(Report, action.subject_id)
                where = origin_of(report) if report else None
            elif action.kind is ActionKind.ACCEPTANCE_REMINDER:
                prompt = await tx.get(AcceptancePrompt, action.subject_id)
                where = prompt.person if prompt else None
        return HOME if where is None else Needs(frozenset({where.platform}))

    def batch_handlers(self) -> Mapping[ActionKind, BatchHandler]:
        """Kinds that thousands may fall due of at once, run a batch at a time."""
        return {ActionKind.LIFT_SANCTION: self._lift_many}

    async def _lift_many(self, actions: Sequence[ScheduledAction]) -> Mapping[str, Exception]:
        action_of = {a.subject_id: a.id for a in actions}
        failed = await self._s.sanctions.lift_ended(list(action_of), "the suspension ended")
        return {action_of[sanction]: exc for sanction, exc in failed.items()}

    async def needs_many(self, actions: Sequence[ScheduledAction]) -> list[Needs]:
        """``needs`` for a batch, reading the lifts' suspensions in one query."""
        lifts = [a.subject_id for a in actions if a.kind is ActionKind.LIFT_SANCTION]
        subjects: dict[str, PlatformName] = {}
        if lifts:
            async with self._ctx.storage.transaction() as tx:
                subjects = {s.id: s.subject.platform
                            for s in await tx.find(Sanction, id__in=lifts)}
        found: list[Needs] = []
        for action in actions:
            if action.kind is not ActionKind.LIFT_SANCTION:
                found.append(await self.needs(action))
            elif action.subject_id in subjects:
                found.append(Needs(frozenset({subjects[action.subject_id]})))
            else:
                found.append(HOME)
        return found

    async def _lift(self, action: ScheduledAction) -> None:
        await self._s.sanctions.lift(None, action.subject_id, "the suspension ended")

    async def _report_due(self, action: ScheduledAction) -> None:
        await self._s.reports.remind_if_overdue(action.subject_id)

    async def _appeal_window(self, action: ScheduledAction) -> None:
        await self._s.appeals.close_window(action.subject_id)

    async def _motion_close(self, action: ScheduledAction) -> None:
        await self._s.cases.close_motion(action.subject_id)

    async def _statement_reminder(self, action: ScheduledAction) -> None:
        await self._s.hearing.remind(action.subject_id)

    async def _retention(self, action: ScheduledAction) -> None:
        await self._s.retention.sweep()
        await self.ensure_retention_sweep()

    @staticmethod
    def _job_platform(action: ScheduledAction) -> PlatformName:
        return PlatformName(action.subject_id.partition("|")[2].partition(":")[0])

    async def _code_prompts(self, action: ScheduledAction) -> None:
        """A Code publish whose process died while queueing: the space's members are
        listed again and whoever was not asked yet is."""
        platform = self._ctx.platforms.get(self._job_platform(action))
        space = action.subject_id.partition("|")[2].partition(":")[2]
        await self._s.code.resume(action, await platform.members(space))

    async def _acceptance(self, action: ScheduledAction) -> None:
        await self._s.code.remind(action.subject_id)

    async def _review(self, action: ScheduledAction) -> None:
        """The review date of a permanent suspension: the committee gets the case summary."""
        async with self._ctx.storage.transaction() as tx:
            sanction = await tx.get(Sanction, action.subject_id)
            case = await tx.get(Case, sanction.case_id) if sanction and sanction.case_id \
                else None
        if sanction is None or sanction.status is not SanctionStatus.ACTIVE:
            return
        text = self._ctx.messages.render(
            "review_due", ref=sanction.id, subject=mention(self._ctx, sanction.subject),
            since=when(self._ctx, None, sanction.starts_at), reason=sanction.reason,
            case=self._ctx.messages.render("review_case", case=case.id, summary=case.summary,
                                           decision=case.decision or "")
            if case else "")
        await self._post(Audience.COMMITTEE, Notice(NoticeKind.REMINDER, text, sanction.id))

    async def _term_ending(self, action: ScheduledAction) -> None:
        async with self._ctx.storage.transaction() as tx:
            seat = await tx.get(Appointment, action.subject_id)
        if seat is None or seat.ended_at is not None:
            return
        text = self._ctx.messages.render("term_ending", person=mention(self._ctx, seat.person),
                                         seat=seat.seat, term_end=seat.term_end)
        await self._post(Audience.STAFF, Notice(NoticeKind.REMINDER, text, seat.id))

    async def _digest(self, action: ScheduledAction) -> None:
        end = self._ctx.now()
        digest = await build_digest(self._ctx, month_before(end), end)
        text = self._ctx.messages.render("monthly_digest", month=action.subject_id,
                                         body=digest.render())
        await self._post(Audience.COMMITTEE, Notice(
            NoticeKind.DIGEST, text, action.subject_id,
            attachments=self._chart(action.subject_id, digest.minor_by_clause)))
        await self.ensure_recurring()

    def _chart(self, month: str, by_clause: Mapping[str, int]) -> tuple[Attachment, ...]:
        """The month's minor incidents by clause as a PNG, for the committee's own channel
        (no suppression: the digest's text has the same counts). A chart is a nicety: if
        drawing fails, the digest goes without it."""
        if self._digest_chart is None or not by_clause:
            return ()
        try:
            png = self._digest_chart(f"Minor incidents by clause, {month}", by_clause)
        except Exception:
            log.exception("the digest chart for %s could not be drawn", month)
            return ()
        return () if png is None else (Attachment(f"digest-{month}.png", "image/png", png),)

    async def _yearly(self, action: ScheduledAction) -> None:
        last_year = self._ctx.now().astimezone(self._ctx.calendar.zone).year - 1
        text = self._ctx.messages.render("yearly_review", year=action.subject_id,
                                         report_year=last_year)
        await self._post(Audience.COMMITTEE, Notice(NoticeKind.REMINDER, text, action.subject_id))
        await self.ensure_recurring()

    async def _post(self, audience: Audience, notice: Notice) -> None:
        """Raise on failure so the runner retries: a reminder nobody saw is not done."""
        await self._ctx.platforms.home.post(audience, notice)

    async def ensure_recurring(self) -> list[ScheduledAction]:
        """Make sure the next digest and the next fiscal-year review are on the calendar."""
        now = self._ctx.now()
        wanted = [(ActionKind.MONTHLY_DIGEST, *next_digest(self._ctx, self._recurring, now)),
                  (ActionKind.YEARLY_REVIEW, *next_fiscal_year(self._ctx, self._recurring, now))]
        return await self._ensure(wanted)

    async def ensure_retention_sweep(self) -> list[ScheduledAction]:
        """Make sure the next daily retention sweep (03:00, association time) is due."""
        now = self._ctx.now()
        tomorrow = now.astimezone(self._ctx.calendar.zone).date() + timedelta(days=1)
        sweep_at = self._ctx.morning_of(tomorrow) - timedelta(hours=6)
        return await self._ensure([(ActionKind.RETENTION_SWEEP, tomorrow.isoformat(),
                                    sweep_at)])

    async def _ensure(self, wanted: list[tuple[ActionKind, str, datetime]],
                      ) -> list[ScheduledAction]:
        """Add each wanted job unless one of its kind is pending. The row is claimed by
        ``insert_new`` on its deterministic id (``kind/subject``), never upserted: a
        process starting beside another must not reset a job the other already ran or is
        running back to pending."""
        added = []
        async with self._ctx.storage.transaction() as tx:
            for kind, subject, due in wanted:
                if await tx.find(ScheduledAction, kind=kind, status=ActionStatus.PENDING,
                                 limit=1):
                    continue
                action = ScheduledAction(ScheduledAction.key_for(kind, subject), kind,
                                         subject, due)
                if await tx.insert_new(action):
                    added.append(action)
        after_commit(self._ctx, *added)
        return added

    async def on_failure(self, action: ScheduledAction, exc: Exception) -> None:
        """The first failed lift tells staff: someone may still be locked out."""
        if action.kind is not ActionKind.LIFT_SANCTION:
            return
        try:
            sanction = await self._s.sanctions.get(action.subject_id)
        except NotFound:
            return
        text = self._ctx.messages.render("lift_failed", ref=sanction.id,
                                         subject=mention(self._ctx, sanction.subject),
                                         error=str(exc)[:200])
        await try_post(self._ctx, sanction.subject, Audience.STAFF,
                       Notice(NoticeKind.STAFF_ALERT, text, sanction.id))
