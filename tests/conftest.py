"""Shared fixtures: a fake clock, real SQLite storage, and fully wired services."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from bot.core.clock import FakeClock
from bot.core.ports import Storage
from tests.core.harness import Harness, build_harness


@pytest.fixture(autouse=True)
def _restore_log_levels() -> Iterator[None]:
    """``bot.cli.main`` configures logging for its process; in-process calls must not
    leave those levels behind for the next test."""
    from bot.log_setup import PAYLOAD_LOGGERS

    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in PAYLOAD_LOGGERS)]
    levels = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


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
