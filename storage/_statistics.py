"""The transparency report's aggregates, in SQL every backend runs.

All of it is one module so a second backend (PostgreSQL 15) runs the same statements:
standard ``COUNT``, ``SUM(CASE WHEN ... END)``, ``GROUP BY``, index ranges counted here,
``ORDER BY ... LIMIT ? OFFSET ?`` for the median, time bounds and booleans passed as
parameters. Two things differ between backends and come from a :class:`Dialect`: how a
parameter is written (``?`` here) and the number of seconds between two stored moments
(SQLite has no interval type). Moments compare as stored: fixed-width UTC ISO text in
SQLite, timestamps elsewhere, so ``handled <= due_at`` means the same in both.

The digest's minor incidents and automod's reversal figures read ``incident_tallies``
(migration 0013): per-day counters the database keeps with triggers on every write to
``incidents``. A period's whole UTC days are summed from them (a year is a few thousand
rows, however many incidents it held); its partial first and last days are counted from the
incidents themselves, one ``GROUP BY`` over a range of the covering ``incidents_period``
each (a day of rows at most). SQLite is told that index (``INDEXED BY``): without
statistics its planner might walk an index that matches equality terms across all history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.core.identity import PlatformName
from bot.core.models import ReportStatus, Severity
from bot.core.statistics import (
    LENGTH_BAND_LIMITS,
    FirstResponse,
    LengthBand,
    Measure,
    MinorIncidents,
    RuleReversalCount,
    SuspensionOrigin,
)
from storage._codec import SqlValue, encode_datetime

TALLIES = "incident_tallies"
DERIVED_TABLES = frozenset({TALLIES})
"""Tables that hold no record of their own: counters the database derives from others."""
MINOR_BY_CLAUSE, MINOR_BY_CHANNEL, AUTOMOD_BY_RULE = "minor.clause", "minor.channel", \
    "automod.rule"  # the measures of incident_tallies, as its triggers spell them

Rows = Callable[[str, Sequence[SqlValue]], Awaitable[list[tuple[Any, ...]]]]


@dataclass(frozen=True, slots=True)
class Dialect:
    """What a backend spells its own way."""

    seconds_between: Callable[[str, str], str]  # SQL for (later - earlier) in seconds
    parameters: Callable[[str], str] = lambda sql: sql  # "?" placeholders to the driver's
    moment: Callable[[datetime], SqlValue] = encode_datetime  # a bound as the driver binds it
    by_index: Callable[[str], str] = lambda index: ""  # read a table through that index


SQLITE = Dialect(seconds_between=lambda earlier, later:  # to the millisecond: julianday is
                 f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)",  # a float
                 by_index=lambda index: f"INDEXED BY {index}")


def numbered_parameters(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, ...`` (none sits inside a literal)."""
    parts = sql.split("?")
    if any(part.count("'") % 2 for part in parts[:-1]):
        raise ValueError("a '?' inside a quoted literal cannot be numbered safely")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], 1)) + parts[-1]


POSTGRES = Dialect(  # moments are stored as the same UTC ISO text, cast to compute
    seconds_between=lambda earlier, later:
        f"ROUND(EXTRACT(EPOCH FROM (({later})::timestamptz - ({earlier})::timestamptz)), 3)",
    parameters=numbered_parameters)


@dataclass(frozen=True, slots=True)
class _Count:
    """``SELECT label, COUNT(*)`` over one table's rows whose ``moment`` is in the period."""

    table: str
    label: str  # an SQL expression over the table's columns
    moment: str
    where: str = ""  # more conditions, with "?" parameters given in ``params``
    params: tuple[SqlValue, ...] = ()


def _platform_of(column: str) -> str:
    """The platform a ``platform:space:id`` key names (a CASE over the known prefixes)."""
    arms = " ".join(f"WHEN {column} LIKE '{p.value}:%' THEN '{p.value}'" for p in PlatformName)
    return f"CASE {arms} ELSE 'other' END"


def _length_band(dialect: Dialect) -> str:
    seconds = dialect.seconds_between("starts_at", "ends_at")
    arms = " ".join(f"WHEN {seconds} <= {limit} THEN '{band.value}'"
                    for band, limit in LENGTH_BAND_LIMITS)
    return (f"CASE WHEN ends_at IS NULL THEN '{LengthBand.PERMANENT.value}' {arms} "
            f"ELSE '{LengthBand.LONGER.value}' END")


_ORIGIN = (f"CASE WHEN interim = ? THEN '{SuspensionOrigin.INTERIM.value}' "
           f"WHEN case_id IS NOT NULL THEN '{SuspensionOrigin.COMMITTEE.value}' "
           f"WHEN automated = ? THEN '{SuspensionOrigin.AUTOMOD.value}' "
           f"ELSE '{SuspensionOrigin.STAFF.value}' END")

