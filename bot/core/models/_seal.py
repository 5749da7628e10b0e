"""Key material the sealing of anonymous reporters keeps in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class SealKey:
    """A random key stored wrapped (encrypted) by the operator's seal key.

    The tag key lives here rather than in the environment so that rotating the seal key
    re-wraps it and every existing tag still matches; without the operator's key it is
    useless, so a stolen database cannot compute tags of known accounts.
    """

    TABLE: ClassVar[str] = "seal_keys"
    id: str
    wrapped: str
    created_at: datetime
