"""The PostgreSQL tests are skipped, with the reason, only where there is no PostgreSQL and
nobody requires it; CI requires it (``.ci/run`` sets COC_BOT_REQUIRE_POSTGRES=1), so there
a missing server fails the suite instead of quietly shrinking it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import pg_server

ROOT = Path(__file__).resolve().parents[1]
ONE_TEST = "tests/storage/test_postgres.py::test_backup_points_to_the_postgresql_tools"


def _pytest_without_postgres(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in (pg_server.URL_ENV, pg_server.REQUIRE_ENV)}
    base[pg_server.BIN_ENV] = str(tmp_path / "no-postgres-here")
    return subprocess.run([sys.executable, "-m", "pytest", ONE_TEST, "-rs", "-p",
                           "no:cacheprovider"], capture_output=True, text=True, cwd=ROOT,
                          env={**base, **env}, timeout=120, check=False)


@pytest.mark.slow
def test_without_postgresql_the_tests_are_skipped_with_the_reason(tmp_path: Path) -> None:
    result = _pytest_without_postgres(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "no PostgreSQL server binaries" in result.stdout
    assert "no-postgres-here" in result.stdout


@pytest.mark.slow
def test_when_postgresql_is_required_its_absence_fails(tmp_path: Path) -> None:
    result = _pytest_without_postgres(tmp_path, **{pg_server.REQUIRE_ENV: "1"})
    assert result.returncode != 0
    assert "skipped" not in result.stdout
    assert f"{pg_server.REQUIRE_ENV} is set but no PostgreSQL server binaries" in result.stdout


def test_ci_requires_postgresql_and_runs_exactly_make_test() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert f"export {pg_server.REQUIRE_ENV}=1" in script
    commands = [line.strip() for line in script.splitlines()
                if line.strip() and not line.startswith((" ", "#", "set ", "cd ", "export ",
                                                         "if ", "fi", "#!"))]
    assert commands == ["make test"], commands
