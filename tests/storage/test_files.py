"""The database's files: private whatever the umask, and a deleted file noticed at once."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.errors import DatabaseLost, StorageError
from bot.core.models import Report
from storage import SqliteStorage, open_migrated
from storage._files import create_private_file
from tests.storage import samples
from tests.waiting import DEADLINE


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems start services with: new files 0644, folders 0755."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


async def open_file_store(path: Path) -> SqliteStorage:
    store = await open_migrated(f"sqlite:///{path}")
    assert isinstance(store, SqliteStorage)
    return store


async def test_database_wal_shm_and_backup_are_0600_under_umask_022(
        tmp_path: Path, usual_umask: None) -> None:
    db = tmp_path / "bot.db"
    store = await open_file_store(db)
    try:
        async with store.transaction() as tx:
            await tx.insert(samples.full(Report))
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")  # WAL mode: both exist now
        await store.backup(str(tmp_path / "backup.db"))
        assert {p.name: oct(mode(p)) for p in (db, wal, shm, tmp_path / "backup.db")} == {
            "bot.db": "0o600", "bot.db-wal": "0o600", "bot.db-shm": "0o600",
            "backup.db": "0o600"}
    finally:
        await store.close()
    # A backup opened later (to restore from it) keeps its journals private too.
    with sqlite3.connect(tmp_path / "backup.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM reports").fetchone() == (1,)
        assert mode(tmp_path / "backup.db-wal") == 0o600


def test_a_rollback_journal_gets_the_database_file_mode(tmp_path: Path,
                                                        usual_umask: None) -> None:
    """What the design relies on: SQLite gives a -journal the database file's mode."""
    db = tmp_path / "plain.db"
    assert create_private_file(db)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("CREATE TABLE t (x)")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (1)")
        assert mode(Path(f"{db}-journal")) == 0o600
        conn.execute("COMMIT")
    finally:
        conn.close()


async def test_a_missing_folder_is_created_0700(tmp_path: Path, usual_umask: None) -> None:
    db = tmp_path / "state" / "bot.db"
    store = await open_file_store(db)
    await store.close()
    assert mode(db.parent) == 0o700 and mode(db) == 0o600
    backups = tmp_path / "backups" / "b.db"
    store = await open_file_store(db)
    try:
        await store.backup(str(backups))
    finally:
        await store.close()
    assert mode(backups.parent) == 0o700 and mode(backups) == 0o600


async def test_an_existing_world_readable_database_is_warned_about_not_changed(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "old.db"
    sqlite3.connect(db).close()
    os.chmod(db, 0o644)
    with caplog.at_level(logging.WARNING, logger="storage"):
        store = await open_file_store(db)
        await store.close()
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and "0644" in warned[0] and f"chmod 600 {db}" in warned[0]
    assert mode(db) == 0o644, "an operator's own file is not chmod-ed behind their back"
    os.chmod(db, 0o600)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="storage"):
        store = await open_file_store(db)
        await store.close()
    assert not caplog.records


async def test_a_backup_that_fails_leaves_no_file_and_never_overwrites(
        tmp_path: Path) -> None:
    store = await open_file_store(tmp_path / "bot.db")
    try:
        existing = tmp_path / "taken.db"
        existing.write_bytes(b"an earlier backup")
        with pytest.raises(StorageError, match="already exists"):
            await store.backup(str(existing))
        assert existing.read_bytes() == b"an earlier backup"
    finally:
        await store.close()


def rescued_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.rescued-*"))


async def report_count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0])


@pytest.mark.parametrize("how", ["deleted", "replaced"])
async def test_a_commit_after_the_file_is_deleted_or_replaced_is_refused_and_rescued(
        tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "bot.db"
    store = await open_file_store(db)
    try:
        async with store.transaction() as tx:
            await tx.insert(samples.full(Report))
        for name in ("bot.db", "bot.db-wal", "bot.db-shm"):
            (tmp_path / name).unlink()
        if how == "replaced":
            sqlite3.connect(db).close()  # e.g. an old backup moved into place
        with pytest.raises(DatabaseLost) as caught:
            async with store.transaction() as tx:
                await tx.insert(samples.minimal(Report))
        lost = caught.value
        assert "database is unavailable" in str(lost) and str(db) not in str(lost)
        assert f"{db} was {how}" in lost.operator_message
        assert "stopping" in lost.operator_message
        # Every later write is refused at once, without touching the disk.
        with pytest.raises(DatabaseLost):
            async with store.transaction() as tx:
                await tx.insert(samples.minimal(Report))
        assert await asyncio.wait_for(store.watch(), DEADLINE) is lost
    finally:
        await store.close()
    assert how == "replaced" or not db.exists(), "the lost file was recreated"
    [rescued] = rescued_files(tmp_path)
    assert str(rescued) in lost.operator_message and mode(rescued) == 0o600
    assert await report_count(rescued) == 1, "the rescue holds what was committed before"
    assert any(r.levelno == logging.CRITICAL and str(db) in r.getMessage()
               for r in caplog.records)


async def test_an_idle_store_notices_a_deleted_file_by_itself(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    store = await open_file_store(db)
    store.watch_seconds = 0.01
    try:
        watching = asyncio.create_task(store.watch())
        db.unlink()
        lost = await asyncio.wait_for(watching, DEADLINE)
        assert isinstance(lost, DatabaseLost) and "was deleted" in lost.operator_message
    finally:
        await store.close()


async def test_a_folder_deleted_with_the_file_is_still_reported(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    store = await open_file_store(folder / "bot.db")
    try:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
        with pytest.raises(DatabaseLost) as caught:
            async with store.transaction() as tx:
                await tx.insert(samples.minimal(Report))
        assert "A rescue copy could not be written" in caught.value.operator_message
        assert "restore" in caught.value.operator_message
    finally:
        await store.close()
    assert not folder.exists()


async def test_no_empty_database_is_started_while_a_rescued_copy_waits_beside_it(
        tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    store = await open_file_store(db)
    try:
        async with store.transaction() as tx:
            await tx.insert(samples.full(Report))
        db.unlink()
        with pytest.raises(DatabaseLost):
            async with store.transaction() as tx:
                await tx.insert(samples.minimal(Report))
    finally:
        await store.close()
    [rescued] = rescued_files(tmp_path)
    with pytest.raises(StorageError, match="rescued") as caught:
        await open_migrated(f"sqlite:///{db}")
    assert str(rescued) in str(caught.value) and f"Move it to {db}" in str(caught.value)
    assert not db.exists(), "no empty database was left behind"
    rescued.rename(db)  # what the message says to do
    store = await open_file_store(db)
    try:
        async with store.transaction() as tx:
            assert await tx.get(Report, samples.full(Report).id) is not None
    finally:
        await store.close()
