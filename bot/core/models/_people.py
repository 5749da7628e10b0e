"""Who is acting, and with what standing, as the adapters establish it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from bot.core.identity import PersonRef


class Role(StrEnum):
    """Standing an adapter grants from platform roles or user groups in the config."""

    STAFF = "staff"
    COMMITTEE = "committee"
    COUNSEL = "counsel"
    EXECUTIVE = "executive"


@dataclass(frozen=True, slots=True)
class Actor:
    """A person performing an action, with the roles their platform account holds."""

    person: PersonRef
    roles: frozenset[Role] = field(default_factory=frozenset)
    display_name: str | None = None

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_staff(self) -> bool:
        return Role.STAFF in self.roles


@dataclass(frozen=True, slots=True)
class PersonLink:
    """Staff's statement that a platform account belongs to one real person (``identity``)."""

    TABLE: ClassVar[str] = "person_links"
    id: str  # the person's key: one identity per account
    person: PersonRef
    identity: str
    linked_by: PersonRef
    linked_at: datetime
