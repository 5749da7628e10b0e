"""``coc-bot restore FILE``: put a backup back as the database.

Refuses, changing nothing, a file that is not a coc-bot backup (not SQLite, or no coc-bot
schema), a backup from a newer coc-bot (its schema has migrations this version does not
know), and an existing database unless ``--force`` (which keeps the replaced database
beside it, renamed, rather than destroying it). The copy is made with SQLite's backup API
into a new private file next to the database, checked, then renamed into place in one
step, so a failure half-way leaves the database as it was. Stop the bot first: a running
bot notices its file was replaced and stops (exit status 3) rather than write into the
old one.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.core.errors import InvalidInput, StorageError
from storage._files import create_private_file, database_path, ensure_folder
from storage._migrations import load_migrations
from storage.url import PostgresTarget, parse_database_url

SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_TABLES = frozenset({"schema_migrations", "audit_log", "reports", "cases"})


def check_backup(file: Path) -> int:
    """The backup's schema version; ``InvalidInput`` for anything that is not a backup
    this version of coc-bot can run on."""
    try:
        with file.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise InvalidInput(f"Cannot read {file}: {exc.strerror}.") from None
    if header != SQLITE_HEADER:
        raise InvalidInput(f"{file} is not a coc-bot backup (not an SQLite database).")
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            tables = {name for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables >= REQUIRED_TABLES:
                raise InvalidInput(f"{file} is an SQLite database but not a coc-bot backup "
                                   "(its tables are not coc-bot's).")
            (version,) = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
            (problem,) = conn.execute("PRAGMA integrity_check").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise InvalidInput(f"{file} cannot be read as a coc-bot backup: {exc}.") from None
    if problem != "ok":
        raise InvalidInput(f"{file} is damaged ({problem}); restore another backup.")
    known = len(load_migrations())
    if int(version or 0) > known:
        raise InvalidInput(f"{file} comes from a newer coc-bot (schema {version}; this "
                           f"version knows {known}). Upgrade coc-bot, then restore it.")
    return int(version or 0)


def restore(backup: str, database_url: str, *, force: bool, now: datetime | None = None,
            ) -> str:
    """Restore ``backup`` over the configured database; what was done, for the operator."""
    source = Path(backup).expanduser()
    version = check_backup(source)
    target_url = parse_database_url(database_url)
    if isinstance(target_url, PostgresTarget):
        raise InvalidInput("coc-bot restore restores a SQLite backup file. On PostgreSQL use "
                           "pg_restore with the dump pg_dump made (see the README).")
    if target_url.in_memory:
        raise InvalidInput("DATABASE_URL names an in-memory database; there is nothing to "
                           "restore into.")
    target = database_path(target_url.path)
    if source.resolve() == target.resolve():
        raise InvalidInput("That backup is the database itself.")
    exists = target.exists()
    if exists and not force:
        raise InvalidInput(f"A database already exists at {target}. Stop the bot, then run "
                           "the restore again with --force (the current database is kept "
                           "beside it, renamed).")
    ensure_folder(target)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    staging = target.with_name(f"{target.name}.restoring-{stamp}")
    if not create_private_file(staging):
        raise StorageError(f"{staging} already exists; remove it and try again.")
    try:
        _copy(source, staging)
        check_backup(staging)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    kept = ""
    previous = target.with_name(f"{target.name}.replaced-{stamp}")
    for suffix in ("", "-wal", "-shm", "-journal"):  # the journal holds recent changes
        side = target.with_name(target.name + suffix)
        if side.exists():
            os.replace(side, previous.with_name(previous.name + suffix))
    if exists:
        kept = f" The database it replaced is kept as {previous}."
    os.replace(staging, target)
    return (f"restored {source} (schema {version}) to {target}.{kept} Start the bot: it "
            "applies any newer migrations itself.\n")


def _copy(source: Path, destination: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()
