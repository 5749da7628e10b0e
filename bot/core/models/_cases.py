"""Committee cases for serious violations: motions, votes, recusals and decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.core.identity import MessageRef, PersonRef, PlaceRef
from bot.core.models._incidents import Severity
from bot.core.models._sanctions import SanctionScope


class CaseOrigin(StrEnum):
    REPORT = "report"
    INCIDENT = "incident"
    ESCALATION = "escalation"
    STAFF = "staff"


class CaseStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"  # decision communicated; appeal window running
    APPEALED = "appealed"
    FINAL = "final"
    CLOSED = "closed"  # closed without a decision (e.g. withdrawn)


class CommunicationChannel(StrEnum):
    """How a decision (or an appeal's outcome) reached the person."""

    DM = "dm"
    EMAIL = "email"  # their DMs were closed; recorded when the mail server accepted it
    STAFF = "staff"  # staff told them another way and recorded it (/case communicated)


@dataclass(frozen=True, slots=True)
class Case:
    """A serious matter before the Member Review Committee.

    A case from an anonymous report has no ``reporter``; it carries the sealed form
    (``reporter_sealed``, ``reporter_tag``), so the reporter is still kept off it.
    """

    TABLE: ClassVar[str] = "cases"
    id: str
    subject: PersonRef
    summary: str
    origin: CaseOrigin
    severity: Severity
    opened_at: datetime
    status: CaseStatus = CaseStatus.OPEN
    opened_by: PersonRef | None = None
    reporter: PersonRef | None = None
    report_id: str | None = None
    subject_statement: str | None = None
    thread: PlaceRef | None = None
    decision: str | None = None
    decided_motion_id: str | None = None
    communicated_at: datetime | None = None
    communicated_via: CommunicationChannel | None = None
    appeal_deadline: datetime | None = None
    final_at: datetime | None = None
    reporter_sealed: str | None = None
    reporter_tag: str | None = None
    # Hearing the subject: when their statement is asked for by, when they last wrote or
    # edited it, and when a DM to them failed (staff were told to reach them another way).
    statement_due_at: datetime | None = None
    statement_at: datetime | None = None
    subject_unreachable_at: datetime | None = None
    # What the person harmed would welcome (their own words and choices), for the
    # committee's eyes only: never shown to the subject, never naming the reporter.
    reporter_wishes: str | None = None  # comma-separated Wish values
    reporter_wishes_note: str | None = None
    wishes_at: datetime | None = None


class MotionStatus(StrEnum):
    OPEN = "open"
    CARRIED = "carried"
    FAILED = "failed"
    OVERRULED = "overruled"


@dataclass(frozen=True, slots=True)
class Motion:
    """A proposal put to the committee; closes when carried, failed or its window ends."""

    TABLE: ClassVar[str] = "motions"
    id: str
    case_id: str
    text: str
    proposed_by: PersonRef
    opened_at: datetime
    closes_at: datetime
    status: MotionStatus = MotionStatus.OPEN
    message: MessageRef | None = None
    closed_at: datetime | None = None
    # A sanction the motion decides, so it can be applied with one click once carried.
    sanction_duration: str | None = None
    sanction_scope: SanctionScope | None = None
    sanction_clause: str | None = None
    applied_sanction_id: str | None = None
    overruled_by: PersonRef | None = None
    overrule_reason: str | None = None
    # A permanent suspension may be reviewed after this period (``1y``), told to the person.
    sanction_review: str | None = None
    # Communication to the membership or the public the committee votes on with the motion;
    # published only once the motion carried and can no longer be overruled.
    public_statement: str | None = None
    statement_published_at: datetime | None = None
    statement_published_by: PersonRef | None = None


class VoteChoice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


@dataclass(frozen=True, slots=True)
class Vote:
    """One member's current vote on a motion; ``id`` is motion id + voter key (one each)."""

    TABLE: ClassVar[str] = "votes"
    id: str
    motion_id: str
    voter: PersonRef
    choice: VoteChoice
    cast_at: datetime

    @staticmethod
    def key_for(motion_id: str, voter: PersonRef) -> str:
        return f"{motion_id}/{voter.key}"


@dataclass(frozen=True, slots=True)
class Recusal:
    """A declared conflict of interest: the member cannot vote or count toward quorum."""

    TABLE: ClassVar[str] = "recusals"
    id: str
    case_id: str
    member: PersonRef
    reason: str
    declared_at: datetime

    @staticmethod
    def key_for(case_id: str, member: PersonRef) -> str:
        return f"{case_id}/{member.key}"
