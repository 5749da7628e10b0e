"""The embedded SQLite backend, through aiosqlite.

One connection per process, WAL journal so readers never wait for the writer, and every
unit of work opened with ``BEGIN IMMEDIATE``: the write lock is taken at the start, so two
processes on one file serialise cleanly (the second waits up to ``busy_timeout``) instead
of failing half-way with "database is locked" on their first write. Inside the process an
``asyncio.Lock`` keeps coroutines from interleaving statements on the one connection.
Files are created 0600; a database file deleted or replaced under the running bot is
noticed before the next commit and stops it (``DatabaseLost``; see ``storage/_files.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import aiosqlite

from bot.core.errors import CocBotError, DatabaseLost, StorageError
from bot.core.models import Entity
from bot.core.ports import Sealer
from storage._files import (
    FileIdentity,
    create_private_file,
    database_path,
    ensure_folder,
    lost_report,
    prepare_database_file,
    rescue_path,
)
from storage._migrations import Migration, load_migrations
from storage._sqlite_tx import BUSY_TIMEOUT_MS, SqliteTx, storage_error
from storage.url import SqliteTarget

E = TypeVar("E", bound=Entity)
log = logging.getLogger(__name__)


_IN_TRANSACTION: contextvars.ContextVar[SqliteStorage | None] = contextvars.ContextVar(
    "coc_bot_sqlite_transaction", default=None)

WATCH_SECONDS = 5.0  # how often an idle bot checks its database file is still there


class _ErasureFlag:
    """``coc_erasure()`` in SQL: 1 only inside ``SqliteStorage.erasure()``."""

    __slots__ = ("on",)

    def __init__(self) -> None:
        self.on = False

    def __call__(self) -> int:
        return 1 if self.on else 0


class SqliteStorage:
    """The ``Storage`` port on one aiosqlite connection."""

    def __init__(self, conn: aiosqlite.Connection, target: SqliteTarget,
                 identity: FileIdentity | None = None) -> None:
        self._conn = conn
        self.target = target
        self._lock = asyncio.Lock()
        self._closed = False
        self._identity = identity  # None for an in-memory database: nothing to lose
        self._lost: DatabaseLost | None = None
        self._lost_signal = asyncio.Event()
        self.watch_seconds = WATCH_SECONDS
        self._sealer: Sealer | None = None
        self._erasing = _ErasureFlag()  # read by the audit log's trigger: coc_erasure()

    def use_sealer(self, sealer: Sealer) -> None:
        self._sealer = sealer

    @classmethod
    async def open(cls, target: SqliteTarget) -> SqliteStorage:
        file = None if target.in_memory else database_path(target.path)
        if file is not None:
            await asyncio.to_thread(prepare_database_file, file)
        where = target.path if file is None else str(file)
        try:
            # isolation_level=None: the driver never opens transactions behind our back;
            # every one is an explicit BEGIN IMMEDIATE below.
            conn = await aiosqlite.connect(where, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"Could not open the database at {target.path}: {exc}. "
                               "Check the path in DATABASE_URL and its permissions.") from exc
        try:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA foreign_keys = ON")
            # Removed rows are overwritten, not left in free pages a stolen file would show.
            await conn.execute("PRAGMA secure_delete = ON")
            if file is not None:
                await conn.execute("PRAGMA journal_mode = WAL")
                await conn.execute("PRAGMA synchronous = NORMAL")
            identity = None if file is None else await asyncio.to_thread(FileIdentity.of, file)
        except (sqlite3.Error, OSError) as exc:
            await conn.close()
            raise StorageError(f"Could not prepare the database at {target.path}: {exc}. "
                               "Is it a coc-bot SQLite database?") from exc
        storage = cls(conn, target, identity)
        # The audit log's update trigger asks this connection whether an erasure is under
        # way; any other connection (the sqlite3 shell) has no such function and fails.
        # The function holds the flag, not the storage: no cycle keeps a forgotten
        # connection (and its thread) alive.
        await conn.create_function("coc_erasure", 0, storage._erasing)
        return storage

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTx]:
        if self._lost is not None:  # a fresh error each time: tracebacks do not pile up
            raise DatabaseLost(self._lost.operator_message)
        if self._closed:
            raise StorageError("The database connection is closed; restart coc-bot.")
        if _IN_TRANSACTION.get() is self:
            # An asyncio.Lock is not re-entrant: nesting would hang forever, so say so.
            raise StorageError("A transaction was opened inside another one; this is a "
                               "coc-bot bug, please report it.")
        async with self._lock:
            if self._lost is not None:  # lost while this one waited for the lock
                raise DatabaseLost(self._lost.operator_message)
            token = _IN_TRANSACTION.set(self)
            try:
                try:
                    # BEGIN inside the try: a task cancelled while BEGIN runs in
                    # aiosqlite's thread must not leave the connection in a transaction
                    # that every later BEGIN refuses ("transaction within a transaction").
                    await self._begin()
                    yield SqliteTx(self._conn, self._sealer)
                except BaseException:
                    await asyncio.shield(self._rollback())
                    raise
                await self._commit()
            finally:
                _IN_TRANSACTION.reset(token)

    @asynccontextmanager
    async def erasure(self) -> AsyncIterator[SqliteTx]:
        """One transaction in which personal fields may be rewritten everywhere, the
        audit log's included. Afterwards the write-ahead log is checkpointed and
        truncated, so the old values survive neither in the database file (secure_delete
        overwrites freed space) nor in the -wal file beside it."""
        async with self.transaction():
            self._erasing.on = True
            try:
                yield SqliteTx(self._conn, self._sealer, erasing=True)
            finally:
                self._erasing.on = False
        if self._identity is not None:
            async with self._lock:
                try:
                    await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.Error as exc:  # the erasure is committed; say what remains
                    log.warning("after an erasure the journal was not truncated: %s", exc)

    async def _commit(self) -> None:
        """Commit, unless the file was deleted or replaced (one ``os.stat``): a commit
        into an unlinked file "succeeds" and is lost when the process exits."""
        lost = await self._give_up_if_lost()
        if lost is not None:
            await self._rollback()
            raise lost
        try:
            await self._conn.commit()
        except sqlite3.Error as exc:
            await self._rollback()
            raise storage_error(exc, "saving the change") from exc

    async def _begin(self) -> None:
        try:
            await self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise storage_error(exc, "starting a change") from exc

    async def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # the connection is gone: nothing to undo
            await self._conn.rollback()

    async def applied_versions(self) -> list[int]:
        await self._conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        cursor = await self._conn.execute("SELECT version FROM schema_migrations ORDER BY 1")
        return [int(row[0]) for row in await cursor.fetchall()]

    async def migrate(self) -> list[int]:
        """Apply each pending migration in its own transaction; return the numbers applied.

        Two processes starting together both try; ``BEGIN IMMEDIATE`` serialises them and
        the second finds the work done, so a migration never runs twice.
        """
        migrations = load_migrations()
        applied: list[int] = []
        async with self._lock:
            try:
                newest = max([0, *await self.applied_versions()])
            except sqlite3.Error as exc:
                raise storage_error(exc, "reading the schema version") from exc
            if newest > len(migrations):
                raise StorageError(
                    f"The database has schema version {newest}, newer than this coc-bot "
                    f"knows ({len(migrations)}); upgrade coc-bot before running it.")
            for migration in migrations:
                if await self._apply(migration):
                    applied.append(migration.version)
        return applied

    async def _apply(self, migration: Migration) -> bool:
        await self._begin()
        try:
            if migration.version in await self.applied_versions():
                await self._rollback()
                return False
            for statement in migration.statements:
                await self._conn.execute(statement)
            await self._conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) "
                "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                [migration.version, migration.name])
            await self._commit()
            return True
        except CocBotError:
            await self._rollback()
            raise
        except sqlite3.Error as exc:
            await self._rollback()
            raise StorageError(f"Migration {migration.label} failed: {exc}. The database "
                               "was left as it was before it.") from exc

    async def backup(self, destination: str) -> None:
        """Copy the database to ``destination`` with SQLite's online backup: a consistent
        snapshot even while the bot is running and writing (copying the file is not).
        The new file is created 0600 before anything is written to it."""
        file = database_path(destination)
        await asyncio.to_thread(ensure_folder, file)
        if not await asyncio.to_thread(create_private_file, file):
            raise StorageError(f"{destination} already exists; choose a new file name so no "
                               "earlier backup is overwritten.")
        try:
            async with self._lock:
                await self._copy_to(file)
        except sqlite3.Error as exc:
            await asyncio.to_thread(file.unlink, True)  # no half-written backup left behind
            raise StorageError(f"The backup to {destination} failed: {exc}.") from exc

    async def _copy_to(self, file: Path) -> None:
        """The online backup into an existing (private) file; the caller holds the lock."""
        target = sqlite3.connect(file, check_same_thread=False)
        try:
            await self._conn.backup(target)
        finally:
            target.close()

    async def watch(self) -> StorageError:
        """Return once the database file was deleted or replaced (checked every
        ``watch_seconds``, and before every commit); never while all is well."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost_signal.wait(), self.watch_seconds)
            if self._lost is None and self._identity is not None and not self._closed:
                async with self._lock:
                    await self._give_up_if_lost()
            if self._lost is not None:
                return self._lost

    async def _give_up_if_lost(self) -> DatabaseLost | None:
        """Check the file (the caller holds the lock); if it is gone, roll back, save
        what the connection still holds to a rescue file, and remember the failure."""
        if self._lost is not None or self._identity is None:
            return self._lost
        problem = self._identity.problem()
        if problem is None:
            return None
        await self._rollback()
        file = self._identity.file
        rescue = rescue_path(file, datetime.now(UTC))
        created = False
        try:
            created = await asyncio.to_thread(create_private_file, rescue)
            if not created:
                raise StorageError(f"{rescue} already exists")
            await self._copy_to(rescue)
            self._lost = DatabaseLost(lost_report(file, problem, rescue))
        except (StorageError, sqlite3.Error, OSError) as exc:
            if created:  # a half-written rescue would be taken for a good one
                await asyncio.to_thread(rescue.unlink, True)
            self._lost = DatabaseLost(lost_report(file, problem, None, str(exc)))
        log.critical("%s", self._lost.operator_message)
        self._lost_signal.set()
        return self._lost

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._conn.close()
