"""Hearing the reported person: the committee's relayed conversation with them.

The subject's written statement lives on the case (``Case.subject_statement``); what the
committee and the subject say to each other through the bot is kept here, both ways, so
the conversation is part of the case's record and no member exposes a personal account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.core.identity import PersonRef


class ContactStatus(StrEnum):
    OPEN = "open"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class CaseContact:
    """A private conversation a committee member opened with a case's subject.

    While it is open, what the subject writes to the bot in a DM goes to the case's thread,
    and what members send with ``/case reply`` goes to the subject as "the Member Review
    Committee". A subject has at most one open conversation, so a DM is never ambiguous.
    """

    TABLE: ClassVar[str] = "case_contacts"
    id: str
    case_id: str
    subject: PersonRef
    opened_by: PersonRef
    opened_at: datetime
    status: ContactStatus = ContactStatus.OPEN
    ended_at: datetime | None = None
    ended_by: PersonRef | None = None
    end_note: str | None = None


class RelayDirection(StrEnum):
    FROM_SUBJECT = "from_subject"
    TO_SUBJECT = "to_subject"


@dataclass(frozen=True, slots=True)
class RelayMessage:
    """One message relayed through a contact; ``author`` is the subject, or the member who
    wrote on the committee's behalf (kept for the record, never shown to the subject)."""

    TABLE: ClassVar[str] = "relay_messages"
    id: str
    contact_id: str
    case_id: str
    direction: RelayDirection
    author: PersonRef
    text: str
    at: datetime
    delivered: bool = True
