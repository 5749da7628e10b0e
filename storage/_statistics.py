"""The transparency report's aggregates, in SQL every backend runs.

All of it is one module so a second backend (PostgreSQL 15) runs the same statements:
standard ``COUNT``, ``SUM(CASE WHEN ... END)``, ``GROUP BY``, index ranges counted here,
``ORDER BY ... LIMIT ? OFFSET ?`` for the median, time bounds and booleans passed as
parameters. Two things differ between backends and come from a :class:`Dialect`: how a
parameter is written (``?`` here) and the number of seconds between two stored moments
(SQLite has no interval type). Moments compare as stored: fixed-width UTC ISO text in
SQLite, timestamps elsewhere, so ``handled <= due_at`` means the same in both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
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

Rows = Callable[[str, Sequence[SqlValue]], Awaitable[list[tuple[Any, ...]]]]


@dataclass(frozen=True, slots=True)
class Dialect:
    """What a backend spells its own way."""

    seconds_between: Callable[[str, str], str]  # SQL for (later - earlier) in seconds
    parameters: Callable[[str], str] = lambda sql: sql  # "?" placeholders to the driver's
    moment: Callable[[datetime], SqlValue] = encode_datetime  # a bound as the driver binds it


SQLITE = Dialect(seconds_between=lambda earlier, later:  # to the millisecond: julianday is
                 f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)")  # a float


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
class _PerLabel:
    """Rows of ``table`` matching ``where`` (equality terms an index leads with), counted
    per ``label`` over a period of ``moment``; ``matching``: a second, conditional count."""

    table: str
    label: str
    where: str
    moment: str = "created_at"
    params: tuple[SqlValue, ...] = ()
    matching: str | None = None


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
        standing = f"severity = '{Severity.MINOR.value}' AND reversed_at IS NULL"
        period = self._period(start, end)
        by_clause = await self._per_label(_PerLabel("incidents", "clause_id", standing),
                                          period)
        by_channel = await self._per_label(_PerLabel("incidents", "channel", standing),
                                           period)
        return MinorIncidents({k: n for k, (n, _) in by_clause.items()},
                              {k: n for k, (n, _) in by_channel.items()})

    async def _per_label(self, query: _PerLabel,
                         period: list[SqlValue]) -> dict[str, tuple[int, int]]:
        """Counts per label without sorting the period's rows: a loose index scan. Each
        statement counts one label's rows in the period (an index range) and finds the
        next label (an index seek); labels with no row in the period are left out. Costs
        one round trip per label ever seen, plus the period's rows, whatever the history's
        length. Needs an index on (equality columns..., label, moment, [matched column])."""
        t, label, moment, where = query.table, query.label, query.moment, query.where
        also = (f"COALESCE(SUM(CASE WHEN {query.matching} THEN 1 ELSE 0 END), 0)"
                if query.matching else "0")
        step = (f"SELECT COUNT(*), {also}, (SELECT MIN({label}) FROM {t} WHERE {where} "
                f"AND {label} > ?) FROM {t} WHERE {where} AND {label} = ? "
                f"AND {moment} >= ? AND {moment} < ?")
        found: dict[str, tuple[int, int]] = {}
        [(current,)] = await self._run(
            f"SELECT MIN({label}) FROM {t} WHERE {where} AND {label} IS NOT NULL",
            query.params)
        while current is not None:
            [(rows, matched, following)] = await self._run(
                step, [*query.params, current, *query.params, current, *period])
            if rows:
                found[str(current)] = (int(rows), int(matched))
            current = following
        return found

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
        counts = await self._per_label(
            _PerLabel("incidents", "rule_id", "automated = ?", params=(True,),
                      matching="reversed_at IS NOT NULL"), self._period(start, end))
        return [RuleReversalCount(rule, found, undone)
                for rule, (found, undone) in sorted(counts.items())]
