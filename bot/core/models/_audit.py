"""The append-only audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.core.identity import PersonRef


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what to which record, when and why; automated and human acts told apart.

    The storage layer refuses to update or delete these rows. ``automated`` with no
    ``actor`` is the bot; not ``automated`` with no ``actor`` is a person who may not be
    named (an anonymous reporter acting on their own report).
    """

    TABLE: ClassVar[str] = "audit_log"
    id: str
    at: datetime
    action: str
    subject_type: str
    subject_id: str
    automated: bool
    actor: PersonRef | None = None
    reason: str | None = None
    details: str | None = None
