"""Reports made by participants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.core.identity import MessageRef, PersonRef, PlaceRef


class ReportStatus(StrEnum):
    OPEN = "open"
    TRIAGED = "triaged"
    DISMISSED = "dismissed"
    DISMISSED_BAD_FAITH = "dismissed_bad_faith"
    ACTIONED = "actioned"
    ESCALATED = "escalated"


@dataclass(frozen=True, slots=True)
class Report:
    """A participant's alert about content or a person.

    A named report stores ``reporter``. An anonymous one stores no reporter at all, only
    the sealed form (``reporter_sealed``: the account encrypted with the operator's key;
    ``reporter_tag``: a keyed hash for equality), because abuse of reporting is itself a
    violation and the machine must still rate-limit, count bad-faith dismissals and keep
    the reporter off the case. Nothing the reported person sees ever includes the reporter.
    """

    TABLE: ClassVar[str] = "reports"
    id: str
    reporter: PersonRef | None
    anonymous: bool
    reason: str
    created_at: datetime
    due_at: datetime
    status: ReportStatus = ReportStatus.OPEN
    target: PersonRef | None = None
    message: MessageRef | None = None
    message_excerpt: str | None = None
    message_link: str | None = None
    channel: PlaceRef | None = None
    handled_by: PersonRef | None = None
    handled_at: datetime | None = None
    resolution_note: str | None = None
    case_id: str | None = None
    queue_message: MessageRef | None = None
    reminded_at: datetime | None = None
    reporter_sealed: str | None = None
    reporter_tag: str | None = None
