"""Numbered schema migrations shipped as package data.

Each ``NNNN_description.sql`` file runs once, in order, inside its own transaction, so a
failing migration leaves the database as it was before it. The files are split into
statements here rather than run with ``executescript``, because ``executescript`` commits
any open transaction first and would break that promise.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.core.errors import StorageError

_FILE_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql\Z")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


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


def parse_migrations(files: dict[str, str]) -> tuple[Migration, ...]:
    """Check names and numbering (1, 2, 3, ...) so a misnamed file fails loudly."""
    found: list[Migration] = []
    for file_name, script in files.items():
        match = _FILE_NAME.match(file_name)
        if match is None:
            raise StorageError(f"Migration file '{file_name}' is not named like "
                               "0001_description.sql, so coc-bot cannot tell its order.")
        try:
            statements = split_statements(script)
        except ValueError as exc:
            raise StorageError(f"Migration file '{file_name}' is malformed: {exc}.") from exc
        found.append(Migration(int(match.group(1)), match.group(2), statements))
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
