"""What each person may act on now: the staff queue, a member's cases and pending votes,
a participant's own open reports and the Code they have yet to accept.

The one place these lists are drawn, so every view of them (Slack's App Home today,
another platform's later) shows the same thing under the same rules: the queue is for
staff; a case is listed as actionable only for a seated member free of conflict in it (by
:func:`panel_for`, the rule every case action uses), so a member who is the subject or
the (possibly anonymous) reporter never sees it here; a participant's own reports are
found by their sealed tag too, and only their reference and status are given back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.identity import PersonRef
from bot.core.models import (
    Acceptance,
    Actor,
    Case,
    CaseStatus,
    CodeVersion,
    Incident,
    Motion,
    MotionStatus,
    Office,
    Report,
    ReportStatus,
    Role,
    Vote,
)
from bot.core.ports import Tx
from bot.core.services._committee import holds_office, panel_for, tags_of
from bot.core.services._context import Context, accounts_of, identity_of

QUEUE_LIMIT = 25          # reports shown in one view, oldest first
RECENT_INCIDENTS = timedelta(days=7)
OPEN_REPORT = (ReportStatus.OPEN, ReportStatus.TRIAGED)


@dataclass(frozen=True, slots=True)
class StaffQueue:
    reports: tuple[Report, ...]   # open, oldest first (at most QUEUE_LIMIT)
    waiting: int                  # every open report, also those not shown
    open_cases: int
    recent_incidents: int         # recorded (not reversed) in the last RECENT_INCIDENTS


@dataclass(frozen=True, slots=True)
class PendingVote:
    motion: Motion
    case: Case


@dataclass(frozen=True, slots=True)
class CommitteeWork:
    seated: bool
    cases: tuple[Case, ...]        # open cases the member may act on
    pending: tuple[PendingVote, ...]  # open motions there they have not voted on


@dataclass(frozen=True, slots=True)
class OwnReport:
    """A participant's own report as they may see it: reference, status, when."""

    id: str
    status: ReportStatus
    created_at: datetime


class OverviewService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def staff_queue(self, actor: Actor) -> StaffQueue | None:
        """The open reports, oldest first, and what else is open; None for non-staff."""
        if not actor.is_staff:
            return None
        since = self._ctx.now() - RECENT_INCIDENTS
        async with self._ctx.storage.transaction() as tx:
            reports = await tx.find(Report, status=ReportStatus.OPEN, order_by="created_at")
            cases = await tx.count(Case, status=CaseStatus.OPEN)
            incidents = await tx.count(Incident, created_at__gte=since, reversed_at=None)
        return StaffQueue(tuple(reports[:QUEUE_LIMIT]), len(reports), cases, incidents)

    async def committee_work(self, actor: Actor) -> CommitteeWork | None:
        """A committee member's open cases and the motions awaiting their vote; None for
        someone neither configured nor seated as a committee member."""
        today = self._ctx.now().date()
        async with self._ctx.storage.transaction() as tx:
            seated = await holds_office(tx, actor.person, Office.COMMITTEE, today)
            if not seated:
                return CommitteeWork(False, (), ()) if Role.COMMITTEE in actor.roles else None
            me = await identity_of(tx, actor.person)
            cases: list[Case] = []
            pending: list[PendingVote] = []
            for case in await tx.find(Case, status=CaseStatus.OPEN, order_by="opened_at"):
                if me not in (await panel_for(tx, case, today)).voting:
                    continue  # a party to it, or recused: nothing to do here
                cases.append(case)
                for motion in await tx.find(Motion, case_id=case.id, status=MotionStatus.OPEN,
                                            order_by="opened_at"):
                    if not await _voted(tx, motion, me):
                        pending.append(PendingVote(motion, case))
        return CommitteeWork(True, tuple(cases), tuple(pending))

    async def own_reports(self, person: PersonRef) -> tuple[OwnReport, ...]:
        """``person``'s reports still open, named or anonymous (found by their seal tag)."""
        async with self._ctx.storage.transaction() as tx:
            named = await tx.find(Report, reporter__in=await accounts_of(tx, person),
                                  status__in=OPEN_REPORT)
            tags = await tags_of(tx, person)
            sealed = await tx.find(Report, reporter_tag__in=tuple(tags),
                                   status__in=OPEN_REPORT) if tags else []
        found = {r.id: r for r in [*named, *sealed]}.values()
        return tuple(OwnReport(r.id, r.status, r.created_at)
                     for r in sorted(found, key=lambda r: r.created_at))

    async def code_to_accept(self, person: PersonRef) -> CodeVersion | None:
        """The current version of the Code if ``person`` has not accepted it yet."""
        async with self._ctx.storage.transaction() as tx:
            versions = await tx.find(CodeVersion, order_by="number", descending=True, limit=1)
            if not versions:
                return None
            accepted = await tx.get(Acceptance, Acceptance.key_for(versions[0].id, person))
        return None if accepted is not None else versions[0]


async def _voted(tx: Tx, motion: Motion, identity: str) -> bool:
    for vote in await tx.find(Vote, motion_id=motion.id):
        if await identity_of(tx, vote.voter) == identity:
            return True
    return False
