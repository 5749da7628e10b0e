"""The ``coc-bot`` command as a person meets it: clear messages, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "COC_BOT_CONFIG")}
    base.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env=base, cwd=cwd or ROOT, timeout=60, check=False)


def test_run_without_a_token_explains_what_to_set(tmp_path: Path) -> None:
    result = run("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr and "SLACK_BOT_TOKEN" in result.stderr
    assert "COC_BOT_CONFIG" in result.stderr and "README" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_prints_a_summary() -> None:
    result = run("--config", "config/example.toml", "check-config")
    assert result.returncode == 0, result.stderr
    assert "quorum 4" in result.stdout and "22 clauses" in result.stdout


def test_a_bad_config_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[policy]\nquorum = 0\n", encoding="utf-8")
    result = run("--config", str(bad), "check-config")
    assert result.returncode == 2
    assert "policy.quorum" in result.stderr and "Traceback" not in result.stderr


def test_token_without_the_platform_table_is_explained(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("", encoding="utf-8")
    result = run("--config", str(config), "run",
                 env={"DISCORD_TOKEN": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite"})
    assert result.returncode == 2
    assert "[discord]" in result.stderr and "Traceback" not in result.stderr


def test_migrate_creates_the_database(tmp_path: Path) -> None:
    db = tmp_path / "coc.db"
    env = {"DATABASE_URL": f"sqlite:///{db}"}
    first = run("--config", "config/example.toml", "migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert db.exists()
    again = run("--config", "config/example.toml", "migrate", env=env)
    assert "none (up to date)" in again.stdout


def test_config_is_accepted_after_the_command_and_automod_is_summarised(
        capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    example = Path(__file__).resolve().parents[2] / "config" / "example.toml"
    assert main(["check-config", "--config", str(example)]) == 0
    out = capsys.readouterr().out
    assert "Automod: on," in out and "rules enabled" in out


def test_backup_copies_a_consistent_database_and_never_overwrites(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    from bot.cli import main

    db, copy = tmp_path / "bot.db", tmp_path / "copy.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("COC_BOT_CONFIG", str(Path(__file__).resolve().parents[2] / "config"
                                          / "example.toml"))
    assert main(["migrate"]) == 0
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO audit_log (id, at, action, subject_type, subject_id, "
                     "automated) VALUES ('a1', '2026-01-05T20:00:00.000000+00:00', 'x', "
                     "'y', 'z', 0)")
    assert main(["backup", str(copy)]) == 0
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT id FROM audit_log").fetchall() == [("a1",)]
    capsys.readouterr()
    assert main(["backup", str(copy)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_backup_of_a_missing_database_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "typo.db"
    result = run("--config", "config/example.toml", "backup", str(tmp_path / "copy.db"),
                 env={"DATABASE_URL": f"sqlite:///{db}"})
    assert result.returncode == 1 and "no database to back up" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_log_level_is_one_line_not_a_traceback() -> None:
    result = run("--log-level", "LOUD", "--config", "config/example.toml", "check-config")
    assert result.returncode == 2 and "unknown log level 'LOUD'" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_says_when_nobody_can_vote(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The config's committee gives standing; votes need seats, and check-config says so."""
    import asyncio
    from datetime import UTC, date, datetime

    from bot.cli import main
    from bot.core.identity import PersonRef, PlatformName
    from bot.core.models import Appointment, Office
    from storage import open_migrated

    example = str(ROOT / "config" / "example.toml")
    db = tmp_path / "coc.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    assert main(["check-config", "--config", example]) == 0
    assert "No committee seat is appointed" in capsys.readouterr().out
    assert not db.exists()  # a check creates no database

    async def seat(count: int) -> None:
        storage = await open_migrated(f"sqlite:///{db}")
        async with storage.transaction() as tx:
            for n in range(count):
                await tx.insert(Appointment(
                    f"P-{n}", PersonRef(PlatformName.SLACK, "T1", f"U{n}"), Office.COMMITTEE,
                    date(2025, 1, 1), datetime(2025, 1, 1, tzinfo=UTC), None, seat=n + 1))
        await storage.close()

    asyncio.run(seat(2))
    assert main(["check-config", "--config", example]) == 0
    assert "Only 2 committee seats are appointed and the quorum is 4" in capsys.readouterr().out


def test_check_config_names_a_bad_raid_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[raid]\nrestraint = 'nuke'\n", encoding="utf-8")
    result = run("--config", str(bad), "check-config")
    assert result.returncode == 2
    assert "raid.restraint" in result.stderr and "Traceback" not in result.stderr


def test_the_commands_accept_a_postgresql_url(postgres_url: str, tmp_path: Path) -> None:
    """migrate, check-config and the record tools on PostgreSQL; backup points to pg_dump."""
    env = {"DATABASE_URL": postgres_url}
    first = run("--config", "config/example.toml", "migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert "applied migrations: [1, 2," in first.stdout
    again = run("--config", "config/example.toml", "migrate", env=env)
    assert "none (up to date)" in again.stdout, again.stderr
    check = run("--config", "config/example.toml", "check-config", env=env)
    assert check.returncode == 0, check.stderr
    assert "Roster:" in check.stdout and "Traceback" not in check.stderr
    assert "Database: PostgreSQL database postgres on 127.0.0.1:" in check.stdout
    backup = run("--config", "config/example.toml", "backup", str(tmp_path / "b.db"), env=env)
    assert backup.returncode != 0 and "pg_dump" in backup.stderr
    assert not (tmp_path / "b.db").exists() and "Traceback" not in backup.stderr
