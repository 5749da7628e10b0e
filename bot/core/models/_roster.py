"""The committee roster: seats with staggered three-year terms, counsel, executive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from bot.core.identity import PersonRef


class Office(StrEnum):
    COMMITTEE = "committee"
    COUNSEL = "counsel"
    EXECUTIVE = "executive"


@dataclass(frozen=True, slots=True)
class Appointment:
    """A person holding an office; committee seats are numbered and have a term."""

    TABLE: ClassVar[str] = "appointments"
    id: str
    person: PersonRef
    office: Office
    term_start: date
    appointed_at: datetime
    appointed_by: PersonRef | None
    seat: int | None = None
    term_end: date | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None

    def serving_on(self, day: date) -> bool:
        if self.ended_at is not None and self.ended_at.date() <= day:
            return False
        if day < self.term_start:
            return False
        return self.term_end is None or day < self.term_end
