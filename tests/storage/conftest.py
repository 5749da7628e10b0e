"""Fixtures for the storage contract: every backend URL the suite runs against.

Every backend is here: SQLite in memory and in a file, and PostgreSQL (a fresh schema on
the throwaway server of ``tests/pg_server.py``; skipped with the reason when there is no
PostgreSQL, never in CI). The tests in ``test_contract.py`` hold them all to exactly the
same behaviour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.ports import Storage
from storage import open_migrated

BACKENDS = ("sqlite-memory", "sqlite-file", "postgresql")


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL naming a fresh, empty database of one backend."""
    if request.param == "sqlite-memory":
        return "sqlite:///:memory:"
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path / 'contract.db'}"
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    raise AssertionError(f"unknown backend {request.param}")


@pytest.fixture
async def store(backend_url: str) -> AsyncIterator[Storage]:
    """A migrated, empty store on ``backend_url``, closed after the test."""
    opened = await open_migrated(backend_url)
    try:
        yield opened
    finally:
        await opened.close()
