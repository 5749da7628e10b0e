"""Conflicts of interest: who may not act on a case, whatever seat or role they hold.

The protocols: "Any member with a conflict of interest with respect to the issue(s) under
discussion ... cannot vote on, use personal influence to affect, or count toward a quorum
regarding the incident." We read the parties to a case as conflicted by definition: the
person the case is about, the person who reported it, and anyone who declared a conflict
(recused). An appeal is judged by the Executive Committee; the person who filed it is a
party to it, so an Executive member who appealed cannot judge their own appeal.

The rule is one function over what the service found out about one person
(:class:`Standing`), so every case action asks the same question and gets the same answer.
Finding the facts (linked accounts, a sealed reporter) is the service's job, not this
module's: it never sees who reported a case, only whether this person did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CaseAction(StrEnum):
    """Everything that moves a case forward; the value completes "you cannot … it"."""

    VOTE = "vote on"
    PROPOSE = "propose a motion on"
    DECIDE = "communicate the decision on"
    APPLY = "apply the sanction decided on"
    OVERRULE = "overrule the committee on"
    CLOSE = "close"
    DECIDE_APPEAL = "decide an appeal on"
    CONTACT = "speak for the committee to the subject of"
    PUBLISH = "publish the public statement of"


class Party(StrEnum):
    """Why a person is conflicted, most telling first (the refusal names one reason)."""

    APPELLANT = "appellant"
    SUBJECT = "subject"
    REPORTER = "reporter"
    RECUSED = "recused"


@dataclass(frozen=True, slots=True)
class Standing:
    """What one person is to one case (and, when deciding an appeal, to that appeal)."""

    subject: bool = False
    reporter: bool = False
    appellant: bool = False
    recused_at: datetime | None = None

    @property
    def parties(self) -> tuple[Party, ...]:
        found = {Party.APPELLANT: self.appellant, Party.SUBJECT: self.subject,
                 Party.REPORTER: self.reporter, Party.RECUSED: self.recused_at is not None}
        return tuple(party for party in Party if found[party])


def conflict(standing: Standing) -> Party | None:
    """The reason this person may take no action on the case, or None when they may.

    The same for every :class:`CaseAction`: a party cannot vote, move, decide, apply,
    overrule, close or judge an appeal, since each of those is "personal influence".
    """
    parties = standing.parties
    return parties[0] if parties else None


def free_of_conflict(candidates: Mapping[str, Standing]) -> frozenset[str]:
    """The candidates (by identity) who may act on the case: everyone not a party to it."""
    return frozenset(who for who, standing in candidates.items() if conflict(standing) is None)
