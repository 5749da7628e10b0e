"""Shared fixtures: a fake clock, real SQLite storage, fully wired services, and a real
PostgreSQL (``postgres_url``; see tests/pg_server.py) for the tests that need one."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from bot.core.clock import FakeClock
from bot.core.ports import Storage
from tests import pg_server
from tests.core.harness import Harness, build_harness

# Properties are about correctness: a shared CI machine under load must not fail one for
# taking longer than Hypothesis's 200 ms default (speed is measured in benchmarks/).
settings.register_profile("coc-bot", deadline=None)
settings.load_profile("coc-bot")


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


STORAGE_ENV = "COC_BOT_TEST_STORAGE"


@pytest.fixture
def storage_url(request: pytest.FixtureRequest) -> str:
    """SQLite in memory; ``COC_BOT_TEST_STORAGE=postgresql`` runs every test that uses
    ``storage`` (the services, the flows, both front-ends) on PostgreSQL instead."""
    if os.environ.get(STORAGE_ENV) == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return "sqlite:///:memory:"


@pytest.fixture
async def storage(storage_url: str) -> AsyncIterator[Storage]:
    from storage import open_storage

    store = await open_storage(storage_url)
    await store.migrate()
    yield store
    await store.close()


@pytest.fixture
async def harness(clock: FakeClock, storage: Storage) -> Harness:
    return await build_harness(clock, storage)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that runs on PostgreSQL ``postgres``: ``pytest -m postgres`` runs
    just those, and the marker says why a test needs the server."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        if fixtures & {"postgres_url", "postgres_server"} or "postgresql" in params:
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg_server.Server]:
    """One throwaway PostgreSQL for the session; skipped (with the reason) when there is
    none, failed instead when COC_BOT_REQUIRE_POSTGRES=1 (CI)."""
    try:
        server = pg_server.start()
    except pg_server.Unavailable as exc:
        if pg_server.required():
            pytest.fail(f"{pg_server.REQUIRE_ENV} is set but {exc}", pytrace=False)
        pytest.skip(f"no PostgreSQL to test against: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def postgres_url(postgres_server: pg_server.Server) -> AsyncIterator[str]:
    """A URL naming a fresh, empty schema of its own on the session's PostgreSQL, dropped
    after the test: as isolated as a new database, and far quicker to make."""
    import asyncpg

    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(postgres_server.url)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
    finally:
        await admin.close()
    joiner = "&" if "?" in postgres_server.url else "?"
    yield f"{postgres_server.url}{joiner}search_path={schema}"
    admin = await asyncpg.connect(postgres_server.url)
    try:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One database shared by several processes (tests/scale, Slack's several
    connections): a SQLite file in WAL mode, and a schema of its own on the session's
    PostgreSQL (skipped with the reason when there is no server, failed in CI). Every
    test that asks for it runs on both."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'shared.db'}"
