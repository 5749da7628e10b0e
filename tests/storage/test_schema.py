"""Migrations and schema drift: the SQL tables must match the dataclasses field by field.

SQLite-specific (``PRAGMA table_info``, ``sqlite_master``); a PostgreSQL backend would
get its own drift check against ``information_schema``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.errors import StorageError
from bot.core.models import ENTITY_TYPES
from storage import SqliteStorage, open_migrated, open_storage
from storage._codec import codec_for
from storage._migrations import load_migrations, parse_migrations, split_statements
from storage._statistics import DERIVED_TABLES

ENTITY_IDS = [cls.__name__ for cls in ENTITY_TYPES]


@pytest.fixture
async def sqlite_store() -> AsyncIterator[SqliteStorage]:
    store = await open_migrated("sqlite:///:memory:")
    assert isinstance(store, SqliteStorage)
    try:
        yield store
    finally:
        await store.close()


async def _rows(store: SqliteStorage, sql: str, *params: Any) -> list[Any]:
    cursor = await store._conn.execute(sql, params)
    return list(await cursor.fetchall())


@pytest.mark.parametrize("cls", ENTITY_TYPES, ids=ENTITY_IDS)
async def test_table_matches_the_codec(sqlite_store: SqliteStorage, cls: type) -> None:
    codec = codec_for(cls)
    info = await _rows(sqlite_store, f"PRAGMA table_info({codec.table})")
    assert info, f"no table {codec.table} for {cls.__name__}"
    # (cid, name, type, notnull, default, pk)
    table = {name: (sql_type, bool(notnull or pk)) for _, name, sql_type, notnull, _, pk in info}
    expected = {c.name: (c.sql_type, not c.nullable) for c in codec.columns}
    assert table == expected
    primary = [name for _, name, _, _, _, pk in info if pk]
    assert primary == ["id"]


async def test_every_table_belongs_to_an_entity(sqlite_store: SqliteStorage) -> None:
    tables = {name for (name,) in await _rows(
        sqlite_store, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables = {name for name in tables if not name.startswith("sqlite_")}
    assert tables - {"schema_migrations", *DERIVED_TABLES} == {
        codec_for(cls).table for cls in ENTITY_TYPES}
    assert "schema_migrations" in tables


async def test_tables_are_strict(sqlite_store: SqliteStorage) -> None:
    """STRICT tables refuse a value of the wrong type instead of storing it silently."""
    for cls in ENTITY_TYPES:
        (sql,) = (await _rows(sqlite_store, "SELECT sql FROM sqlite_master WHERE name = ?",
                              codec_for(cls).table))[0]
        assert sql.rstrip().upper().endswith("STRICT"), cls.__name__


async def test_migrate_on_a_fresh_database_records_its_versions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    store = await open_storage(url)
    assert isinstance(store, SqliteStorage)
    try:
        assert await store.migrate() == [m.version for m in load_migrations()]
        assert await store.migrate() == []
        rows = await _rows(store, "SELECT version, name, applied_at FROM schema_migrations")
        assert [(v, n) for v, n, _ in rows] == [(m.version, m.name) for m in load_migrations()]
        assert all(at.endswith("Z") for _, _, at in rows)
    finally:
        await store.close()
    reopened = await open_storage(url)
    try:
        assert await reopened.migrate() == []
    finally:
        await reopened.close()


async def test_a_newer_schema_than_this_code_knows_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'future.db'}"
    store = await open_migrated(url)
    assert isinstance(store, SqliteStorage)
    future = len(load_migrations()) + 1
    await store._conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 'x')",
        [future])
    await store.close()

    newer = await open_storage(url)
    try:
        with pytest.raises(StorageError, match="upgrade") as caught:
            await newer.migrate()
        assert str(future) in str(caught.value)
    finally:
        await newer.close()
    with pytest.raises(StorageError, match="upgrade"):
        await open_migrated(url)


@pytest.mark.parametrize("name", [
    "1_initial.sql", "0001-initial.sql", "0001_Initial.sql", "0001initial.sql",
    "00001_initial.sql", "0001_initial.sql.bak", "initial.sql", "0001_.sql",
])
def test_parse_migrations_rejects_misnamed_files(name: str) -> None:
    with pytest.raises(StorageError, match=r"0001_description\.sql"):
        parse_migrations({name: "CREATE TABLE t (id TEXT);"})


@pytest.mark.parametrize("names", [
    ["0001_a.sql", "0003_c.sql"],
    ["0002_b.sql"],
    ["0001_a.sql", "0001_b.sql"],
    ["0000_zero.sql", "0001_a.sql"],
])
def test_parse_migrations_rejects_gaps_and_repeats(names: list[str]) -> None:
    with pytest.raises(StorageError, match="without gaps"):
        parse_migrations({name: "CREATE TABLE t (id TEXT);" for name in names})


@pytest.mark.parametrize("script", [
    "CREATE TABLE t (id TEXT);\nCREATE TRIGGER t_d BEFORE DELETE ON t BEGIN SELECT 1;",
    "CREATE TABLE t (id TEXT DEFAULT 'unclosed);",
])
def test_parse_migrations_rejects_an_unterminated_statement(script: str) -> None:
    with pytest.raises(StorageError, match="malformed"):
        parse_migrations({"0001_a.sql": script})


def test_parse_migrations_orders_files_and_splits_statements() -> None:
    migrations = parse_migrations({
        "0002_second.sql": "-- only a comment\nCREATE TABLE u (id TEXT);",
        "0001_first.sql": (
            "CREATE TABLE t (id TEXT, note TEXT DEFAULT 'a;b');\n"
            "-- dialect: sqlite\n"
            "CREATE TRIGGER t_no_delete BEFORE DELETE ON t\nBEGIN\n"
            "    SELECT RAISE(ABORT, 'no; really');\nEND;\n"
            "-- dialect: postgresql\n"
            "CREATE RULE t_no_delete AS ON DELETE TO t DO INSTEAD NOTHING;\n"),
    })
    assert [(m.version, m.name, m.label) for m in migrations] == [
        (1, "first", "0001_first"), (2, "second", "0002_second")]
    first, second = migrations
    assert len(first.statements) == 2
    assert first.statements[1].startswith("CREATE TRIGGER") and first.statements[1].endswith(
        "END;")
    assert first.postgres == (first.statements[0],
                              "CREATE RULE t_no_delete AS ON DELETE TO t DO INSTEAD NOTHING;")
    assert second.statements == ("-- only a comment\nCREATE TABLE u (id TEXT);",)
    assert parse_migrations({}) == ()


def test_split_statements_ignores_blank_and_comment_only_pieces() -> None:
    assert split_statements("\n-- nothing\n;\n") == ()
    # A last statement without its semicolon is still whole; an open trigger body is not.
    assert split_statements("SELECT 1;\nSELECT 2") == ("SELECT 1;", "SELECT 2;")
    with pytest.raises(ValueError, match="unterminated"):
        split_statements("CREATE TRIGGER x BEFORE DELETE ON t BEGIN SELECT 1;")


def test_packaged_migrations_load() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].label == "0001_initial"
