"""``DATABASE_URL`` parsing: the forms we accept, and refusals that help and never leak."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import ConfigError
from storage.url import (
    ACCEPTED_FORMS,
    PostgresTarget,
    SqliteTarget,
    describe_database_url,
    parse_database_url,
    redact_url,
)

GOOD = [
    ("sqlite:///./coc-bot.db", "./coc-bot.db", False),
    ("sqlite:///coc-bot.db", "coc-bot.db", False),
    ("sqlite:////var/lib/coc-bot/bot.db", "/var/lib/coc-bot/bot.db", False),
    ("sqlite:///:memory:", ":memory:", True),
    ("  sqlite:///data/bot.db\n", "data/bot.db", False),
    ("sqlite:///~/bot.db", "~/bot.db", False),
    ("sqlite:///data/naïve ü.db", "data/naïve ü.db", False),
]


@pytest.mark.parametrize(("url", "path", "in_memory"), GOOD, ids=[g[0].strip() for g in GOOD])
def test_accepted_urls(url: str, path: str, in_memory: bool) -> None:
    target = parse_database_url(url)
    assert isinstance(target, SqliteTarget)
    assert target.path == path
    assert target.in_memory is in_memory


POSTGRES = [
    ("postgresql://coc:s3cret@db.example:6543/coc", "db.example", 6543, "coc", "coc"),
    ("postgres://coc:s3cret@db.example/coc?sslmode=require", "db.example", 5432, "coc", "coc"),
    ("POSTGRESQL://coc@10.0.0.5/bot", "10.0.0.5", 5432, "bot", "coc"),
    ("postgresql://[::1]:5433/coc", "::1", 5433, "coc", ""),
    ("postgresql:///coc?host=/run/postgresql", "/run/postgresql", 5432, "coc", ""),
    ("postgresql://a%40b:p%2Fw@h/my%20db", "h", 5432, "my db", "a@b"),
]


@pytest.mark.parametrize(("url", "host", "port", "database", "user"), POSTGRES,
                         ids=[p[0] for p in POSTGRES])
def test_postgres_urls_are_accepted_and_described_without_the_password(
        url: str, host: str, port: int, database: str, user: str) -> None:
    target = parse_database_url(url)
    assert isinstance(target, PostgresTarget)
    assert (target.host, target.port, target.database, target.user) == (host, port, database,
                                                                         user)
    assert target.dsn.startswith("postgresql://")  # the one scheme the driver knows
    shown = [target.describe(), repr(target), describe_database_url(url)]
    assert all(f"{host}:{port}" in text for text in shown), shown
    assert not any("s3cret" in text or "p%2Fw" in text or "p/w" in text for text in shown)


BAD = [
    ("", "empty"),
    ("   ", "empty"),
    ("coc-bot.db", "not a URL"),
    ("://coc-bot.db", "not a URL"),
    ("sqlite:/coc-bot.db", "not a URL"),
    ("sqlite://coc-bot.db", "three slashes"),
    ("sqlite://host/coc-bot.db", "three slashes"),
    ("sqlite:///", "names no database"),
    ("sqlite:///coc-bot.db?mode=ro", "query"),
    ("sqlite:///coc-bot.db#frag", "fragment"),
    ("sqlite:///data/", "directory"),
    ("mysql://user:secret@db.example/coc", "mysql"),
    ("postgresql+asyncpg://u:secret@h/db", "write postgresql://"),
    ("postgresql://u:secret@h:99999/db", "host or port is malformed"),
    ("postgresql://u:secret@h:port/db", "host or port is malformed"),
    ("postgresql://u:secret@h/db#frag", "fragment"),
    ("sqlite://u:secret@h/coc-bot.db", "three slashes"),
    ("u:secret@h://db", "not a URL"),
    ("https://u:secret@example.com/x.db", "https"),
]


@pytest.mark.parametrize(("url", "problem"), BAD, ids=[b[0] or "<empty>" for b in BAD])
def test_refused_urls(url: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_database_url(url)
    message = str(caught.value)
    assert problem in message
    assert "DATABASE_URL" in message
    assert ACCEPTED_FORMS in message, "a refusal must show the accepted forms"
    assert "sqlite:///:memory:" in message
    assert "secret" not in message, "a refusal must never echo a password"
    assert message == caught.value.message


REDACTED = [
    ("postgresql://coc:s3cret@db.example:5432/coc", "postgresql://coc:***@db.example:5432/coc"),
    ("postgres://u:s3cret@h/db?sslmode=require&password=s3cret#x", "postgres://u:***@h/db?***"),
    ("https://s3cret@proxy.example/api/", "https://***@proxy.example/api/"),
    ("postgresql://:s3cret@h/db", "postgresql://***@h/db"),
    ("u:s3cret@h://db", "***"),
    ("user:s3cret@host/db", "***"),
    ("sqlite:///./coc-bot.db", "sqlite:///./coc-bot.db"),
    ("https://discord.com/api/v10", "https://discord.com/api/v10"),
]


@pytest.mark.parametrize(("url", "shown"), REDACTED, ids=[r[0] for r in REDACTED])
def test_redact_url_never_shows_a_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "s3cret" not in redact_url(url)


def test_describe_names_the_backend_and_the_absolute_file(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert describe_database_url("sqlite:///./bot.db") == f"SQLite file {tmp_path / 'bot.db'}"
    assert describe_database_url("sqlite:///:memory:").startswith("SQLite in memory")
    assert describe_database_url("postgresql://u:s3cret@h/db") == \
        "PostgreSQL database db on h:5432 as u"
