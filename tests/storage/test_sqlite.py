"""Behaviour only the SQLite backend has: its file, its triggers, its connection."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.errors import StorageError
from bot.core.models import AuditEntry, CodeVersion, PersonLink, Report
from storage import SqliteStorage, open_migrated, open_storage
from tests.storage import samples


@pytest.fixture
async def file_store(tmp_path: Path) -> AsyncIterator[SqliteStorage]:
    store = await open_migrated(f"sqlite:///{tmp_path / 'bot.db'}")
    assert isinstance(store, SqliteStorage)
    try:
        yield store
    finally:
        await store.close()


async def _scalar(store: SqliteStorage, sql: str, *params: Any) -> Any:
    cursor = await store._conn.execute(sql, params)
    row = await cursor.fetchone()
    assert row is not None
    return row[0]


async def test_triggers_refuse_raw_sql_changes_to_the_audit_log(
        file_store: SqliteStorage) -> None:
    entry = samples.full(AuditEntry)
    async with file_store.transaction() as tx:
        await tx.insert(entry)
    conn = file_store._conn
    for sql in ("UPDATE audit_log SET reason = 'rewritten' WHERE id = ?",
                "DELETE FROM audit_log WHERE id = ?"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            await conn.execute(sql, [entry.id])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        await conn.execute("DELETE FROM audit_log")
    assert await _scalar(file_store, "SELECT COUNT(*) FROM audit_log") == 1
    async with file_store.transaction() as tx:
        assert await tx.get(AuditEntry, entry.id) == entry


async def test_the_file_uses_wal_and_a_busy_timeout(file_store: SqliteStorage) -> None:
    assert (await _scalar(file_store, "PRAGMA journal_mode")).lower() == "wal"
    assert await _scalar(file_store, "PRAGMA busy_timeout") >= 1000
    assert await _scalar(file_store, "PRAGMA foreign_keys") == 1


async def test_data_survives_closing_and_reopening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    store = await open_migrated(url)
    async with store.transaction() as tx:
        await tx.insert(samples.full(Report))
    await store.close()
    store = await open_migrated(url)
    try:
        async with store.transaction() as tx:
            assert await tx.get(Report, "r-full") == samples.full(Report)
    finally:
        await store.close()


async def test_datetimes_are_stored_as_fixed_width_utc_text(file_store: SqliteStorage) -> None:
    report = samples.full(Report)
    async with file_store.transaction() as tx:
        await tx.insert(report)
    stored = await _scalar(file_store, "SELECT created_at FROM reports WHERE id = ?", report.id)
    assert stored == report.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    whole_second = dataclasses.replace(samples.minimal(Report), created_at=datetime(
        2026, 1, 1, tzinfo=UTC))
    async with file_store.transaction() as tx:
        await tx.insert(whole_second)
    stored = await _scalar(file_store, "SELECT created_at FROM reports WHERE id = ?",
                           whole_second.id)
    assert stored == "2026-01-01T00:00:00.000000+00:00"


async def test_a_second_unique_constraint_is_reported_truthfully(
        file_store: SqliteStorage) -> None:
    """A clash on another unique column must not be blamed on the id."""
    async with file_store.transaction() as tx:
        await tx.insert(samples.minimal(CodeVersion))
        await tx.insert(samples.minimal(PersonLink))
    clash = dataclasses.replace(samples.minimal(CodeVersion), id="v9")  # same number
    with pytest.raises(StorageError) as caught:
        async with file_store.transaction() as tx:
            await tx.insert(clash)
    assert "already exists" not in str(caught.value)
    assert "code_versions.number" in str(caught.value)
    async with file_store.transaction() as tx:
        assert await tx.get(CodeVersion, "v9") is None


async def test_opening_a_file_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "bot.db"
    with pytest.raises(StorageError, match="does not exist") as caught:
        await open_storage(f"sqlite:///{missing}")
    assert str(missing) in str(caught.value)
    assert not missing.parent.exists()


async def test_opening_something_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database, just some text " * 100)
    with pytest.raises(StorageError):
        await open_migrated(f"sqlite:///{junk}")


async def test_a_relative_path_is_opened_against_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = await open_migrated("sqlite:///./relative.db")
    await store.close()
    assert (tmp_path / "relative.db").is_file()
