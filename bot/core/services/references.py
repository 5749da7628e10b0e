"""Which references (reports, cases, motions, appeals, incidents) to offer a person as they
type one: the open or recent ones they may act on.

Suggestions are a convenience, never a permission: every action still asks its service,
which refuses what the person may not do. They follow the same standing, though, so a
member is not offered a case they are a party to, a participant sees only decisions about
themselves that they may still appeal, and nobody is offered what their role cannot touch.
Labels carry the reference, its state and a date, never a name or a report's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.core.models import (
    Actor,
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    Incident,
    Motion,
    MotionStatus,
    Report,
    ReportStatus,
    Role,
)
from bot.core.ports import Tx
from bot.core.rules.conflicts import CaseAction
from bot.core.services._committee import conflict_refusal, reporter_matches
from bot.core.services._context import Context, identity_of

LIMIT = 25
"""Discord shows at most 25 choices; Slack's external selects take more, but a longer list
is not easier to pick from."""
RECENT_INCIDENTS = timedelta(days=30)
SCAN = 200
"""How many candidate rows are looked at per query, newest first."""


class RefKind(StrEnum):
    REPORT = "report"
    CASE = "case"
    MOTION = "motion"
    APPEAL = "appeal"
    INCIDENT = "incident"
    APPEALABLE = "appealable"  # a decided case the person may still appeal


@dataclass(frozen=True, slots=True)
class Suggestion:
    value: str
    label: str


class ReferenceService:
    """Suggestions for reference fields; see the module docstring."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def suggest(self, actor: Actor, kind: RefKind, typed: str = "") -> list[Suggestion]:
        wanted = typed.strip().upper()
        async with self._ctx.storage.transaction() as tx:
            found = await _QUERIES[kind](self, tx, actor)
        return [s for s in found if wanted in s.value.upper()][:LIMIT]

    async def _reports(self, tx: Tx, actor: Actor) -> list[Suggestion]:
        if not actor.is_staff:
            return []
        reports = await tx.find(Report, status__in=[ReportStatus.OPEN, ReportStatus.TRIAGED],
                                order_by="created_at", descending=True, limit=SCAN)
        return [Suggestion(r.id, f"{r.id} · {r.status.value} · due {r.due_at:%Y-%m-%d}")
                for r in reports]

    async def _cases(self, tx: Tx, actor: Actor) -> list[Suggestion]:
        statuses = []
        if actor.is_staff or actor.has(Role.COMMITTEE) or actor.has(Role.COUNSEL):
            statuses = [CaseStatus.OPEN, CaseStatus.DECIDED, CaseStatus.APPEALED]
        cases = await tx.find(Case, status__in=statuses, order_by="opened_at",
                              descending=True, limit=SCAN) if statuses else []
        return [Suggestion(c.id, f"{c.id} · {c.status.value} · opened {c.opened_at:%Y-%m-%d}")
                for c in cases if await self._free(tx, c, actor)]

    async def _motions(self, tx: Tx, actor: Actor) -> list[Suggestion]:
        if not (actor.has(Role.COMMITTEE) or actor.has(Role.COUNSEL)):
            return []
        motions = await tx.find(Motion, status__in=[MotionStatus.OPEN, MotionStatus.CARRIED],
                                order_by="opened_at", descending=True, limit=SCAN)
        out = []
        for motion in motions:
            case = await tx.get(Case, motion.case_id)
            if case is not None and case.status is CaseStatus.OPEN \
                    and await self._free(tx, case, actor):
                out.append(Suggestion(motion.id, f"{motion.id} · {motion.status.value} · "
                                                 f"case {motion.case_id}"))
        return out

    async def _appeals(self, tx: Tx, actor: Actor) -> list[Suggestion]:
        if not actor.has(Role.EXECUTIVE):
            return []
        appeals = await tx.find(Appeal, status=AppealStatus.PENDING, order_by="filed_at",
                                descending=True, limit=SCAN)
        out = []
        for appeal in appeals:
            case = await tx.get(Case, appeal.case_id)
            if case is not None and await conflict_refusal(
                    tx, self._ctx, case, actor.person, CaseAction.DECIDE_APPEAL, appeal) is None:
                out.append(Suggestion(appeal.id, f"{appeal.id} · case {appeal.case_id} · "
                                                 f"filed {appeal.filed_at:%Y-%m-%d}"))
        return out

    async def _incidents(self, tx: Tx, actor: Actor) -> list[Suggestion]:
        if not actor.is_staff:
            return []
        since = self._ctx.now() - RECENT_INCIDENTS
        incidents = await tx.find(Incident, reversed_at=None, created_at__gte=since,
                                  order_by="created_at", descending=True, limit=SCAN)
        return [Suggestion(i.id, f"{i.id} · {i.kind.value} · {i.clause_id} · "
                                 f"{i.created_at:%Y-%m-%d}") for i in incidents]

    async def _appealable(self, tx: Tx, actor: Actor) -> list[Suggestion]:
        """Decided cases about this person, or that they reported, still inside the window."""
        now = self._ctx.now()
        cases = await tx.find(Case, status=CaseStatus.DECIDED, appeal_deadline__gt=now,
                              order_by="opened_at", descending=True, limit=SCAN)
        me = await identity_of(tx, actor.person)
        out = []
        for case in cases:
            if await identity_of(tx, case.subject) == me \
                    or await reporter_matches(tx, case, actor.person):
                assert case.appeal_deadline is not None
                out.append(Suggestion(case.id, f"{case.id} · appeal by "
                                               f"{case.appeal_deadline:%Y-%m-%d}"))
        return out

    async def _free(self, tx: Tx, case: Case, actor: Actor) -> bool:
        """Staff see every case they may handle; members only those they are free to act on
        (not the subject, the reporter, or recused)."""
        if actor.is_staff:
            return True
        refusal = await conflict_refusal(tx, self._ctx, case, actor.person, CaseAction.VOTE)
        return refusal is None


_QUERIES = {
    RefKind.REPORT: ReferenceService._reports,
    RefKind.CASE: ReferenceService._cases,
    RefKind.MOTION: ReferenceService._motions,
    RefKind.APPEAL: ReferenceService._appeals,
    RefKind.INCIDENT: ReferenceService._incidents,
    RefKind.APPEALABLE: ReferenceService._appealable,
}
