"""What the store counts for the transparency report: named aggregates over a period.

The domain asks for counts by name (:class:`Measure`) and gets plain numbers back; the
store computes them with SQL aggregates (``storage/_statistics.py``), so a year of records
is never loaded row by row. Every measure counts records whose own moment falls in
``[start, end)``: a report by when it was filed, an incident when it was recorded, a
suspension when it started, a case when it opened, a motion when it closed, an appeal
when it was filed. Nothing here names a person: labels are statuses, clauses, rules,
platforms and length bands.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Measure(StrEnum):
    """A count grouped by one label, over one period."""

    REPORTS_BY_OUTCOME = "reports_by_outcome"  # label: ReportStatus value
    INCIDENTS_BY_CLAUSE = "incidents_by_clause"  # not reversed; label: clause id
    INCIDENTS_BY_PLATFORM = "incidents_by_platform"  # not reversed; label: platform name
    INCIDENTS_BY_KIND = "incidents_by_kind"  # not reversed; label: IncidentKind value
    SUSPENSIONS_BY_LENGTH = "suspensions_by_length"  # label: LengthBand value
    SUSPENSIONS_BY_ORIGIN = "suspensions_by_origin"  # label: SuspensionOrigin value
    CASES_BY_ORIGIN = "cases_by_origin"  # label: CaseOrigin value
    CASES_BY_STATUS = "cases_by_status"  # the status today; label: CaseStatus value
    MOTIONS_BY_RESULT = "motions_by_result"  # closed in the period; label: MotionStatus
    APPEALS_BY_OUTCOME = "appeals_by_outcome"  # label: AppealStatus value


class LengthBand(StrEnum):
    """How long a suspension was set to last (its end minus its start)."""

    DAY = "up to 1 day"
    WEEK = "over 1 day, up to 7 days"
    MONTH = "over 7 days, up to 30 days"
    LONGER = "over 30 days"
    PERMANENT = "permanent"


LENGTH_BAND_LIMITS: tuple[tuple[LengthBand, int], ...] = (
    (LengthBand.DAY, 86_400), (LengthBand.WEEK, 7 * 86_400), (LengthBand.MONTH, 30 * 86_400))
"""Each band's upper bound in seconds (inclusive); longer ones are ``LONGER``."""


class SuspensionOrigin(StrEnum):
    INTERIM = "interim, before the committee decided"
    COMMITTEE = "decided by the committee"
    AUTOMOD = "automated"
    STAFF = "by staff"


@dataclass(frozen=True, slots=True)
class FirstResponse:
    """How fast reports filed in the period were first answered by staff.

    The first response is the earliest staff handling of the report (triaged, dismissed,
    actioned or escalated); the promise is its due time, the end of the next business day
    in the association's calendar, stored with the report when it was filed.
    """

    received: int
    answered: int
    within_promise: int
    median_seconds: float | None  # over the answered ones; None when none was answered

    @property
    def late(self) -> int:
        return self.answered - self.within_promise

    @property
    def unanswered(self) -> int:
        return self.received - self.answered


@dataclass(frozen=True, slots=True)
class RuleReversalCount:
    """One automod rule's detections in the period, and how many staff reversed."""

    rule: str
    detections: int
    reversed: int


@dataclass(frozen=True, slots=True)
class MinorIncidents:
    """Minor incidents in a period that still stand (not reversed): what staff report at
    the committee's monthly meeting."""

    by_clause: dict[str, int]  # clause id -> count
    by_channel: dict[str, int]  # channel key -> count; incidents with no channel omitted
