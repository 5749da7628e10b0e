"""The PostgreSQL backend, through asyncpg: the same ``Storage`` contract as SQLite.

Every unit of work takes one transaction-scoped advisory lock first (per schema), the
PostgreSQL counterpart of SQLite's ``BEGIN IMMEDIATE``: transactions of every process on
the database run one at a time, so the services keep the serializable behaviour they were
written against (read, decide, write), with no retry loop the port could not express.
Claims (``update_if``, ``insert_new``) are single conditional statements and would stay
race-free without it. Transactions are short (no network call happens inside one), so
several processes still spend their time in parallel: on Discord, Slack and the clock.

Faults: an unreachable server at start-up is retried with backoff, then reported with
host and port, never the password; a connection lost mid-transaction is rolled back by
the server and reported as a ``StorageError`` (the pool replaces the connection, so the
next unit of work reconnects); a migration run by several processes at once is applied
by the first, the others wait on the lock and find it done.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg

from bot.core.errors import CocBotError, StorageError
from bot.core.ports import Sealer
from storage._migrations import Migration, load_migrations
from storage._pg_tx import CONNECTION_LOST, DRIVER_ERRORS, Conn, PostgresTx
from storage._sqlite_tx import BUSY_TIMEOUT_MS
from storage.pg_notify import CHANNEL, NOTIFY_SQL
from storage.url import PostgresTarget

log = logging.getLogger(__name__)

POOL_SIZE = 4
CONNECT_ATTEMPTS = 6  # about 15 s of backoff: long enough for a server restart
CONNECT_TIMEOUT_SECONDS = 10.0
FIRST_BACKOFF_SECONDS = 0.5
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('coc-bot:' || current_schema()))"
# Worth another try at start-up: the server is starting, restarting or busy.
_TRANSIENT = (OSError, TimeoutError, asyncpg.CannotConnectNowError,
              asyncpg.TooManyConnectionsError, asyncpg.PostgresConnectionError)

_ROLLBACK_FAILURES: tuple[type[BaseException], ...] = (*DRIVER_ERRORS, asyncio.CancelledError)

_IN_TRANSACTION: contextvars.ContextVar[PostgresStorage | None] = contextvars.ContextVar(
    "coc_bot_postgres_transaction", default=None)

Sleep = Callable[[float], Awaitable[None]]


async def connect_pool(target: PostgresTarget, *, attempts: int = CONNECT_ATTEMPTS,
                       sleep: Sleep = asyncio.sleep) -> asyncpg.Pool:
    """A connection pool, retrying a server that does not answer yet with backoff."""
    delay = FIRST_BACKOFF_SECONDS
    for attempt in range(1, attempts + 1):
        try:
            return await asyncpg.create_pool(
                target.dsn, min_size=1, max_size=POOL_SIZE, timeout=CONNECT_TIMEOUT_SECONDS,
                server_settings={"application_name": "coc-bot",
                                 "lock_timeout": f"{BUSY_TIMEOUT_MS}ms"})
        except _TRANSIENT as exc:
            reason = _reason(exc)
            if attempt == attempts:
                raise StorageError(
                    f"Could not reach {target.describe()} after {attempts} attempts: "
                    f"{reason}. Check that PostgreSQL runs and accepts connections on "
                    f"{target.where} (host and port in DATABASE_URL).") from None
            log.warning("PostgreSQL at %s did not answer (%s); trying again in %.1f s "
                        "(attempt %d of %d)", target.where, reason, delay, attempt, attempts)
            await sleep(delay)
            delay *= 2
        except (asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
            raise StorageError(f"{target.describe()} refused the connection: "
                               f"{_reason(exc)}. Check the user, password and database "
                               "name in DATABASE_URL.") from None
    raise AssertionError("unreachable")  # the loop returns or raises


def _reason(exc: BaseException) -> str:
    """The driver's words, which name neither the URL nor the password."""
    return str(exc).strip() or type(exc).__name__


