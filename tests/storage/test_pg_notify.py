"""PostgreSQL's ``Notifier``: ``LISTEN``/``NOTIFY`` across connections, sent on commit.

Each test uses two storages on one schema (two "processes": separate pools) and a
notifier listening on a connection of its own. Whether something was *not* announced is
decided by ordering, not by waiting: notifications from one session arrive in commit
order, so when a later marker arrives, anything announced before it has arrived too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.core.models import ActionKind, ActionStatus, ScheduledAction
from bot.scheduler import TOPIC
from storage import notifier_for, open_migrated
from storage.pg_notify import PostgresNotifier
from storage.postgres import PostgresStorage
from tests.waiting import DEADLINE

WAIT = DEADLINE  # a bound for a hung test, far above the milliseconds a NOTIFY takes
MARK = "marker"


class Ear:
    """A notifier in its own "process", recording what it heard, in order."""

    def __init__(self, notifier: PostgresNotifier) -> None:
        self.notifier = notifier
        self.heard: list[str] = []
        self.changed = asyncio.Condition()
        for topic in (TOPIC, MARK):
            notifier.subscribe(topic, self._listener(topic))

    def _listener(self, topic: str):  # type: ignore[no-untyped-def]
        async def heard() -> None:
            async with self.changed:
                self.heard.append(topic)
                self.changed.notify_all()
        return heard

    async def wait_for(self, topic: str, count: int = 1) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(
                lambda: self.heard.count(topic) >= count), WAIT)


@pytest.fixture
async def pair(postgres_url: str) -> AsyncIterator[tuple[PostgresStorage, Ear]]:
    here, there = await open_migrated(postgres_url), await open_migrated(postgres_url)
    assert isinstance(here, PostgresStorage) and isinstance(there, PostgresStorage)
    notifier = notifier_for(there)
    assert isinstance(notifier, PostgresNotifier)
    ear = Ear(notifier)
    listening = asyncio.create_task(notifier.run())
    try:
        await asyncio.wait_for(notifier.connected.wait(), WAIT)
        await ear.wait_for(TOPIC)  # the catch-up call every (re)connection makes
        ear.heard.clear()
        yield here, ear
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
        await here.close()
        await there.close()


def _action(subject: str) -> ScheduledAction:
    return ScheduledAction(ScheduledAction.key_for(ActionKind.REPORT_DUE, subject),
                           ActionKind.REPORT_DUE, subject, datetime.now(UTC))


async def test_a_new_timed_action_wakes_another_process_when_it_commits(
        pair: tuple[PostgresStorage, Ear]) -> None:
    here, ear = pair
    assert TOPIC in ear.notifier.announces  # so the scheduler does not publish it again
    async with here.transaction() as tx:
        for n in range(50):
            await tx.insert(_action(f"r{n}"))
        assert ear.heard == []  # not before the commit
    await ear.wait_for(TOPIC)
    await here.notify(MARK)
    await ear.wait_for(MARK)
    assert ear.heard == [TOPIC, MARK]  # fifty rows, one wake-up


async def test_rollbacks_claims_and_completions_wake_nobody(
        pair: tuple[PostgresStorage, Ear]) -> None:
    here, ear = pair
    action = _action("r1")
    with pytest.raises(RuntimeError):
        async with here.transaction() as tx:
            await tx.insert(action)
            raise RuntimeError("rolled back")
    async with here.transaction() as tx:
        await tx.insert(action)
    await ear.wait_for(TOPIC)
    async with here.transaction() as tx:  # what running an action writes
        running = replace(action, status=ActionStatus.RUNNING, claimed_by="w")
        assert await tx.update_if(running, status=ActionStatus.PENDING)
    async with here.transaction() as tx:
        await tx.update(replace(running, status=ActionStatus.DONE))
    await here.notify(MARK)
    await ear.wait_for(MARK)
    assert ear.heard == [TOPIC, MARK]


async def test_a_dropped_listening_connection_reconnects_and_hears_again(
        pair: tuple[PostgresStorage, Ear]) -> None:
    here, ear = pair
    connection = ear.notifier.connection
    assert connection is not None
    # Cut it from the server's side, as an administrator or a failover would.
    pool_conn = await here._pool.acquire()
    try:
        assert await pool_conn.fetchval("SELECT pg_terminate_backend($1)",
                                        connection.get_server_pid())
    finally:
        await here._pool.release(pool_conn)
    # On reconnecting, the listeners are called once: a notice sent meanwhile was lost.
    await ear.wait_for(TOPIC)
    assert ear.notifier.connections == 2 and ear.notifier.connected.is_set()
    assert ear.notifier.connection is not connection
    async with here.transaction() as tx:
        await tx.insert(_action("after"))
    await ear.wait_for(TOPIC, 2)
