"""One migration history for both databases: every migration must say what it does on
PostgreSQL as well as SQLite, and the portable parts must really be portable.

These checks need no server, so a developer without PostgreSQL learns at once that a new
migration has no PostgreSQL form; the contract suite then applies the whole history to a
real PostgreSQL (test_contract.py, test_postgres.py: tables match the dataclasses).
"""

from __future__ import annotations

import pytest

from bot.core.errors import StorageError
from storage._migrations import (
    load_migrations,
    parse_migration,
    parse_migrations,
    split_postgres,
    to_postgres,
)


def test_every_packaged_migration_has_a_form_for_each_database() -> None:
    for migration in load_migrations():
        assert migration.statements, migration.label
        assert migration.postgres, f"{migration.label} does nothing on PostgreSQL"
        assert not any("dialect:" in sql for sql in migration.statements + migration.postgres)


def test_the_sqlite_parts_never_reach_postgresql() -> None:
    for migration in load_migrations():
        for statement in migration.postgres:
            assert " STRICT" not in statement.upper().replace("RESTRICT", ""), statement
            assert "RAISE(ABORT" not in statement and "coc_erasure()" not in statement


@pytest.mark.parametrize("portable", [
    "CREATE TRIGGER t BEFORE UPDATE ON x BEGIN SELECT RAISE(ABORT, 'no'); END;",
    "DROP TRIGGER audit_log_no_update;",
    "PRAGMA foreign_keys = ON;",
    "INSERT OR IGNORE INTO x (id) VALUES ('a');",
    "UPDATE x SET at = strftime('%s', 'now');",
    "CREATE TABLE x (id INTEGER PRIMARY KEY AUTOINCREMENT);",
])
def test_a_sqlite_only_statement_in_a_portable_part_is_refused(portable: str) -> None:
    with pytest.raises(ValueError, match="SQLite-only"):
        parse_migration(8, "new", portable)
    with pytest.raises(StorageError, match=r"0008_new\.sql"):
        parse_migrations({"0008_new.sql": portable} | _existing())


def _existing() -> dict[str, str]:
    """Stand-ins for 0001..0007, so numbering is not what fails."""
    return {f"{n:04d}_m.sql": "CREATE TABLE t (id TEXT PRIMARY KEY) STRICT;"
            for n in range(1, 8)}


def test_a_sqlite_part_needs_a_postgresql_part_and_the_other_way_round() -> None:
    sqlite_only = "-- dialect: sqlite\nCREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;\n"
    with pytest.raises(ValueError, match="no '-- dialect: postgresql' part"):
        parse_migration(8, "new", sqlite_only)
    with pytest.raises(ValueError, match="no '-- dialect: sqlite' part"):
        parse_migration(8, "new", "-- dialect: postgresql\nSELECT 1;\n")
    with pytest.raises(ValueError, match="unknown dialect 'mysql'"):
        parse_migration(8, "new", "-- dialect: mysql\nSELECT 1;\n")
    both = parse_migration(8, "new", sqlite_only + "-- dialect: postgresql\nSELECT 2;\n"
                           "-- dialect: both\nCREATE INDEX i ON x (a);\n")
    assert both.statements == (sqlite_only.split("\n", 1)[1].strip(), "CREATE INDEX i ON x (a);")
    assert both.postgres == ("SELECT 2;", "CREATE INDEX i ON x (a);")


def test_portable_tables_are_translated_for_postgresql() -> None:
    sql = ("CREATE TABLE votes (\n    id TEXT PRIMARY KEY,\n    weight REAL NOT NULL,\n"
           "    count INTEGER,\n    note TEXT DEFAULT 'INTEGER'\n) STRICT;")
    assert to_postgres(sql) == (
        "CREATE TABLE votes (\n    id TEXT PRIMARY KEY,\n    weight DOUBLE PRECISION NOT NULL,"
        "\n    count BIGINT,\n    note TEXT DEFAULT 'INTEGER'\n);")
    assert to_postgres("ALTER TABLE cases ADD COLUMN seats INTEGER;") == \
        "ALTER TABLE cases ADD COLUMN seats BIGINT;"
    data = "UPDATE x SET kind = 'INTEGER' WHERE n = 1;"
    assert to_postgres(data) == data  # only table definitions are touched


def test_postgresql_parts_split_around_function_bodies_quotes_and_comments() -> None:
    script = """
    CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'no; never'; END;
    $$;
    -- a comment; with a semicolon
    SELECT 'a;b', "odd;name" FROM t; /* c; d */
    CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
    """
    parts = split_postgres(script)
    assert len(parts) == 3, parts
    assert parts[0].startswith("CREATE FUNCTION f()") and parts[0].endswith("$$;")
    assert parts[2].endswith("$body$;")
    with pytest.raises(ValueError, match="unterminated"):
        split_postgres("CREATE FUNCTION f() AS $$ BEGIN;")
