"""What only PostgreSQL needs checking: its schema against the dataclasses, the audit log
guarded by the database itself, and the faults of a server on the network (unreachable at
start-up, a connection lost mid-transaction, a database that does not exist).

The shared behaviour is in test_contract.py, which runs on PostgreSQL too.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from bot.core.errors import StorageError
from bot.core.models import ENTITY_TYPES, ActionKind, AuditEntry, ScheduledAction
from storage import open_migrated, open_storage
from storage._codec import codec_for
from storage._statistics import DERIVED_TABLES
from storage.postgres import PostgresStorage, connect_pool
from storage.url import PostgresTarget, parse_database_url
from tests.storage import samples

ENTITY_IDS = [cls.__name__ for cls in ENTITY_TYPES]
PG_TYPES = {"TEXT": "text", "INTEGER": "bigint", "REAL": "double precision"}
BASE = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[PostgresStorage]:
    store = await open_migrated(postgres_url)
    assert isinstance(store, PostgresStorage)
    try:
        yield store
    finally:
        await store.close()


async def _raw(url: str) -> asyncpg.Connection:
    """A plain connection to the test's schema, as psql would have: no coc-bot rules."""
    target = parse_database_url(url)
    assert isinstance(target, PostgresTarget)
    return await asyncpg.connect(target.dsn)


# --- schema drift ---------------------------------------------------------------------


