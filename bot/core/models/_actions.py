"""Timed actions: the database is the source of truth for everything on the calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar


class ActionKind(StrEnum):
    LIFT_SANCTION = "lift_sanction"
    REPORT_DUE = "report_due"
    APPEAL_WINDOW_CLOSE = "appeal_window_close"
    MOTION_CLOSE = "motion_close"
    SANCTION_REVIEW = "sanction_review"
    TERM_ENDING = "term_ending"
    ACCEPTANCE_REMINDER = "acceptance_reminder"
    MONTHLY_DIGEST = "monthly_digest"
    YEARLY_REVIEW = "yearly_review"
    STATEMENT_REMINDER = "statement_reminder"
    RETENTION_SWEEP = "retention_sweep"
    RAID_END = "raid_end"  # a raid wave's check for its end (quiet since its last finding)
    RAID_RELEASE = "raid_release"  # undo a raid's slow mode or lock of a channel
    CODE_PROMPTS = "code_prompts"  # a publish's prompts, resumed if its process died


class ActionStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ScheduledAction:
    """One thing to do at ``due_at``; ``id`` is ``kind/subject`` so scheduling is idempotent."""

    TABLE: ClassVar[str] = "scheduled_actions"
    id: str
    kind: ActionKind
    subject_id: str
    due_at: datetime
    status: ActionStatus = ActionStatus.PENDING
    attempts: int = 0
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    finished_at: datetime | None = None
    last_error: str | None = None

    @staticmethod
    def key_for(kind: ActionKind, subject_id: str) -> str:
        return f"{kind.value}/{subject_id}"