class PostgresStorage:
    """The ``Storage`` port on an asyncpg pool."""

    def __init__(self, pool: asyncpg.Pool, target: PostgresTarget) -> None:
        self._pool = pool
        self.target = target
        self._closed = False
        self._sealer: Sealer | None = None
        self._forever = asyncio.Event()

    def use_sealer(self, sealer: Sealer) -> None:
        self._sealer = sealer

    @classmethod
    async def open(cls, target: PostgresTarget, *, attempts: int = CONNECT_ATTEMPTS,
                   sleep: Sleep = asyncio.sleep) -> PostgresStorage:
        return cls(await connect_pool(target, attempts=attempts, sleep=sleep), target)

    def error(self, exc: BaseException, doing: str) -> StorageError:
        """One wording for every failure; the transaction is always rolled back."""
        if isinstance(exc, asyncpg.LockNotAvailableError):
            return StorageError(
                f"The database was busy while {doing}; another coc-bot process held it for "
                f"more than {BUSY_TIMEOUT_MS // 1000} s. Nothing was changed; try again.")
        if isinstance(exc, CONNECTION_LOST):
            return StorageError(
                f"The connection to PostgreSQL at {self.target.where} was lost while "
                f"{doing} ({_reason(exc)}). PostgreSQL rolled the unfinished change back, "
                "so nothing of it was saved; try again (coc-bot reconnects).")
        return StorageError(f"The database refused {doing}: {_reason(exc)}. "
                            "Nothing was changed.")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresTx]:
        async with self._unit(erasing=False) as tx:
            yield tx

    @asynccontextmanager
    async def erasure(self) -> AsyncIterator[PostgresTx]:
        """A transaction in which the audit log's trigger lets personal fields be blanked
        (``coc_bot.erasure``, set for this transaction only)."""
        async with self._unit(erasing=True) as tx:
            yield tx

    @asynccontextmanager
    async def _unit(self, *, erasing: bool) -> AsyncIterator[PostgresTx]:
        if self._closed:
            raise StorageError("The database connection is closed; restart coc-bot.")
        if _IN_TRANSACTION.get() is self:
            raise StorageError("A transaction was opened inside another one; this is a "
                               "coc-bot bug, please report it.")
        token = _IN_TRANSACTION.set(self)
        try:
            async with self._connection("starting a change") as conn:
                await self._begin(conn, erasing)
                tx = PostgresTx(conn, self.error, self._sealer, erasing=erasing)
                try:
                    yield tx
                except BaseException:
                    await self._rollback(conn)
                    raise
                try:
                    # NOTIFY is delivered at COMMIT, and only if it commits: the others
                    # are woken exactly when the change becomes visible to them.
                    await conn.execute("".join(
                        f"SELECT pg_notify('{CHANNEL}', current_schema() || ':{topic}'); "
                        for topic in sorted(tx.announce)) + "COMMIT")
                except DRIVER_ERRORS as exc:
                    await self._rollback(conn)
                    raise self._commit_error(exc) from exc
        finally:
            _IN_TRANSACTION.reset(token)

    def _commit_error(self, exc: BaseException) -> StorageError:
        """A connection lost during COMMIT leaves the outcome unknown: say so."""
        if isinstance(exc, CONNECTION_LOST):
            return StorageError(
                f"The connection to PostgreSQL at {self.target.where} was lost while saving "
                f"the change ({_reason(exc)}), so whether it was saved is not known. Look "
                "before trying again.")
        return self.error(exc, "saving the change")

    @asynccontextmanager
    async def _connection(self, doing: str) -> AsyncIterator[Conn]:
        try:
            conn = await self._pool.acquire()
        except DRIVER_ERRORS as exc:
            raise self.error(exc, doing) from exc
        try:
            yield conn
        finally:
            await self._pool.release(conn)

    async def _begin(self, conn: Conn, erasing: bool) -> None:
        try:
            # One round trip: the simple protocol runs the statements in order.
            await conn.execute(f"BEGIN; {_LOCK}; SET LOCAL coc_bot.erasure = 'on'"
                               if erasing else f"BEGIN; {_LOCK}")
        except DRIVER_ERRORS as exc:
            await self._rollback(conn)
            raise self.error(exc, "starting a change") from exc

    async def _rollback(self, conn: Conn) -> None:
        """Undo; a connection that cannot even roll back is closed, and the server rolls
        back whatever it held when the connection ends."""
        try:
            await conn.execute("ROLLBACK")
        except _ROLLBACK_FAILURES:
            # A lost connection may already be back in the pool, closed: nothing to do.
            with contextlib.suppress(asyncpg.InterfaceError):
                conn.terminate()

    async def notify(self, topic: str) -> None:
        """Tell every process listening on this schema that ``topic`` changed."""
        async with self._connection("announcing a change") as conn:
            try:
                await conn.execute(NOTIFY_SQL, topic)
            except DRIVER_ERRORS as exc:
                raise self.error(exc, "announcing a change") from exc

    async def applied_versions(self) -> list[int]:
        async with self._connection("reading the schema version") as conn:
            exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
            if not exists:
                return []
            return [int(v) for v in await conn.fetchval(
                "SELECT coalesce(array_agg(version ORDER BY version), '{}') "
                "FROM schema_migrations")]

    async def migrate(self) -> list[int]:
        """Apply each pending migration in its own transaction, under the lock every unit
        of work takes: a second process starting together waits, then finds it done."""
        migrations = load_migrations()
        applied: list[int] = []
        async with self._connection("migrating the schema") as conn:
            for migration in migrations:
                if await self._apply(conn, migration, len(migrations)):
                    applied.append(migration.version)
        return applied

    async def _apply(self, conn: Conn, migration: Migration, known: int) -> bool:
        await self._begin(conn, False)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            newest = await conn.fetchval("SELECT coalesce(max(version), 0) "
                                         "FROM schema_migrations")
            if newest > known:
                raise StorageError(
                    f"The database has schema version {newest}, newer than this coc-bot "
                    f"knows ({known}); upgrade coc-bot before running it.")
            if await conn.fetchval("SELECT 1 FROM schema_migrations WHERE version = $1",
                                   migration.version):
                await self._rollback(conn)
                return False
            for statement in migration.postgres:
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, "
                "to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))", migration.version, migration.name)
            await conn.execute("COMMIT")
            return True
        except CocBotError:
            await self._rollback(conn)
            raise
        except DRIVER_ERRORS as exc:
            await self._rollback(conn)
            raise StorageError(f"Migration {migration.label} failed on PostgreSQL: "
                               f"{_reason(exc)}. The database was left as it was before "
                               "it.") from exc

    async def backup(self, destination: str) -> None:
        raise StorageError("coc-bot backup copies a SQLite file. For PostgreSQL use its own "
                           "tools, e.g. pg_dump --format=custom (see the README).")

    async def watch(self) -> StorageError:
        """Never returns: a PostgreSQL server that goes away is reconnected to (each lost
        transaction is reported where it happened); there is no file to lose."""
        await self._forever.wait()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                await asyncio.wait_for(self._pool.close(), CONNECT_TIMEOUT_SECONDS)
            except CONNECTION_LOST:
                self._pool.terminate()
