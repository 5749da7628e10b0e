"""Fixtures for tests that run several ``coc-bot run`` processes on one database.

``database_url`` is the one place that says which database they share: a SQLite file in
WAL mode today. A PostgreSQL backend parametrises this fixture (one more param, skipped
with its reason when no server is available), and every test here runs on both.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shared.db'}"
