"""One PostgreSQL unit of work: the ``Tx`` port on an asyncpg connection.

The same SQL as ``storage/_sqlite_tx.py`` in PostgreSQL's spelling (``$1`` parameters,
``= ANY($1)`` for lists), the same values (``storage/_codec.py``), the same errors. The
connection and the transaction boundaries belong to ``PostgresStorage``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.core.errors import DuplicateRecord, StorageError
from bot.core.models import Entity
from bot.core.ports import Sealer
from storage._codec import Condition, EntityCodec, SqlValue, codec_for
from storage._statistics import POSTGRES, SqlStatistics
from storage._tx_common import TxRules

E = TypeVar("E", bound=Entity)
Conn: TypeAlias = "asyncpg.Connection[Any] | PoolConnectionProxy[Any]"

# A connection that broke under a statement: the server rolls its transaction back.
CONNECTION_LOST: tuple[type[BaseException], ...] = (
    OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.InternalClientError, asyncpg.AdminShutdownError, asyncpg.CannotConnectNowError)
DRIVER_ERRORS: tuple[type[BaseException], ...] = (asyncpg.PostgresError, *CONNECTION_LOST)

ANNOUNCED = {"scheduled_actions": "timed"}
"""Tables whose new or moved pending rows the transaction announces on commit, and the
topic it uses. Claims, renewals and completions (no longer pending) are not announced:
they would make every process sweep after every action another one ran."""

_OPERATORS = {"eq": "=", "ne": "IS DISTINCT FROM", "lt": "<", "lte": "<=", "gt": ">",
              "gte": ">="}


def render_where(conditions: Sequence[Condition], params: list[SqlValue]) -> str:
    """A WHERE clause; parameters are appended to ``params`` and numbered after them."""
    parts: list[str] = []
    for cond in conditions:
        col = cond.column
        if cond.op == "null":
            parts.append(f"{col} IS NULL")
        elif cond.op == "not_null":
            parts.append(f"{col} IS NOT NULL")
        elif cond.op == "in":
            terms = []
            if cond.values:
                params.append(list(cond.values))  # type: ignore[arg-type]
                terms.append(f"{col} = ANY(${len(params)})")
            if cond.or_null:
                terms.append(f"{col} IS NULL")
            parts.append(f"({' OR '.join(terms)})" if terms else "FALSE")
        else:
            params.append(cond.value)
            parts.append(f"{col} {_OPERATORS[cond.op]} ${len(params)}")
    return (" WHERE " + " AND ".join(parts)) if parts else ""


def _placeholders(count: int, first: int = 1) -> str:
    return ", ".join(f"${n}" for n in range(first, first + count))


def _affected(status: str) -> int:
    """The row count of a command tag: ``UPDATE 1``, ``INSERT 0 1``, ``DELETE 0``."""
    return int(status.rsplit(" ", 1)[-1])


class PostgresTx(TxRules):
    """One transaction on one pooled connection; see ``bot.core.ports.Tx``."""

    def __init__(self, conn: Conn, errors: Any, sealer: Sealer | None = None,
                 *, erasing: bool = False) -> None:
        self._conn = conn
        self._errors = errors  # PostgresStorage.error: one wording for every failure
        self._sealer = sealer
        self._erasing = erasing
        self.announce: set[str] = set()
        """Topics to ``NOTIFY`` just before this transaction commits."""

    def _touched(self, codec: EntityCodec[Any], entity: Entity) -> None:
        topic = ANNOUNCED.get(codec.table)
        if topic is not None and getattr(entity, "status", None) == "pending":
            self.announce.add(topic)

    @property
    def statistics(self) -> SqlStatistics:
        return SqlStatistics(self._rows, POSTGRES)

    async def _rows(self, sql: str, params: Sequence[SqlValue]) -> list[tuple[Any, ...]]:
        # Booleans are stored as 0/1 in BIGINT columns, as on SQLite.
        values = [int(v) if isinstance(v, bool) else v for v in params]
        return [tuple(row) for row in
                await self._fetch(sql, values, "counting records for a report")]

    async def _fetch(self, sql: str, params: Sequence[object], doing: str) -> list[Any]:
        try:
            return list(await self._conn.fetch(sql, *params))
        except DRIVER_ERRORS as exc:
            raise self._errors(exc, doing) from exc

    async def _execute(self, sql: str, params: Sequence[object], doing: str) -> int:
        try:
            return _affected(await self._conn.execute(sql, *params))
        except DRIVER_ERRORS as exc:
            raise self._errors(exc, doing) from exc

    async def get(self, cls: type[E], id: str) -> E | None:
        codec = codec_for(cls)
        rows = await self._fetch(
            f"SELECT {', '.join(codec.names)} FROM {codec.table} WHERE id = $1", [id],
            f"reading a {codec.label}")
        return codec.decode(tuple(rows[0])) if rows else None

    async def find(self, cls: type[E], *, order_by: str | None = None,
                   descending: bool = False, limit: int | None = None,
                   **where: object) -> list[E]:
        codec = codec_for(cls)
        params: list[SqlValue] = []
        clause = render_where(codec.conditions(where), params)
        sql = f"SELECT {', '.join(codec.names)} FROM {codec.table}{clause}"
        direction = " DESC" if descending else ""
        if order_by is not None:
            codec.column(order_by)
            sql += f" ORDER BY {order_by}{direction}, id{direction}"
        else:
            sql += f" ORDER BY id{direction}"
        if limit is not None:
            if limit < 0:
                raise ValueError("limit must not be negative")
            params.append(limit)
            sql += f" LIMIT ${len(params)}"
        rows = await self._fetch(sql, params, f"reading {codec.label} records")
        return [codec.decode(tuple(row)) for row in rows]

    async def count(self, cls: type[Entity], **where: object) -> int:
        codec = codec_for(cls)
        params: list[SqlValue] = []
        clause = render_where(codec.conditions(where), params)
        rows = await self._fetch(f"SELECT COUNT(*) FROM {codec.table}{clause}", params,
                                 f"counting {codec.label} records")
        return int(rows[0][0])

    def _insert_sql(self, codec: EntityCodec[Any]) -> str:
        return (f"INSERT INTO {codec.table} ({', '.join(codec.names)}) "
                f"VALUES ({_placeholders(len(codec.names))})")

    async def insert(self, entity: Entity) -> None:
        codec = codec_for(type(entity))
        self._touched(codec, entity)
        try:
            await self._conn.execute(self._insert_sql(codec), *codec.encode(entity))
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name != f"{codec.table}_pkey":
                # Another unique rule (one open automatic case per person): the caller
                # may join the record that won, as on SQLite.
                error = self._errors(exc, f"saving a {codec.label}")
                raise DuplicateRecord(error.message) from exc
            raise StorageError(f"A {codec.label} with id '{entity.id}' already exists; "
                               "nothing was changed.") from exc
        except DRIVER_ERRORS as exc:
            raise self._errors(exc, f"saving a {codec.label}") from exc

    async def insert_all(self, entities: Sequence[Entity]) -> None:
        if not entities:
            return
        codec = self._one_type(entities)
        for entity in entities:
            self._touched(codec, entity)
        try:
            await self._conn.executemany(self._insert_sql(codec),
                                         [codec.encode(e) for e in entities])
        except asyncpg.UniqueViolationError as exc:
            raise StorageError(f"One of {len(entities)} {codec.label} records already "
                               "exists; nothing was changed.") from exc
        except DRIVER_ERRORS as exc:
            raise self._errors(exc, f"saving {codec.label} records") from exc

    async def _update_all(self, codec: EntityCodec[Any], entities: Sequence[Entity]) -> None:
        names = [name for name in codec.names if name != "id"]
        assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(names, 1))
        rows = []
        for entity in entities:
            self._touched(codec, entity)
            encoded = dict(zip(codec.names, codec.encode(entity), strict=True))
            rows.append([*(encoded[name] for name in names), entity.id])
        try:
            await self._conn.executemany(f"UPDATE {codec.table} SET {assignments} "
                                         f"WHERE id = ${len(names) + 1}", rows)
        except DRIVER_ERRORS as exc:
            raise self._errors(exc, f"updating {codec.label} records") from exc

    async def insert_new(self, entity: Entity) -> bool:
        codec = codec_for(type(entity))
        self._touched(codec, entity)
        return await self._execute(f"{self._insert_sql(codec)} ON CONFLICT (id) DO NOTHING",
                                   codec.encode(entity), f"saving a {codec.label}") == 1

    async def _update(self, entity: Entity, expected: dict[str, object], *,
                      erasing: bool = False) -> bool:
        codec = codec_for(type(entity))
        self._touched(codec, entity)
        if not erasing:
            self._refuse_if_append_only(codec)
        row = codec.encode(entity)
        params: list[SqlValue] = [v for n, v in zip(codec.names, row, strict=True) if n != "id"]
        assignments = ", ".join(f"{name} = ${n}" for n, name in
                                enumerate((name for name in codec.names if name != "id"), 1))
        conditions = [codec.condition("id", entity.id), *codec.conditions(expected)]
        clause = render_where(conditions, params)
        return await self._execute(f"UPDATE {codec.table} SET {assignments}{clause}", params,
                                   f"updating a {codec.label}") == 1

    async def upsert(self, entity: Entity) -> None:
        codec = codec_for(type(entity))
        self._touched(codec, entity)
        self._refuse_if_append_only(codec)
        updates = ", ".join(f"{name} = excluded.{name}" for name in codec.names if name != "id")
        await self._execute(f"{self._insert_sql(codec)} ON CONFLICT (id) DO UPDATE SET {updates}",
                            codec.encode(entity), f"saving a {codec.label}")

    async def delete(self, cls: type[Entity], id: str) -> bool:
        codec = codec_for(cls)
        self._refuse_if_append_only(codec)
        return await self._execute(f"DELETE FROM {codec.table} WHERE id = $1", [id],
                                   f"removing a {codec.label}") == 1
