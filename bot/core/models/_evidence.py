"""Evidence: the messages kept with a report or an incident, so the committee can weigh
context and impact after the author (or anyone) deletes or edits them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.core.identity import MessageRef, PersonRef


class EvidenceKind(StrEnum):
    MESSAGE = "message"  # the reported or removed message itself
    CONTEXT = "context"  # a message before or after it in the same channel or thread
    EDIT = "edit"  # a later version of a kept message, as automod saw the edit


@dataclass(frozen=True, slots=True)
class Evidence:
    """One kept message (or one later edit of it) attached to a report or an incident.

    ``text`` is masked like every personal datum the bot keeps (``mask_personal``): the
    committee reads the words, their tone and what they answered, never the phone number
    or address they contained. ``position`` is the place in the window: 0 the message
    itself, negative before it, positive after it. ``attachments`` hold "name <url>".
    An anonymous reporter's own messages in the window are kept under their sealed
    pseudonym (``identity.sealed_person``), never their account.
    """

    TABLE: ClassVar[str] = "evidence"
    id: str
    subject_type: str  # "report" or "incident"
    subject_id: str
    kind: EvidenceKind
    position: int
    message: MessageRef
    captured_at: datetime
    text: str
    author: PersonRef | None = None
    sent_at: datetime | None = None
    attachments: tuple[str, ...] = ()
