"""Appeals of committee decisions, overseen by the Executive Committee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.core.identity import PersonRef
from bot.core.models._cases import CommunicationChannel


class AppealStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    MODIFIED = "modified"
    OVERTURNED = "overturned"

    @property
    def decided(self) -> bool:
        return self is not AppealStatus.PENDING


@dataclass(frozen=True, slots=True)
class Appeal:
    """An appeal; one filed by the anonymous reporter of the case stores the appellant
    sealed (``appellant`` is then None), so the appeal does not name them either."""

    TABLE: ClassVar[str] = "appeals"
    id: str
    case_id: str
    appellant: PersonRef | None
    reason: str
    filed_at: datetime
    status: AppealStatus = AppealStatus.PENDING
    decided_by: PersonRef | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    appellant_sealed: str | None = None
    appellant_tag: str | None = None
    # When and how the outcome reached the appellant (a DM, or an e-mail when their DMs
    # are closed); None while it has not (staff were told to reach them another way).
    communicated_at: datetime | None = None
    communicated_via: CommunicationChannel | None = None
