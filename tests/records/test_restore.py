"""``coc-bot restore FILE``: a backup goes back as the database; anything else is refused
with one line and nothing changed."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from tests.records.conftest import Seeded, cli


def _backup(seeded: Seeded, tmp_path: Path) -> Path:
    backup = tmp_path / "backups" / "monday.db"
    made = cli("backup", str(backup), env=seeded.env)
    assert made.returncode == 0, made.stderr
    return backup


def _cases(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM cases")]
    finally:
        conn.close()


async def test_restore_into_an_empty_place_then_refuse_to_overwrite_without_force(
        seeded: Seeded, tmp_path: Path) -> None:
    backup = _backup(seeded, tmp_path)
    target = tmp_path / "new" / "coc.db"
    env = {**seeded.env, "DATABASE_URL": f"sqlite:///{target}"}
    result = cli("restore", str(backup), env=env)
    assert result.returncode == 0, result.stderr
    assert _cases(target) == [seeded.case.id]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

    before = target.read_bytes()
    again = cli("restore", str(backup), env=env)
    assert again.returncode == 1 and "--force" in again.stderr
    assert target.read_bytes() == before

    forced = cli("restore", str(backup), "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    kept = list(target.parent.glob("coc.db.replaced-*"))
    assert kept and _cases(kept[0]) == [seeded.case.id]
    assert _cases(target) == [seeded.case.id]


async def test_files_that_are_not_a_usable_backup_are_refused(seeded: Seeded,
                                                               tmp_path: Path) -> None:
    target = tmp_path / "coc-restored.db"
    env = {**seeded.env, "DATABASE_URL": f"sqlite:///{target}"}
    text = tmp_path / "notes.txt"
    text.write_text("not a database", encoding="utf-8")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    newer = _backup(seeded, tmp_path)
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO schema_migrations (version, name, applied_at) "
                 "VALUES (999, 'from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    for file, expected in ((text, "not a coc-bot backup"), (other, "not a coc-bot backup"),
                           (newer, "newer coc-bot"), (tmp_path / "missing.db", "Cannot read")):
        result = cli("restore", str(file), env=env)
        assert result.returncode == 1, (file, result.stderr)
        assert expected in result.stderr and "Traceback" not in result.stderr
        assert not target.exists()
        assert not [n for n in os.listdir(tmp_path) if n.startswith("coc-restored.db.")]