_FIRST_ACTIONS = tuple(f"report.{status.value}" for status in ReportStatus
                       if status is not ReportStatus.OPEN)
"""Audit actions that are a staff response to a report; the earliest is the first one
(``handled_at`` is overwritten when a triaged report is closed later)."""


def _counts(dialect: Dialect) -> dict[Measure, _Count]:
    not_reversed = "AND reversed_at IS NULL"
    return {
        Measure.REPORTS_BY_OUTCOME: _Count("reports", "status", "created_at"),
        Measure.INCIDENTS_BY_CLAUSE: _Count("incidents", "clause_id", "created_at",
                                            not_reversed),
        Measure.INCIDENTS_BY_PLATFORM: _Count("incidents", _platform_of("subject"),
                                              "created_at", not_reversed),
        Measure.INCIDENTS_BY_KIND: _Count("incidents", "kind", "created_at", not_reversed),
        Measure.SUSPENSIONS_BY_LENGTH: _Count("sanctions", _length_band(dialect),
                                              "starts_at"),
        Measure.SUSPENSIONS_BY_ORIGIN: _Count("sanctions", _ORIGIN, "starts_at",
                                              params=(True, True)),
        Measure.CASES_BY_ORIGIN: _Count("cases", "origin", "opened_at"),
        Measure.CASES_BY_STATUS: _Count("cases", "status", "opened_at"),
        Measure.MOTIONS_BY_RESULT: _Count("motions", "status", "closed_at"),
        Measure.APPEALS_BY_OUTCOME: _Count("appeals", "status", "filed_at"),
    }


@dataclass(frozen=True, slots=True)
class _Tallied:
    """One measure of ``incident_tallies``, and the same count over ``incidents`` rows:
    those matching ``where`` per ``label`` column; ``standing`` counts only the incidents
    not reversed, otherwise all of them and, second, the reversed ones."""

    measure: str
    label: str
    where: str
    standing: bool
    params: tuple[SqlValue, ...] = ()


_MINOR = f"severity = '{Severity.MINOR.value}' AND reversed_at IS NULL"
_BY_MEASURE = {
    MINOR_BY_CLAUSE: _Tallied(MINOR_BY_CLAUSE, "clause_id", _MINOR, standing=True),
    MINOR_BY_CHANNEL: _Tallied(MINOR_BY_CHANNEL, "channel", _MINOR, standing=True),
    AUTOMOD_BY_RULE: _Tallied(AUTOMOD_BY_RULE, "rule_id", "automated = ?", standing=False,
                              params=(True,)),
}


