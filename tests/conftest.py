"""Shared fixtures: a fake clock, real SQLite storage, and fully wired services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.core.clock import FakeClock
from bot.core.ports import Storage
from tests.core.harness import Harness, build_harness


@pytest.fixture
def clock() -> FakeClock:
    # A Monday afternoon in Chicago, so business-day rules are easy to read.
    return FakeClock(datetime(2026, 1, 5, 20, 0, tzinfo=UTC))


@pytest.fixture
async def storage() -> AsyncIterator[Storage]:
    from storage import open_storage

    store = await open_storage("sqlite:///:memory:")
    await store.migrate()
    yield store
    await store.close()


@pytest.fixture
async def harness(clock: FakeClock, storage: Storage) -> Harness:
    return await build_harness(clock, storage)
