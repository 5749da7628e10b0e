"""A raid wave's running figures, kept while the wave lasts so a restart resumes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.core.identity import MessageRef


@dataclass(frozen=True, slots=True)
class RaidWave:
    """What a live wave has done so far and where its alert was posted.

    Written in the same transaction as each batch of the wave's incidents, so the figures
    match what is recorded; read back by a restarted bot, which edits the same alert with
    the full totals instead of starting from zero. The row is deleted when the wave ends.

    No person is named: the sets of accounts (seen, told by DM, timed out, escalated) hold
    digests salted with the wave's id, enough to count each account once and to tell each
    author once per wave. Channels and rules are counted as ``"<count>:<key>"`` entries;
    ``restrained`` holds ``"<restraint>:<channel key>"`` and ``restrained_until`` the
    rendered end of each restraint (``"<channel key>=<text>"``).
    """

    TABLE: ClassVar[str] = "raid_waves"
    id: str
    space: str
    started_at: datetime
    last_at: datetime
    removed: int = 0
    not_deleted: int = 0
    flagged: int = 0
    undelivered: int = 0
    accounts: frozenset[str] = frozenset()
    told: frozenset[str] = frozenset()
    timed_out: frozenset[str] = frozenset()
    escalated: frozenset[str] = frozenset()
    channels: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    restrained: tuple[str, ...] = ()
    restrained_until: tuple[str, ...] = ()
    staff_alert: MessageRef | None = None
    committee_alert: MessageRef | None = None
