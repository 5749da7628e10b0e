"""Persistence behind the domain's ``Storage`` port.

``open_storage(DATABASE_URL)`` is the only entry point the rest of the bot uses: a
``sqlite:///`` URL opens the embedded SQLite backend, a ``postgresql://`` one the
PostgreSQL backend; both pass the same contract (tests/storage/test_contract.py).
"""

from __future__ import annotations

from bot.core.ports import Storage
from storage.notify import PollingNotifier, notifier_for
from storage.sqlite import SqliteStorage
from storage.url import PostgresTarget, parse_database_url

DEFAULT_DATABASE_URL = "sqlite:///./coc-bot.db"


async def open_storage(url: str = DEFAULT_DATABASE_URL) -> Storage:
    """Open the database ``url`` names; ``ConfigError`` for a URL we cannot use."""
    target = parse_database_url(url)
    if isinstance(target, PostgresTarget):
        from storage.postgres import PostgresStorage  # asyncpg only when it is used

        return await PostgresStorage.open(target)
    return await SqliteStorage.open(target)


async def open_migrated(url: str = DEFAULT_DATABASE_URL) -> Storage:
    """Open and bring the schema up to date: what the bot and tests usually want."""
    store = await open_storage(url)
    try:
        await store.migrate()
    except BaseException:
        await store.close()
        raise
    return store


__all__ = ["DEFAULT_DATABASE_URL", "PollingNotifier", "SqliteStorage", "notifier_for",
           "open_migrated", "open_storage"]
