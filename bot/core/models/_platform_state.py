"""What a front-end remembers about its platform between runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class PlatformState:
    """One value a front-end keeps by key, e.g. ``discord:<guild>:commands-hash``.

    Only platform bookkeeping lives here (a hash of the synced command tree, a session to
    resume), never personal data or message content: the rows are not audited or erased.
    """

    TABLE: ClassVar[str] = "platform_state"
    id: str
    value: str
    updated_at: datetime
