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

    @property
    def is_open(self) -> bool:
        return self is ReportStatus.OPEN


@dataclass(frozen=True, slots=True)
class Report:
    """A participant's alert about content or a person.

    ``reporter`` is always stored, because abuse of reporting is itself a violation and
    bad-faith dismissals count against the reporter; ``anonymous`` only controls whether
    staff see who it was. Nothing the reported person sees ever includes the reporter.
    """

    TABLE: ClassVar[str] = "reports"
    id: str
    reporter: PersonRef
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
