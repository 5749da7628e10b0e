"""The ``Notifier`` port on PostgreSQL: ``LISTEN``/``NOTIFY``, no polling.

All of coc-bot's notifications travel on one channel, ``coc_bot``, with the payload
``<schema>:<topic>``: channels are per database, not per schema, so two deployments (or
two tests) in different schemas of one database must not wake each other. The listener
keeps one dedicated connection (``LISTEN`` belongs to a session, so it cannot live in
the pool) and reconnects with backoff when it drops. After every (re)connection each
topic's listeners are called once: a notification sent while nobody listened is lost,
and the call makes the process look at the database instead.

The ``timed`` topic is announced by the database itself: a transaction that created or
moved a timed action sends ``NOTIFY`` just before its ``COMMIT`` (see
``storage/postgres.py``), so the others are told exactly when the row becomes visible,
never before and never for a rolled-back change. The scheduler does not publish it again
(``announces``).

A silently dead connection (a firewall dropping idle flows) is found by a ``SELECT 1``
every ``HEARTBEAT_SECONDS`` without a notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Any

import asyncpg

from bot.core.ports import Listener
from storage._pg_tx import DRIVER_ERRORS
from storage.url import PostgresTarget

log = logging.getLogger(__name__)

CHANNEL = "coc_bot"
TIMED = "timed"
"""The topic ``PostgresStorage`` announces on commit (the scheduler's ``TOPIC``)."""
HEARTBEAT_SECONDS = 10.0
FIRST_BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 5.0
_LOST: tuple[type[BaseException], ...] = (*DRIVER_ERRORS, OSError)
NOTIFY_SQL = f"SELECT pg_notify('{CHANNEL}', current_schema() || ':' || $1::text)"


class PostgresNotifier:
    """See the module docstring."""

    announces = frozenset({TIMED})

    def __init__(self, target: PostgresTarget, publisher: Any,
                 heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self._target = target
        self._publisher = publisher  # the storage: ``notify(topic)`` on a pooled connection
        self._heartbeat = heartbeat
        self._listeners: dict[str, list[Listener]] = defaultdict(list)
        self._pending: asyncio.Queue[str | None] = asyncio.Queue()
        self._schema = ""
        self.connection: asyncpg.Connection[Any] | None = None
        self.connected = asyncio.Event()
        """Set while listening; tests and readiness read it."""
        self.connections = 0
        """How many times a listening connection was made (1 + reconnections)."""

    async def publish(self, topic: str) -> None:
        await self._publisher.notify(topic)

    def subscribe(self, topic: str, listener: Listener) -> None:
        self._listeners[topic].append(listener)

    def _heard(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        schema, _, topic = str(payload).rpartition(":")
        if schema == self._schema and topic in self._listeners:
            self._pending.put_nowait(topic)

    def _lost(self, _conn: object) -> None:
        self.connected.clear()
        self._pending.put_nowait(None)  # wake the loop so it reconnects at once

    async def _connect(self) -> asyncpg.Connection[Any]:
        conn = await asyncpg.connect(self._target.dsn, timeout=10,
                                     server_settings={"application_name": "coc-bot notify"})
        try:
            self._schema = str(await conn.fetchval("SELECT current_schema()"))
            await conn.add_listener(CHANNEL, self._heard)
            conn.add_termination_listener(self._lost)
        except BaseException:
            conn.terminate()
            raise
        return conn

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with backoff whenever the connection drops."""
        delay = FIRST_BACKOFF_SECONDS
        try:
            while True:
                try:
                    self.connection = await self._connect()
                except _LOST as exc:
                    log.warning("notifier: could not listen on PostgreSQL at %s (%s); "
                                "retrying in %.1f s", self._target.where, exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_BACKOFF_SECONDS)
                    continue
                delay = FIRST_BACKOFF_SECONDS
                self.connections += 1
                self.connected.set()
                await self._deliver(set(self._listeners))  # whatever was missed meanwhile
                await self._listen(self.connection)
                log.warning("notifier: the listening connection to %s dropped; reconnecting",
                            self._target.where)
        finally:
            self.connected.clear()
            if self.connection is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.connection.close(), 2)
                self.connection.terminate()

    async def _listen(self, conn: asyncpg.Connection[Any]) -> None:
        """Deliver notifications until the connection is lost."""
        while not conn.is_closed():
            try:
                first = await asyncio.wait_for(self._pending.get(), self._heartbeat)
            except TimeoutError:
                try:
                    await conn.fetchval("SELECT 1", timeout=self._heartbeat)
                except _LOST:
                    conn.terminate()
                    return
                continue
            topics = {first}
            while not self._pending.empty():  # a burst is delivered once
                topics.add(self._pending.get_nowait())
            await self._deliver({t for t in topics if t is not None})
        self.connected.clear()

    async def _deliver(self, topics: set[str]) -> None:
        for topic in topics:
            for listener in self._listeners[topic]:
                try:
                    await listener()
                except Exception:  # one listener's failure must not stop the others
                    log.exception("a listener of %s failed", topic)
