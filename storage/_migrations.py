"""Numbered schema migrations shipped as package data: one history for both databases.

Each ``NNNN_description.sql`` file runs once, in order, inside its own transaction, so a
failing migration leaves the database as it was before it. A file is portable SQL unless
it marks dialect-specific parts with a line of its own::

    -- dialect: sqlite        (what follows runs on SQLite only)
    -- dialect: postgresql    (what follows runs on PostgreSQL only)
    -- dialect: both          (back to portable SQL; also the default at the top)

Portable parts are written as SQLite would read them (``INTEGER``, ``REAL``, ``TEXT``,
``STRICT`` tables) and ``to_postgres`` makes the few mechanical changes PostgreSQL needs:
a column typed ``INTEGER`` becomes ``BIGINT`` (SQLite's are 64-bit), ``REAL`` becomes
``DOUBLE PRECISION`` and the ``STRICT`` option goes (PostgreSQL columns are always
strict). Anything else SQLite-only (a trigger, a PRAGMA, a SQLite function) in a portable
part is refused when the migrations load, and a file with a SQLite part must have a
PostgreSQL part too: a migration cannot silently skip one database.

The files are split into statements here rather than run with ``executescript``, because
``executescript`` commits any open transaction first and would break that promise.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from bot.core.errors import StorageError

Dialect = Literal["sqlite", "postgresql"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgresql")

_FILE_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql\Z")
_MARKER = re.compile(r"^--\s*dialect:\s*(\S+)\s*$", re.MULTILINE)
_SQLITE_ONLY = re.compile(
    r"\b(?:CREATE\s+TRIGGER|DROP\s+TRIGGER|PRAGMA|RAISE\s*\(|coc_erasure|sqlite_\w+"
    r"|AUTOINCREMENT|WITHOUT\s+ROWID|strftime|julianday|INSERT\s+OR|REPLACE\s+INTO)\b",
    re.IGNORECASE)
_COLUMN_TYPE = re.compile(r"(?<=\s)(INTEGER|REAL)\b(?=\s*(?:NOT\b|NULL\b|PRIMARY\b|"
                          r"UNIQUE\b|DEFAULT\b|CHECK\b|REFERENCES\b|,|\)|;|$))")
_STRICT = re.compile(r"\)\s*STRICT\s*;\s*\Z", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]  # SQLite's
    postgres: tuple[str, ...] = ()  # PostgreSQL's

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"

    def for_dialect(self, dialect: Dialect) -> tuple[str, ...]:
        return self.statements if dialect == "sqlite" else self.postgres


def _is_blank(sql: str) -> bool:
    lines = (line.strip() for line in sql.splitlines())
    return all(not line or line.startswith("--") or line == ";" for line in lines)


def split_statements(script: str) -> tuple[str, ...]:
    """Cut a script into whole statements, trigger bodies included (SQLite decides)."""
    statements: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if not _is_blank(buffer):
                statements.append(buffer.strip())
            buffer = ""
    rest = buffer[:-1]  # the last piece got a ';' it never had
    if not _is_blank(rest):
        raise ValueError(f"unterminated SQL statement at the end: {rest.strip()[:60]!r}")
    return tuple(statements)


def split_postgres(script: str) -> tuple[str, ...]:
    """Cut a PostgreSQL part into statements: ``;`` ends one except inside quotes,
    comments and ``$tag$ ... $tag$`` bodies (PL/pgSQL functions)."""
    statements: list[str] = []
    start = i = 0
    size = len(script)
    while i < size:
        char = script[i]
        if script.startswith("--", i):
            i = script.find("\n", i)
            i = size if i == -1 else i
        elif script.startswith("/*", i):
            end = script.find("*/", i + 2)
            i = size if end == -1 else end + 2
        elif char in "'\"":
            end = script.find(char, i + 1)
            if end == -1:
                raise ValueError(f"unterminated quote in {script[i:i + 60]!r}")
            i = end + 1
        elif (tag := re.match(r"\$[A-Za-z_]*\$", script[i:])) is not None:
            end = script.find(tag.group(0), i + len(tag.group(0)))
            if end == -1:
                raise ValueError(f"unterminated {tag.group(0)} body")
            i = end + len(tag.group(0))
        elif char == ";":
            if not _is_blank(script[start:i]):
                statements.append(script[start:i + 1].strip())
            start = i = i + 1
        else:
            i += 1
    if not _is_blank(script[start:]):
        raise ValueError(f"unterminated SQL statement at the end: {script[start:].strip()[:60]!r}")
    return tuple(statements)


def to_postgres(statement: str) -> str:
    """A portable statement as PostgreSQL must read it (see the module docstring)."""
    head = _strip_comments(statement).lstrip().upper()
    if not (head.startswith("CREATE TABLE") or head.startswith("ALTER TABLE")):
        return statement
    statement = _STRICT.sub(");", statement)
    return _COLUMN_TYPE.sub(lambda m: "BIGINT" if m.group(1) == "INTEGER"
                            else "DOUBLE PRECISION", statement)


def _sections(script: str) -> list[tuple[str, str]]:
    """``(dialect, text)`` pieces in file order; the text before any marker is portable."""
    pieces: list[tuple[str, str]] = []
    dialect, start = "both", 0
    for match in _MARKER.finditer(script):
        pieces.append((dialect, script[start:match.start()]))
        dialect, start = match.group(1).lower(), match.end()
        if dialect not in ("both", *DIALECTS):
            raise ValueError(f"unknown dialect '{dialect}' (use sqlite, postgresql or both)")
    pieces.append((dialect, script[start:]))
    return pieces


def parse_migration(version: int, name: str, script: str) -> Migration:
    """One file's statements for each database; ValueError says what is wrong."""
    sqlite: list[str] = []
    postgres: list[str] = []
    seen: set[str] = set()
    for dialect, text in _sections(script):
        if dialect == "postgresql":
            postgres.extend(split_postgres(text))
            seen.add(dialect)
            continue
        statements = split_statements(text)
        sqlite.extend(statements)
        if dialect == "sqlite":
            seen.add(dialect)
            continue
        for statement in statements:
            found = _SQLITE_ONLY.search(_strip_comments(statement))
            if found is not None:
                raise ValueError(f"'{found.group(0)}' is SQLite-only; put it under "
                                 "'-- dialect: sqlite' with its PostgreSQL form under "
                                 "'-- dialect: postgresql'")
            postgres.append(to_postgres(statement))
    if seen == {"sqlite"}:
        raise ValueError("it has a SQLite-only part but no '-- dialect: postgresql' part "
                         "saying what PostgreSQL needs instead")
    if seen == {"postgresql"}:
        raise ValueError("it has a PostgreSQL-only part but no '-- dialect: sqlite' part")
    return Migration(version, name, tuple(sqlite), tuple(postgres))


def _strip_comments(statement: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in statement.splitlines())


def parse_migrations(files: dict[str, str]) -> tuple[Migration, ...]:
    """Check names and numbering (1, 2, 3, ...) so a misnamed file fails loudly."""
    found: list[Migration] = []
    for file_name, script in files.items():
        match = _FILE_NAME.match(file_name)
        if match is None:
            raise StorageError(f"Migration file '{file_name}' is not named like "
                               "0001_description.sql, so coc-bot cannot tell its order.")
        try:
            found.append(parse_migration(int(match.group(1)), match.group(2), script))
        except ValueError as exc:
            raise StorageError(f"Migration file '{file_name}' is malformed: {exc}.") from exc
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise StorageError(f"Migrations must be numbered 1, 2, 3, ... without gaps or "
                           f"repeats; found {versions}.")
    return tuple(found)


@cache
def load_migrations() -> tuple[Migration, ...]:
    """The migrations packaged with this version of coc-bot, in order."""
    folder = resources.files(__package__ or "storage").joinpath("migrations")
    files = {entry.name: entry.read_text(encoding="utf-8")
             for entry in folder.iterdir() if entry.name.endswith(".sql")}
    return parse_migrations(files)
