"""Suspensions of access, timed or permanent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.core.identity import PersonRef, PlaceRef


class SanctionScope(StrEnum):
    CHANNEL = "channel"
    SPACE = "space"


class SanctionStatus(StrEnum):
    ACTIVE = "active"
    LIFTED = "lifted"


@dataclass(frozen=True, slots=True)
class Sanction:
    """A suspension. ``ends_at`` is None for permanent ones, which may carry a review date."""

    TABLE: ClassVar[str] = "sanctions"
    id: str
    subject: PersonRef
    scope: SanctionScope
    starts_at: datetime
    reason: str
    clause_id: str
    interim: bool
    automated: bool
    status: SanctionStatus = SanctionStatus.ACTIVE
    channel: PlaceRef | None = None
    ends_at: datetime | None = None
    review_at: datetime | None = None
    actor: PersonRef | None = None
    case_id: str | None = None
    dm_delivered: bool | None = None
    lifted_at: datetime | None = None
    lifted_by: PersonRef | None = None
    lift_reason: str | None = None

    @property
    def permanent(self) -> bool:
        return self.ends_at is None

    @property
    def active(self) -> bool:
        return self.status is SanctionStatus.ACTIVE
