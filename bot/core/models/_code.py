"""Published versions of the Code of Conduct and who has accepted them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.core.identity import PersonRef


@dataclass(frozen=True, slots=True)
class CodeVersion:
    TABLE: ClassVar[str] = "code_versions"
    id: str  # "v1", "v2", ...
    number: int
    digest: str  # sha256 of the Code's text, so an unchanged text is not republished
    published_at: datetime
    published_by: PersonRef | None
    summary: str


@dataclass(frozen=True, slots=True)
class Acceptance:
    TABLE: ClassVar[str] = "acceptances"
    id: str  # version id + person key
    version_id: str
    person: PersonRef
    accepted_at: datetime

    @staticmethod
    def key_for(version_id: str, person: PersonRef) -> str:
        return f"{version_id}/{person.key}"


@dataclass(frozen=True, slots=True)
class AcceptancePrompt:
    """That a person was asked to accept a version, so reminders go only to the asked."""

    TABLE: ClassVar[str] = "acceptance_prompts"
    id: str  # version id + person key
    version_id: str
    person: PersonRef
    prompted_at: datetime
    delivered: bool
    reminded_at: datetime | None = None