class SqlStatistics:
    """The ``Statistics`` port over one transaction's ``rows`` function."""

    def __init__(self, rows: Rows, dialect: Dialect = SQLITE) -> None:
        self._rows = rows
        self._dialect = dialect

    async def _run(self, sql: str, params: Sequence[SqlValue]) -> list[tuple[Any, ...]]:
        return await self._rows(self._dialect.parameters(sql), params)

    def _period(self, start: datetime, end: datetime) -> list[SqlValue]:
        if not start < end:
            raise ValueError("a period's start must come before its end")
        return [self._dialect.moment(start), self._dialect.moment(end)]

    async def count_by(self, measure: Measure, start: datetime,
                       end: datetime) -> dict[str, int]:
        return await self._count(_counts(self._dialect)[measure], start, end)

    async def minor_incidents(self, start: datetime, end: datetime) -> MinorIncidents:
        self._period(start, end)
        by_clause = await self._tallied(_BY_MEASURE[MINOR_BY_CLAUSE], start, end)
        by_channel = await self._tallied(_BY_MEASURE[MINOR_BY_CHANNEL], start, end)
        return MinorIncidents({k: n for k, (n, _) in by_clause.items()},
                              {k: n for k, (n, _) in by_channel.items()})

    async def _tallied(self, measure: _Tallied, start: datetime,
                       end: datetime) -> dict[str, tuple[int, int]]:
        """Counts per label over ``[start, end)``: the whole UTC days from the tallies,
        the partial days at either end from the incidents. Labels counting nothing are
        left out."""
        found: dict[str, tuple[int, int]] = {}

        def add(label: Any, count: Any, matched: Any) -> None:
            before = found.get(str(label), (0, 0))
            found[str(label)] = (before[0] + int(count or 0), before[1] + int(matched or 0))

        days = _whole_days(start, end)
        for low, high in [(start, end)] if days is None else [(start, days[0]), (days[1], end)]:
            if low < high:
                for row in await self._raw(measure, low, high):
                    add(*row)
        if days is not None:
            rows = await self._run(
                f"SELECT label, SUM(total), SUM(reversed) FROM {TALLIES} "
                "WHERE measure = ? AND day >= ? AND day < ? GROUP BY label",
                [measure.measure, days[0].date().isoformat(), days[1].date().isoformat()])
            for label, total, undone in rows:
                total, undone = int(total), int(undone)
                add(label, *((total - undone, 0) if measure.standing else (total, undone)))
        return {label: counts for label, counts in found.items() if counts[0] > 0}

    async def _raw(self, measure: _Tallied, start: datetime,
                   end: datetime) -> list[tuple[Any, ...]]:
        """The incidents of part of a day, counted per label: a range of the creation
        index, grouped (a day's rows at most, never the history)."""
        label = measure.label
        matched = "0" if measure.standing else \
            "SUM(CASE WHEN reversed_at IS NOT NULL THEN 1 ELSE 0 END)"
        return await self._run(
            f"SELECT {label}, COUNT(*), {matched} FROM incidents "
            f"{self._dialect.by_index('incidents_period')} "
            f"WHERE created_at >= ? AND created_at < ? AND {measure.where} "
            f"AND {label} IS NOT NULL GROUP BY {label}",
            [*self._period(start, end), *measure.params])

    async def _count(self, count: _Count, start: datetime, end: datetime) -> dict[str, int]:
        """The period's labels, read from a covering index's range on ``moment`` (the
        ``*_period`` indexes) and counted here: a ``GROUP BY`` on a column the range does
        not lead with would sort the whole period in a temporary B-tree, for a handful of
        groups. Costs one index entry per row of the period, whatever the history's length."""
        sql = (f"SELECT {count.label} FROM {count.table} "
               f"WHERE {count.moment} >= ? AND {count.moment} < ? {count.where}")
        # The label's own parameters come first: they appear first in the statement.
        rows = await self._run(sql, [*count.params, *self._period(start, end)])
        return dict(Counter(str(label) for (label,) in rows))

    async def first_response(self, start: datetime, end: datetime) -> FirstResponse:
        marks = ", ".join("?" * len(_FIRST_ACTIONS))
        answered = (
            "SELECT r.id, r.created_at, r.due_at, COALESCE(MIN(a.at), r.handled_at) AS first_at "
            "FROM reports r LEFT JOIN audit_log a ON a.subject_type = ? "
            f"AND a.subject_id = r.id AND a.action IN ({marks}) "
            "WHERE r.created_at >= ? AND r.created_at < ? "
            "GROUP BY r.id, r.created_at, r.due_at, r.handled_at")
        params: list[SqlValue] = ["report", *_FIRST_ACTIONS, *self._period(start, end)]
        [(received, done, in_time)] = await self._run(
            "SELECT COUNT(*), SUM(CASE WHEN first_at IS NOT NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN first_at IS NOT NULL AND first_at <= due_at THEN 1 ELSE 0 END) "
            f"FROM ({answered}) AS firsts", params)
        done = int(done or 0)
        return FirstResponse(received=int(received), answered=done,
                             within_promise=int(in_time or 0),
                             median_seconds=await self._median(answered, params, done))

    async def _median(self, answered: str, params: list[SqlValue], count: int) -> float | None:
        """The middle value (the mean of the two middle ones for an even count), read
        with ``ORDER BY ... LIMIT ... OFFSET``: one or two rows, whatever the year holds."""
        if count == 0:
            return None
        seconds = self._dialect.seconds_between("created_at", "first_at")
        rows = await self._run(
            f"SELECT {seconds} AS seconds FROM ({answered}) AS firsts "
            "WHERE first_at IS NOT NULL ORDER BY seconds LIMIT ? OFFSET ?",
            [*params, 2 - count % 2, (count - 1) // 2])
        middle = [float(row[0]) for row in rows]
        return sum(middle) / len(middle)

    async def automod_reversals(self, start: datetime,
                                end: datetime) -> list[RuleReversalCount]:
        self._period(start, end)
        counts = await self._tallied(_BY_MEASURE[AUTOMOD_BY_RULE], start, end)
        return [RuleReversalCount(rule, found, undone)
                for rule, (found, undone) in sorted(counts.items())]


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time(), tzinfo=UTC)


def _whole_days(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The UTC midnights bounding the whole days inside ``[start, end)``, if any."""
    first = _midnight(start)
    if first < start:
        first += timedelta(days=1)
    last = _midnight(end)
    return (first, last) if first < last else None
