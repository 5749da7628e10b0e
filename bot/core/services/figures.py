"""Figures over a period, counted by the store: the digest's, and any report's to come.

The monthly digest, the automod reversal rates and a yearly transparency report all ask
"how many, grouped by what, between two instants". Loading every record to count it in
Python costs memory and time in proportion to the whole period (a year of a busy
community is a million incidents); ``Tx.tally`` has the store count instead, over one
indexed range, and hands back only the totals. Each function takes an open transaction,
so a digest reads all its figures from one consistent snapshot; ``FiguresService`` opens
one for callers that need a single figure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.core.automod.stats import RuleReversals
from bot.core.identity import PlaceRef
from bot.core.models import Incident, Severity
from bot.core.ports import Tx
from bot.core.services._context import Context


@dataclass(frozen=True, slots=True)
class MinorIncidents:
    """Minor incidents in a period that still stand (not reversed), by clause and channel."""

    by_clause: dict[str, int]
    by_channel: dict[str, int]  # channel key -> count; incidents with no channel omitted

    @property
    def total(self) -> int:
        return sum(self.by_clause.values())


def _period(start: datetime, end: datetime) -> dict[str, object]:
    if end < start:
        raise ValueError("a period cannot end before it starts")
    return {"created_at__gte": start, "created_at__lt": end}


async def minor_incidents(tx: Tx, start: datetime, end: datetime) -> MinorIncidents:
    """What staff report at the monthly meeting: minor incidents, not reversed."""
    groups = await tx.tally(Incident, ("clause_id", "channel"), severity=Severity.MINOR,
                            reversed_at=None, **_period(start, end))
    by_clause: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    for group in groups:
        clause, channel = group.key
        by_clause[str(clause)] += group.rows
        if isinstance(channel, PlaceRef):
            by_channel[channel.key] += group.rows
    return MinorIncidents(dict(by_clause), dict(by_channel))


async def rule_reversals(tx: Tx, start: datetime, end: datetime) -> list[RuleReversals]:
    """Each automod rule's detections in the period and how many staff reversed (by now,
    even after the period ended): its false-positive rate. Worst rate first, ties by id."""
    groups = await tx.tally(Incident, ("rule_id",), matching={"reversed_at__ne": None},
                            automated=True, rule_id__ne=None, **_period(start, end))
    rows = [RuleReversals(str(group.key[0]), group.rows, group.matching) for group in groups]
    return sorted(rows, key=lambda r: (-r.rate, r.rule_id))


class FiguresService:
    """The same figures, each in a transaction of its own (for reports and tools)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def minor_incidents(self, start: datetime, end: datetime) -> MinorIncidents:
        async with self._ctx.storage.transaction() as tx:
            return await minor_incidents(tx, start, end)

    async def rule_reversals(self, start: datetime, end: datetime) -> list[RuleReversals]:
        async with self._ctx.storage.transaction() as tx:
            return await rule_reversals(tx, start, end)
