"""Incidents: staff (or automod) handling of lesser violations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.core.identity import MessageRef, PersonRef, PlaceRef


class IncidentKind(StrEnum):
    REMOVAL = "removal"
    REDACTION = "redaction"
    WARNING = "warning"
    ALERT = "alert"


class Severity(StrEnum):
    MINOR = "minor"
    SERIOUS = "serious"
    SEVERE = "severe"


@dataclass(frozen=True, slots=True)
class Incident:
    """One handled violation, with the clause cited and whether the person was told."""

    TABLE: ClassVar[str] = "incidents"
    id: str
    subject: PersonRef
    kind: IncidentKind
    clause_id: str
    severity: Severity
    created_at: datetime
    automated: bool
    actor: PersonRef | None = None
    note: str | None = None
    message: MessageRef | None = None
    excerpt: str | None = None
    channel: PlaceRef | None = None
    report_id: str | None = None
    rule_id: str | None = None
    dm_delivered: bool | None = None
    reported_to_committee: bool = False
    case_id: str | None = None
    reversed_at: datetime | None = None
    reversed_by: PersonRef | None = None
