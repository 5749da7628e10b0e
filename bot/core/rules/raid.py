"""Raid mode, the pure part: when violations come too fast, and what a wave amounts to.

A *wave* starts when automod's findings in one space arrive faster than ``[raid]`` allows,
in one channel (``channel_violations`` within ``window``) or across the space
(``space_violations`` within ``window``). While it lasts, every finding in that space is
handled in batches (bulk deletes, one transaction, one coalesced alert edited in place).
It ends by itself once no finding came for ``quiet``.

Nothing here does I/O or reads a clock: times are given, so tests replay any burst.
"""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.identity import PersonRef, PlaceRef


class Restraint(StrEnum):
    """What raid mode may do to a flooded channel, undone by itself after a while."""

    NONE = "none"
    SLOW_MODE = "slow_mode"  # Discord: a per-member delay between messages
    LOCK = "lock"  # nobody but staff may post


@dataclass(frozen=True, slots=True)
class RaidPolicy:
    """The ``[raid]`` table."""

    enabled: bool = True
    channel_violations: int = 5
    space_violations: int = 15
    window: timedelta = timedelta(seconds=10)
    quiet: timedelta = timedelta(seconds=30)
    restraint: Restraint = Restraint.NONE
    slow_mode_seconds: int = 30
    restraint_for: timedelta = timedelta(minutes=10)

    def __post_init__(self) -> None:
        if self.channel_violations < 2 or self.space_violations < 2:
            raise ValueError("channel_violations and space_violations must be at least 2")
        if not timedelta(seconds=1) <= self.window <= timedelta(hours=1):
            raise ValueError("window_seconds must be between 1 and 3600")
        if self.quiet < self.window:
            raise ValueError("quiet_seconds must be at least window_seconds")
        if not 1 <= self.slow_mode_seconds <= 21600:
            raise ValueError("slow_mode_seconds must be between 1 and 21600 (6 hours)")


@dataclass(frozen=True, slots=True)
class Heat:
    """Whether a finding's channel and its space are past their thresholds."""

    channel: bool
    space: bool

    def __bool__(self) -> bool:
        return self.channel or self.space


class RateWatch:
    """Sliding-window counts of findings per channel and per space.

    ``observe`` answers whether this finding makes its channel, or its space, flooded.
    Memory is bounded: each deque holds at most the threshold's worth of times.
    """

    def __init__(self, policy: RaidPolicy) -> None:
        self._policy = policy
        self._channels: dict[str, deque[tuple[datetime, PersonRef]]] = {}
        self._spaces: dict[str, deque[tuple[datetime, PersonRef]]] = {}

    def observe(self, place: PlaceRef, at: datetime, author: PersonRef) -> Heat:
        policy = self._policy
        channel = _push(self._channels, place.key, (at, author), policy.channel_violations,
                        policy.window)
        space = _push(self._spaces, space_key(place), (at, author), policy.space_violations,
                      policy.window)
        return Heat(channel >= policy.channel_violations, space >= policy.space_violations)

    def recent_authors(self, place: PlaceRef) -> set[PersonRef]:
        """Authors of the findings counted now in ``place``'s channel and space: the ones
        handled one by one just before a wave started (each was already told)."""
        found = self._channels.get(place.key, ()), self._spaces.get(space_key(place), ())
        return {author for times in found for _, author in times}

    def forget_before(self, moment: datetime) -> None:
        """Drop channels with nothing since ``moment`` (a long-running bot sees many)."""
        for book in (self._channels, self._spaces):
            for key in [k for k, times in book.items() if not times or times[-1][0] < moment]:
                del book[key]


def _push(book: dict[str, deque[tuple[datetime, PersonRef]]], key: str,
          seen: tuple[datetime, PersonRef], limit: int, window: timedelta) -> int:
    times = book.setdefault(key, deque(maxlen=limit))
    times.append(seen)
    while times and times[0][0] <= seen[0] - window:
        times.popleft()
    return len(times)


def space_key(place: PlaceRef) -> str:
    return f"{place.platform.value}:{place.space}"


@dataclass
class Wave:
    """What one wave has done so far: the figures its alert shows.

    Accounts are held as :meth:`token` digests, not as people, so the wave can be kept in
    the database while it lasts (``RaidWave``) without naming anyone: enough to count each
    account once and to tell each author once per wave.
    """

    id: str
    space: str
    started_at: datetime
    last_at: datetime
    removed: int = 0
    not_deleted: int = 0
    flagged: int = 0
    undelivered: int = 0  # authors whose explanation could not be sent by DM
    accounts: set[str] = field(default_factory=set)  # tokens of the authors removed
    told: set[str] = field(default_factory=set)  # ... already sent the DM
    timed_out: set[str] = field(default_factory=set)
    escalated: set[str] = field(default_factory=set)
    channels: Counter[PlaceRef] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    restrained: dict[PlaceRef, Restraint] = field(default_factory=dict)
    ended_at: datetime | None = None

    def token(self, person: PersonRef) -> str:
        """A digest of ``person`` salted with this wave's id: the same person is the same
        token all through the wave, and another wave's tokens say nothing about it."""
        return hashlib.sha256(f"{self.id}|{person.key}".encode()).hexdigest()[:32]

    def add(self, place: PlaceRef, author: PersonRef, rule: str, deleted: bool,
            at: datetime) -> None:
        """A removal: ``deleted`` says whether the platform let the bot delete it."""
        self.removed += deleted
        self.not_deleted += not deleted
        self.accounts.add(self.token(author))
        self.channels[place] += 1
        self.rules[rule] += 1
        self.last_at = max(self.last_at, at)

    def flag(self, at: datetime) -> None:
        """A finding for staff to review, left in place (campaigning, a flood of chatter)."""
        self.flagged += 1
        self.last_at = max(self.last_at, at)

    def over(self, now: datetime, quiet: timedelta) -> bool:
        """No finding for ``quiet``: the wave has ended."""
        return now - self.last_at >= quiet

    def top_channels(self, limit: int = 3) -> list[PlaceRef]:
        return [place for place, _ in self.channels.most_common(limit)]

    def top_rules(self, limit: int = 3) -> list[str]:
        return [rule for rule, _ in self.rules.most_common(limit)]
