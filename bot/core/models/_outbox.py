"""The outbox: messages the bot owes somebody, kept until the platform has them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.core.identity import MessageRef, PersonRef, PlatformName


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its turn (or for ``due_at`` after a failure)
    SENDING = "sending"  # claimed by a worker, lease from ``claimed_at``
    SENT = "sent"  # the platform accepted it: ``message`` is its id, ``text`` is cleared
    MERGED = "merged"  # sent inside another row's message (``merged_into``), same wave
    FAILED = "failed"  # permanently undeliverable (DMs closed) or out of attempts


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One DM or staff/committee post, written in the transaction of the fact it announces.

    ``recipient`` is a person for a DM (for an anonymous reporter the *sealed* ref, opened
    only at send time), ``audience`` a private channel for a post. ``purpose`` names who is
    told the outcome (the incident whose ``dm_delivered`` it sets, the Code prompt it
    counts); ``batch`` groups rows of one job for its progress report. ``text`` is emptied
    once sent, so the table does not become a second copy of every DM.
    """

    TABLE: ClassVar[str] = "outbox"
    id: str
    platform: PlatformName
    notice_kind: str
    text: str
    created_at: datetime
    due_at: datetime
    recipient: PersonRef | None = None
    audience: str | None = None
    subject_id: str | None = None
    title: str | None = None
    purpose: str | None = None
    batch: str | None = None
    mergeable: bool = False
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    message: MessageRef | None = None
    merged_into: str | None = None
    last_error: str | None = None
    space: str | None = None  # a staff post: the server/workspace whose queue it goes to
    # None: the platform (a DM or a post); "email": an e-mail to ``recipient``'s address,
    # looked up when it is sent (the row never holds the address).
    channel: str | None = None