@pytest.mark.parametrize("cls", ENTITY_TYPES, ids=ENTITY_IDS)
async def test_table_matches_the_codec(pg: PostgresStorage, postgres_url: str,
                                       cls: type) -> None:
    codec = codec_for(cls)
    conn = await _raw(postgres_url)
    try:
        rows = await conn.fetch(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = $1", codec.table)
        primary = await conn.fetchval(
            "SELECT array_agg(a.attname::text) FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = $1::regclass AND i.indisprimary", codec.table)
    finally:
        await conn.close()
    table = {name: (kind, nullable == "NO") for name, kind, nullable in rows}
    expected = {c.name: (PG_TYPES[c.sql_type], not c.nullable) for c in codec.columns}
    assert table == expected
    assert primary == ["id"]


async def test_every_table_belongs_to_an_entity(pg: PostgresStorage, postgres_url: str) -> None:
    conn = await _raw(postgres_url)
    try:
        tables = {row[0] for row in await conn.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema()")}
    finally:
        await conn.close()
    assert tables == {codec_for(cls).table for cls in ENTITY_TYPES} | {
        "schema_migrations", *DERIVED_TABLES}


# --- the audit log, guarded by the database -------------------------------------------


@pytest.mark.parametrize("sql", [
    "UPDATE audit_log SET actor = NULL",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    # Even with the erasure flag set by hand, what happened, and when, cannot change.
    "SET coc_bot.erasure = 'on'; UPDATE audit_log SET action = 'rewritten'",
    "SET coc_bot.erasure = 'on'; DELETE FROM audit_log",
])
async def test_plain_sql_cannot_change_the_audit_log(pg: PostgresStorage, postgres_url: str,
                                                     sql: str) -> None:
    entry = samples.full(AuditEntry)
    async with pg.transaction() as tx:
        await tx.insert(entry)
    conn = await _raw(postgres_url)
    try:
        with pytest.raises(asyncpg.RestrictViolationError, match=r"append-only|nothing else"):
            await conn.execute(sql)
    finally:
        await conn.close()
    async with pg.transaction() as tx:
        assert await tx.find(AuditEntry) == [entry]


# --- faults ---------------------------------------------------------------------------


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_server_is_retried_with_backoff_then_named_without_password(
        ) -> None:
    port = _closed_port()
    url = f"postgresql://coc:hunter2-pw@127.0.0.1:{port}/coc"
    target = parse_database_url(url)
    assert isinstance(target, PostgresTarget)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    with pytest.raises(StorageError) as caught:
        await connect_pool(target, attempts=4, sleep=sleep)
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "4 attempts" in message
    assert waits == [0.5, 1.0, 2.0], "retried with a doubling backoff"
    everything = f"{message} {caught.value!r} {caught.value.__cause__!r} " \
                 f"{caught.value.__context__!r}"
    assert "hunter2" not in everything


async def test_open_storage_of_an_unreachable_server_says_where(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the entry point the bot uses (with the backoff shortened)."""
    import storage.postgres as module

    monkeypatch.setattr(module, "CONNECT_ATTEMPTS", 2)
    monkeypatch.setattr(module, "FIRST_BACKOFF_SECONDS", 0.0)
    port = _closed_port()
    with pytest.raises(StorageError, match=f"127.0.0.1:{port}") as caught:
        await open_storage(f"postgres://coc:hunter2-pw@127.0.0.1:{port}/coc")
    assert "hunter2" not in str(caught.value)


async def test_a_database_that_does_not_exist_is_refused_at_once(
        postgres_server: Any) -> None:
    url = postgres_server.url.rsplit("/", 1)[0] + "/no_such_database"
    calls: list[float] = []

    async def sleep(seconds: float) -> None:
        calls.append(seconds)

    target = parse_database_url(url)
    assert isinstance(target, PostgresTarget)
    with pytest.raises(StorageError, match=r"no_such_database.*does not exist"):
        await connect_pool(target, attempts=3, sleep=sleep)
    assert calls == [], "a wrong database name is not worth retrying"


async def test_a_connection_lost_mid_transaction_saves_nothing_and_the_next_one_works(
        pg: PostgresStorage, postgres_url: str) -> None:
    admin = await _raw(postgres_url)
    try:
        with pytest.raises(StorageError, match=r"connection to PostgreSQL at .* was lost"):
            async with pg.transaction() as tx:
                await tx.insert(ScheduledAction("half", ActionKind.REPORT_DUE, "r", BASE))
                pid = await tx._conn.fetchval("SELECT pg_backend_pid()")
                await admin.execute("SELECT pg_terminate_backend($1, 5000)", pid)
                await tx.insert(ScheduledAction("other", ActionKind.REPORT_DUE, "r", BASE))
        assert await admin.fetchval("SELECT count(*) FROM scheduled_actions") == 0
    finally:
        await admin.close()
    async with pg.transaction() as tx:  # the pool reconnected
        await tx.insert(ScheduledAction("after", ActionKind.REPORT_DUE, "r", BASE))
    async with pg.transaction() as tx:
        assert [a.id for a in await tx.find(ScheduledAction)] == ["after"]


async def test_claims_race_safely_across_connections(postgres_url: str) -> None:
    """Many sessions (processes' worth) claim the same rows with ``update_if``: each row
    is won exactly once."""
    stores = [await open_migrated(postgres_url) for _ in range(3)]
    try:
        async with stores[0].transaction() as tx:
            for n in range(30):
                await tx.insert(ScheduledAction(f"a{n:02d}", ActionKind.REPORT_DUE, "r", BASE))
        async with stores[0].transaction() as tx:
            pending = await tx.find(ScheduledAction)

        async def claim(store: Any, who: str) -> list[str]:
            won = []
            for row in pending:
                async with store.transaction() as tx:
                    if await tx.update_if(dataclasses.replace(row, claimed_by=who),
                                          claimed_by=None):
                        won.append(row.id)
            return won

        results = await asyncio.wait_for(asyncio.gather(
            *(claim(store, f"p{n}") for n, store in enumerate(stores))), 60)
        assert sorted(id for won in results for id in won) == [row.id for row in pending]
    finally:
        for store in stores:
            await store.close()


async def test_backup_points_to_the_postgresql_tools(pg: PostgresStorage) -> None:
    with pytest.raises(StorageError, match="pg_dump"):
        await pg.backup("/tmp/never-written.db")


async def test_waiting_too_long_for_another_process_is_reported_as_busy(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.postgres as module

    monkeypatch.setattr(module, "BUSY_TIMEOUT_MS", 200)
    holder, waiter = await open_migrated(postgres_url), await open_migrated(postgres_url)
    try:
        async with holder.transaction() as tx:  # another process, mid-change
            await tx.insert(ScheduledAction("held", ActionKind.REPORT_DUE, "r", BASE))
            with pytest.raises(StorageError, match="busy"):
                async with waiter.transaction() as other:
                    await other.insert(ScheduledAction("late", ActionKind.REPORT_DUE, "r",
                                                       BASE))
        async with waiter.transaction() as other:  # free again once the holder is done
            assert [a.id for a in await other.find(ScheduledAction)] == ["held"]
    finally:
        await holder.close()
        await waiter.close()


def test_report_statements_are_numbered_for_postgresql() -> None:
    from storage._statistics import numbered_parameters

    sql = "SELECT a FROM t WHERE b = ? AND c LIKE 'x:%' LIMIT ? OFFSET ?"
    assert numbered_parameters(sql) == \
        "SELECT a FROM t WHERE b = $1 AND c LIKE 'x:%' LIMIT $2 OFFSET $3"
    with pytest.raises(ValueError, match="literal"):
        numbered_parameters("SELECT '?' FROM t WHERE a = ?")
