"""Persistence behind the domain's ``Storage`` port.

``open_storage(DATABASE_URL)`` is the only entry point the rest of the bot uses, so a
second backend (PostgreSQL) slots in here without anything else changing.
"""

from __future__ import annotations

from bot.core.ports import Storage
from storage.notify import PollingNotifier, notifier_for
from storage.sqlite import SqliteStorage
from storage.url import parse_database_url

DEFAULT_DATABASE_URL = "sqlite:///./coc-bot.db"


async def open_storage(url: str = DEFAULT_DATABASE_URL) -> Storage:
    """Open the database ``url`` names; ``ConfigError`` for a URL we cannot use."""
    return await SqliteStorage.open(parse_database_url(url))


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
