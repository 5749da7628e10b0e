"""Quorum, recusal and majority, computed from stored ballots.

The protocols: a quorum is four members; a member with a conflict of interest cannot vote
or count toward quorum; a response is agreed by majority vote. We read "majority" as more
yes than no among the eligible members who voted (abstentions count toward quorum, since
the member took part, but not toward either side).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import VoteChoice


@dataclass(frozen=True, slots=True)
class Ballot:
    """A vote reduced to what the rule needs; ``voter`` is the voter's identity."""

    voter: str
    choice: VoteChoice
    cast_at: datetime


@dataclass(frozen=True, slots=True)
class Tally:
    yes: int
    no: int
    abstain: int
    quorum: int
    ignored: int  # ballots from people who may not vote (ineligible or recused)

    @property
    def participating(self) -> int:
        return self.yes + self.no + self.abstain

    @property
    def quorum_met(self) -> bool:
        return self.participating >= self.quorum

    @property
    def carried(self) -> bool:
        return self.quorum_met and self.yes > self.no

    def describe(self) -> str:
        status = "quorum met" if self.quorum_met else "quorum not met"
        return (f"✅ {self.yes} · ❌ {self.no} · ➖ {self.abstain} — "
                f"{self.participating} of {self.quorum} needed for quorum ({status})")


def tally(
    ballots: Iterable[Ballot],
    eligible: frozenset[str],
    recused: frozenset[str],
    quorum: int,
) -> Tally:
    """Count each eligible, non-recused identity once (its latest ballot wins)."""
    if quorum < 1:
        raise ValueError("quorum must be at least 1")
    latest: dict[str, Ballot] = {}
    ignored = 0
    for ballot in ballots:
        if ballot.voter not in eligible or ballot.voter in recused:
            ignored += 1
            continue
        current = latest.get(ballot.voter)
        if current is None or ballot.cast_at >= current.cast_at:
            latest[ballot.voter] = ballot
    counts = {choice: 0 for choice in VoteChoice}
    for ballot in latest.values():
        counts[ballot.choice] += 1
    return Tally(
        yes=counts[VoteChoice.YES],
        no=counts[VoteChoice.NO],
        abstain=counts[VoteChoice.ABSTAIN],
        quorum=quorum,
        ignored=ignored,
    )


def can_still_reach_quorum(eligible: frozenset[str], recused: frozenset[str], quorum: int) -> bool:
    """Whether enough members remain after recusals for any vote to count."""
    return len(eligible - recused) >= quorum
