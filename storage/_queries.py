"""Every SQL statement the ``Tx`` port's reads are built from, in portable SQL.

One module, so that each backend (SQLite today, PostgreSQL next) runs the same statements:
standard SQL that SQLite >= 3.35 and PostgreSQL 15 both accept. ``CASE`` rather than
``IIF``, ``1 = 0`` rather than a bare ``0``, no date functions at all (time bounds are
computed in Python and passed as parameters, and datetimes are stored as fixed-width UTC
text that sorts as the instants do; see ``storage/_codec.py``). Placeholders are ``?``; a
backend whose driver wants ``$1`` or ``%s`` renumbers them, and values are never spliced
into the text. Every identifier here comes from an ``EntityCodec`` (checked against the
entity's fields), never from a caller's string.

Which index serves each hot query is decided by the planner and checked by
``tests/storage/test_query_plans.py``; the indexes themselves are in the migrations.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage._codec import Condition, SqlValue

_OPERATORS = {"eq": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def where_clause(conditions: Sequence[Condition]) -> tuple[str, list[SqlValue]]:
    """`` WHERE ...`` for the filters (or nothing); ``ne`` is null-safe, as a person would
    expect: ``status__ne=X`` keeps the rows whose status is NULL too."""
    parts: list[str] = []
    params: list[SqlValue] = []
    for cond in conditions:
        part, values = _term(cond)
        parts.append(part)
        params.extend(values)
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


def _term(cond: Condition) -> tuple[str, list[SqlValue]]:
    col = cond.column
    if cond.op == "null":
        return f"{col} IS NULL", []
    if cond.op == "not_null":
        return f"{col} IS NOT NULL", []
    if cond.op == "ne":
        return f"({col} <> ? OR {col} IS NULL)", [cond.value]
    if cond.op == "in":
        terms: list[str] = []
        if cond.values:
            terms.append(f"{col} IN ({', '.join('?' * len(cond.values))})")
        if cond.or_null:
            terms.append(f"{col} IS NULL")
        return (f"({' OR '.join(terms)})" if terms else "1 = 0"), list(cond.values)
    return f"{col} {_OPERATORS[cond.op]} ?", [cond.value]


def select(table: str, columns: Sequence[str], conditions: Sequence[Condition], *,
           order_by: str | None, descending: bool, limit: int | None,
           ) -> tuple[str, list[SqlValue]]:
    """The rows matching the filters, in a total order: ``order_by`` then ``id`` (ties
    broken by id, so every backend returns the same list). The hot orders have an index
    ending in ``(..., order_by, id)``, so the planner reads them in order without a sort."""
    clause, params = where_clause(conditions)
    direction = " DESC" if descending else ""
    order = f"{order_by}{direction}, id{direction}" if order_by else f"id{direction}"
    sql = f"SELECT {', '.join(columns)} FROM {table}{clause} ORDER BY {order}"
    if limit is not None:
        if limit < 0:
            raise ValueError("limit must not be negative")
        sql += " LIMIT ?"
        params.append(limit)
    return sql, params


def count(table: str, conditions: Sequence[Condition]) -> tuple[str, list[SqlValue]]:
    clause, params = where_clause(conditions)
    return f"SELECT COUNT(*) FROM {table}{clause}", params


def tally(table: str, by: Sequence[str], conditions: Sequence[Condition],
          matching: Sequence[Condition]) -> tuple[str, list[SqlValue]]:
    """Rows counted per distinct ``by`` values, and how many of them also match
    ``matching``, in one pass: ``SELECT by..., COUNT(*), SUM(CASE WHEN ... THEN 1 ELSE 0
    END) ... GROUP BY by...``. With no ``by`` it is one row (zero counts on no rows). The
    groups come back in no particular order (PostgreSQL may hash them); callers sort."""
    clause, params = where_clause(conditions)
    if matching:
        test, test_params = where_clause(matching)
        also = f"COALESCE(SUM(CASE WHEN {test.removeprefix(' WHERE ')} THEN 1 ELSE 0 END), 0)"
        params = [*test_params, *params]
    else:
        also = "0"
    keys = ", ".join(by)
    head = f"SELECT {keys + ', ' if by else ''}COUNT(*), {also} FROM {table}{clause}"
    return (f"{head} GROUP BY {keys}" if by else head), params
