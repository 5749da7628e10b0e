"""The per-day incident tallies (migration 0013) stay exactly equal to the raw counts.

The database keeps ``incident_tallies`` with triggers on every write to ``incidents``; the
digest and the reversal figures read them for a period's whole days. Here random sequences
of writes (new incidents, reversals and their undoing, fields rewritten as an erasure or a
correction would, deletions) run on every backend, and after each sequence the figures the
store gives for random periods, whole days only (read from the tallies alone) and with
partial days (tallies plus index ranges), are compared with counts over the records as
Python holds them. Deleting everything at the end must bring every tally back to zero.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.identity import PersonRef, PlaceRef, PlatformName
from bot.core.models import Incident, IncidentKind, Severity
from bot.core.ports import Storage
from bot.core.statistics import MinorIncidents, RuleReversalCount
from storage import open_migrated
from storage._codec import codec_for
from storage._migrations import load_migrations

BASE = datetime(2026, 3, 10, tzinfo=UTC)
SUBJECT = PersonRef(PlatformName.DISCORD, "1", "42")
CHANNELS = [None, PlaceRef(PlatformName.DISCORD, "1", "700"),
            PlaceRef(PlatformName.SLACK, "T1", "C800")]


@st.composite
def _incident(draw: st.DrawFn) -> Incident:
    automated = draw(st.booleans())
    created = BASE + timedelta(minutes=draw(st.integers(0, 4 * 24 * 60)),
                               microseconds=draw(st.sampled_from([0, 1, 999_999])))
    return Incident(
        id=str(uuid.uuid4()), subject=SUBJECT, kind=IncidentKind.REMOVAL,
        clause_id=draw(st.sampled_from(["no-hate", "no-spam"])),
        severity=draw(st.sampled_from(list(Severity))), created_at=created,
        automated=automated, channel=draw(st.sampled_from(CHANNELS)),
        rule_id=draw(st.sampled_from([None, "insults", "flood"])) if automated else None,
        reversed_at=created + timedelta(hours=1) if draw(st.booleans()) else None)


_steps = st.lists(st.tuples(
    st.sampled_from(["insert", "insert", "reverse", "restore", "rewrite", "delete"]),
    st.integers(0, 1000), _incident()), min_size=1, max_size=25)
_periods = st.lists(st.tuples(st.integers(-30, 5 * 24), st.integers(1, 5 * 24),
                              st.booleans()), min_size=1, max_size=4)


async def _apply(store: Storage, steps: list[tuple[str, int, Incident]]) -> list[Incident]:
    """Run the writes, each in its own transaction; the records as they should now be."""
    held: list[Incident] = []
    for op, pick, drawn in steps:
        if op != "insert" and not held:
            op = "insert"
        async with store.transaction() as tx:
            if op == "insert":
                await tx.insert(drawn)
                held.append(drawn)
                continue
            n = pick % len(held)
            old = held[n]
            if op == "delete":
                assert await tx.delete(Incident, old.id)
                del held[n]
                continue
            new = {"reverse": dataclasses.replace(old, reversed_at=old.created_at),
                   "restore": dataclasses.replace(old, reversed_at=None),
                   "rewrite": dataclasses.replace(drawn, id=old.id)}[op]
            await tx.update(new)
            held[n] = new
    return held


def _expected(held: list[Incident], start: datetime,
              end: datetime) -> tuple[MinorIncidents, list[RuleReversalCount]]:
    inside = [i for i in held if start <= i.created_at < end]
    standing = [i for i in inside if i.severity is Severity.MINOR and i.reversed_at is None]
    by_clause = Counter(i.clause_id for i in standing)
    by_channel = Counter(i.channel.key for i in standing if i.channel is not None)
    rules = Counter(i.rule_id for i in inside if i.automated and i.rule_id)
    undone = Counter(i.rule_id for i in inside
                     if i.automated and i.rule_id and i.reversed_at is not None)
    return (MinorIncidents(dict(by_clause), dict(by_channel)),
            [RuleReversalCount(r, rules[r], undone[r]) for r in sorted(rules)])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_steps, periods=_periods)
async def test_tallies_equal_the_raw_counts_after_any_writes(
        store: Storage, steps: list[tuple[str, int, Incident]],
        periods: list[tuple[int, int, bool]]) -> None:
    held = await _apply(store, steps)
    try:
        for offset, hours, whole_days in periods:
            start = BASE + timedelta(hours=offset)
            end = start + timedelta(hours=hours)
            if whole_days:  # read from the tallies alone
                start = start.replace(hour=0)
                end = start + timedelta(days=max(1, hours // 24))
            async with store.transaction() as tx:
                minor = await tx.statistics.minor_incidents(start, end)
                rules = await tx.statistics.automod_reversals(start, end)
            assert (minor, rules) == _expected(held, start, end), (start, end)
    finally:
        async with store.transaction() as tx:
            for incident in held:
                await tx.delete(Incident, incident.id)
    async with store.transaction() as tx:  # every tally back to zero
        everything = BASE - timedelta(days=1), BASE + timedelta(days=7)
        assert await tx.statistics.minor_incidents(*everything) == MinorIncidents({}, {})
        assert await tx.statistics.automod_reversals(*everything) == []


async def test_the_migration_counts_incidents_recorded_before_it(tmp_path: Path) -> None:
    """Incidents written before migration 0013 are in the tallies once it has run."""
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                 "name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    for migration in load_migrations()[:12]:
        for statement in migration.statements:
            conn.execute(statement)
    codec = codec_for(Incident)
    made = [dataclasses.replace(
        Incident(id=f"I-{n}", subject=SUBJECT, kind=IncidentKind.REMOVAL, clause_id="no-hate",
                 severity=Severity.MINOR, created_at=BASE + timedelta(hours=5 * n),
                 automated=True, channel=CHANNELS[1], rule_id="flood"),
        reversed_at=BASE if n % 3 == 0 else None) for n in range(12)]
    conn.executemany(f"INSERT INTO {codec.table} ({', '.join(codec.names)}) VALUES "
                     f"({', '.join('?' * len(codec.names))})", [codec.encode(i) for i in made])
    conn.executemany("INSERT INTO schema_migrations (version, name, applied_at) "
                     "VALUES (?, ?, '2026-01-01')",
                     [(m.version, m.name) for m in load_migrations()[:12]])
    conn.commit()
    conn.close()
    store = await open_migrated(f"sqlite:///{db}")
    try:
        async with store.transaction() as tx:
            start, end = BASE, BASE + timedelta(days=3)  # whole days: the tallies alone
            assert await tx.statistics.automod_reversals(start, end) == [
                RuleReversalCount("flood", 12, 4)]
            assert (await tx.statistics.minor_incidents(start, end)).by_clause == {
                "no-hate": 8}
    finally:
        await store.close()
