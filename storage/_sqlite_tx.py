"""One SQLite unit of work: typed records in, SQL out, every failure a ``StorageError``.

The connection, its lock and the transaction boundaries belong to ``SqliteStorage``
(``storage/sqlite.py``); a ``SqliteTx`` only ever runs inside one of its transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, TypeVar

import aiosqlite

from bot.core.errors import DuplicateRecord, StorageError
from bot.core.models import Entity
from bot.core.ports import Sealer
from storage._codec import Condition, EntityCodec, SqlValue, codec_for
from storage._statistics import SqlStatistics
from storage._tx_common import TxRules

E = TypeVar("E", bound=Entity)

BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another process's transaction before giving up."""

_OPERATORS = {"eq": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def _render(conditions: Sequence[Condition]) -> tuple[str, list[SqlValue]]:
    """SQL for the filters; ``ne`` is null-safe (``IS NOT``), as a person would expect."""
    parts: list[str] = []
    params: list[SqlValue] = []
    for cond in conditions:
        col = cond.column
        if cond.op == "null":
            parts.append(f"{col} IS NULL")
        elif cond.op == "not_null":
            parts.append(f"{col} IS NOT NULL")
        elif cond.op == "ne":
            parts.append(f"{col} IS NOT ?")
            params.append(cond.value)
        elif cond.op == "in":
            terms = []
            if cond.values:
                terms.append(f"{col} IN ({', '.join('?' * len(cond.values))})")
                params.extend(cond.values)
            if cond.or_null:
                terms.append(f"{col} IS NULL")
            parts.append(f"({' OR '.join(terms)})" if terms else "0")
        else:
            parts.append(f"{col} {_OPERATORS[cond.op]} ?")
            params.append(cond.value)
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


def storage_error(exc: sqlite3.Error, doing: str) -> StorageError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StorageError(
            f"The database was busy while {doing}; another coc-bot process held it for more "
            f"than {BUSY_TIMEOUT_MS // 1000} s. Nothing was changed; try again.")
    return StorageError(f"The database refused {doing}: {text}. Nothing was changed.")


class SqliteTx(TxRules):
    """One ``BEGIN IMMEDIATE`` transaction; see ``bot.core.ports.Tx`` for the contract."""

    def __init__(self, conn: aiosqlite.Connection, sealer: Sealer | None = None, *,
                 erasing: bool = False) -> None:
        self._conn = conn
        self._sealer = sealer
        self._erasing = erasing

    @property
    def statistics(self) -> SqlStatistics:
        return SqlStatistics(self._rows)

    async def _rows(self, sql: str, params: Sequence[SqlValue]) -> list[tuple[Any, ...]]:
        cursor = await self._execute(sql, params, "counting records for a report")
        return list(await cursor.fetchall())

    async def _execute(self, sql: str, params: Sequence[SqlValue], doing: str) -> Any:
        try:
            return await self._conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise storage_error(exc, doing) from exc

    async def get(self, cls: type[E], id: str) -> E | None:
        codec = codec_for(cls)
        cursor = await self._execute(
            f"SELECT {', '.join(codec.names)} FROM {codec.table} WHERE id = ?", [id],
            f"reading a {codec.label}")
        row = await cursor.fetchone()
        return None if row is None else codec.decode(row)

    async def find(self, cls: type[E], *, order_by: str | None = None,
                   descending: bool = False, limit: int | None = None,
                   **where: object) -> list[E]:
        codec = codec_for(cls)
        clause, params = _render(codec.conditions(where))
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
            sql += " LIMIT ?"
            params.append(limit)
        cursor = await self._execute(sql, params, f"reading {codec.label} records")
        return [codec.decode(row) for row in await cursor.fetchall()]

    async def count(self, cls: type[Entity], **where: object) -> int:
        codec = codec_for(cls)
        clause, params = _render(codec.conditions(where))
        cursor = await self._execute(f"SELECT COUNT(*) FROM {codec.table}{clause}", params,
                                     f"counting {codec.label} records")
        row = await cursor.fetchone()
        return int(row[0])

    async def insert(self, entity: Entity) -> None:
        codec = codec_for(type(entity))
        row = codec.encode(entity)
        sql = (f"INSERT INTO {codec.table} ({', '.join(codec.names)}) "
               f"VALUES ({', '.join('?' * len(row))})")
        try:
            await self._conn.execute(sql, row)
        except sqlite3.IntegrityError as exc:
            if str(exc) != f"UNIQUE constraint failed: {codec.table}.id":
                # Another unique column (a code version's number): say which, not "the id".
                error = storage_error(exc, f"saving a {codec.label}")
                if str(exc).startswith("UNIQUE constraint failed"):
                    raise DuplicateRecord(error.message) from exc
                raise error from exc
            raise StorageError(f"A {codec.label} with id '{entity.id}' already exists; "
                               "nothing was changed.") from exc
        except sqlite3.Error as exc:
            raise storage_error(exc, f"saving a {codec.label}") from exc

    async def insert_all(self, entities: Sequence[Entity]) -> None:
        if not entities:
            return
        codec = self._one_type(entities)
        sql = (f"INSERT INTO {codec.table} ({', '.join(codec.names)}) "
               f"VALUES ({', '.join('?' * len(codec.names))})")
        try:
            await self._conn.executemany(sql, [codec.encode(e) for e in entities])
        except sqlite3.IntegrityError as exc:
            raise StorageError(f"One of {len(entities)} {codec.label} records already "
                               "exists; nothing was changed.") from exc
        except sqlite3.Error as exc:
            raise storage_error(exc, f"saving {codec.label} records") from exc

    async def _update_all(self, codec: EntityCodec[Any], entities: Sequence[Entity]) -> None:
        names = [name for name in codec.names if name != "id"]
        assignments = ", ".join(f"{name} = ?" for name in names)
        rows = []
        for entity in entities:
            encoded = dict(zip(codec.names, codec.encode(entity), strict=True))
            rows.append([*(encoded[name] for name in names), entity.id])
        try:
            await self._conn.executemany(
                f"UPDATE {codec.table} SET {assignments} WHERE id = ?", rows)
        except sqlite3.Error as exc:
            raise storage_error(exc, f"updating {codec.label} records") from exc

    async def insert_new(self, entity: Entity) -> bool:
        codec = codec_for(type(entity))
        row = codec.encode(entity)
        cursor = await self._execute(
            f"INSERT INTO {codec.table} ({', '.join(codec.names)}) "
            f"VALUES ({', '.join('?' * len(row))}) ON CONFLICT (id) DO NOTHING",
            row, f"saving a {codec.label}")
        return bool(cursor.rowcount == 1)

    async def _update(self, entity: Entity, expected: dict[str, object], *,
                      erasing: bool = False) -> bool:
        codec = codec_for(type(entity))
        if not erasing:
            self._refuse_if_append_only(codec)
        row = codec.encode(entity)
        conditions = [codec.condition("id", entity.id), *codec.conditions(expected)]
        clause, params = _render(conditions)
        assignments = ", ".join(f"{name} = ?" for name in codec.names if name != "id")
        values = [value for name, value in zip(codec.names, row, strict=True) if name != "id"]
        cursor = await self._execute(f"UPDATE {codec.table} SET {assignments}{clause}",
                                     [*values, *params], f"updating a {codec.label}")
        return bool(cursor.rowcount == 1)

    async def upsert(self, entity: Entity) -> None:
        codec = codec_for(type(entity))
        self._refuse_if_append_only(codec)
        row = codec.encode(entity)
        updates = ", ".join(f"{name} = excluded.{name}" for name in codec.names if name != "id")
        await self._execute(
            f"INSERT INTO {codec.table} ({', '.join(codec.names)}) "
            f"VALUES ({', '.join('?' * len(row))}) ON CONFLICT (id) DO UPDATE SET {updates}",
            row, f"saving a {codec.label}")

    async def delete(self, cls: type[Entity], id: str) -> bool:
        codec = codec_for(cls)
        self._refuse_if_append_only(codec)
        cursor = await self._execute(f"DELETE FROM {codec.table} WHERE id = ?", [id],
                                     f"removing a {codec.label}")
        return bool(cursor.rowcount == 1)

