"""The ``Notifier`` port for a database without push notifications: polling one row.

Each topic is a ``platform_state`` row (``notify:<topic>``) whose value a publisher
replaces with a fresh token; every listening process reads the row once per ``interval``
and calls its listeners when the token changed. That is one indexed primary-key read per
topic per second, cheap on SQLite in WAL mode (readers never block the writer), and a
process learns of a change within about a second instead of at the next minute's sweep.

PostgreSQL implements the same port with ``LISTEN``/``NOTIFY`` (no polling,
``storage/pg_notify.py``): :func:`notifier_for` is the one place that chooses.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import defaultdict
from datetime import UTC, datetime

from bot.core.models import PlatformState
from bot.core.ports import Listener, Notifier, Storage

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
PREFIX = "notify:"


class PollingNotifier:
    """See the module docstring."""

    announces: frozenset[str] = frozenset()

    def __init__(self, storage: Storage, interval: float = POLL_SECONDS) -> None:
        self._storage = storage
        self._interval = interval
        self._listeners: dict[str, list[Listener]] = defaultdict(list)
        self._seen: dict[str, str | None] = {}

    async def publish(self, topic: str) -> None:
        token = secrets.token_hex(8)
        async with self._storage.transaction() as tx:
            await tx.upsert(PlatformState(PREFIX + topic, token, datetime.now(UTC)))

    def subscribe(self, topic: str, listener: Listener) -> None:
        self._listeners[topic].append(listener)

    async def poll(self) -> list[str]:
        """Read every subscribed topic once; call the listeners of those that changed
        since the last read (the first read only sets the baseline). Returns them."""
        changed = []
        async with self._storage.transaction() as tx:
            for topic in self._listeners:
                row = await tx.get(PlatformState, PREFIX + topic)
                value = row.value if row is not None else None
                if topic in self._seen and self._seen[topic] != value:
                    changed.append(topic)
                self._seen[topic] = value
        for topic in changed:
            for listener in self._listeners[topic]:
                try:
                    await listener()
                except Exception:  # one listener's failure must not stop the others
                    log.exception("a listener of %s failed", topic)
        return changed

    async def run(self) -> None:
        while True:
            try:
                await self.poll()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is briefly busy or gone: try again
                log.warning("notifier: could not poll (%s); retrying", exc)
            await asyncio.sleep(self._interval)


def notifier_for(storage: Storage, interval: float = POLL_SECONDS) -> Notifier:
    """The notifier that suits ``storage``: ``LISTEN``/``NOTIFY`` on PostgreSQL, polling
    a row on SQLite (``interval`` is the polling period)."""
    if type(storage).__name__ == "PostgresStorage":  # asyncpg only when it is used
        from storage.pg_notify import PostgresNotifier
        from storage.postgres import PostgresStorage

        assert isinstance(storage, PostgresStorage)
        return PostgresNotifier(storage.target, storage)
    return PollingNotifier(storage, interval)
