"""The address book: where a person can be reached by e-mail when DMs cannot reach them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.core.identity import PersonRef


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """One account's e-mail address, as the operator mapped it (``coc-bot addresses
    import``). Personal data: exported and erased with the person. ``id`` is the account's
    key, so an account has at most one address and a re-import replaces it."""

    TABLE: ClassVar[str] = "email_addresses"
    id: str
    person: PersonRef
    address: str
    added_at: datetime
