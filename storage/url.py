"""Reading ``DATABASE_URL`` into something a backend can open.

The URL is the one setting operators must get right before anything works, so a wrong one
is refused at start-up with the forms we accept, rather than creating a stray database
file somewhere unexpected. A PostgreSQL URL may carry a password, so messages never
echo a URL back; they name only its scheme, host, port, database and user.
``parse_database_url`` is the one check:
``run``, ``migrate``, ``backup`` and ``check-config`` all go through it, so check-config
cannot accept what run refuses. ``describe_database_url`` and ``redact_url`` are what the
bot shows of a URL: never a password, a query string or a fragment.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from bot.core.errors import ConfigError

SQLITE_PREFIX = "sqlite:///"
MEMORY = ":memory:"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*\Z")  # RFC 3986

ACCEPTED_FORMS = (
    "sqlite:///./coc-bot.db (a file relative to the working directory), "
    "sqlite:////absolute/path/coc-bot.db (an absolute path), "
    "sqlite:///:memory: (a throw-away database for tests), "
    "postgresql://user:password@host:5432/database (PostgreSQL; postgres:// also works)"
)
POSTGRES_SCHEMES = frozenset({"postgresql", "postgres"})
DEFAULT_POSTGRES_PORT = 5432


@dataclass(frozen=True, slots=True)
class SqliteTarget:
    """Where a SQLite database lives: a filesystem path or ``:memory:``."""

    path: str

    @property
    def in_memory(self) -> bool:
        return self.path == MEMORY

    def describe(self) -> str:
        """What check-config shows: the backend and the absolute file (no secrets)."""
        if self.in_memory:
            return "SQLite in memory (nothing is kept when coc-bot stops)"
        return f"SQLite file {os.path.abspath(os.path.expanduser(self.path))}"


@dataclass(frozen=True, slots=True, repr=False)
class PostgresTarget:
    """A PostgreSQL server and database. ``dsn`` holds the password: it is handed to the
    driver and never shown; ``describe()`` and ``repr()`` leave it out."""

    dsn: str
    host: str
    port: int
    database: str
    user: str

    in_memory = False  # no file, nothing to look for on disk

    def __repr__(self) -> str:
        return f"PostgresTarget({self.describe()!r})"

    @property
    def where(self) -> str:
        """``host:port``, what an operator checks first when nothing answers."""
        return f"{self.host}:{self.port}"

    def describe(self) -> str:
        who = f" as {self.user}" if self.user else ""
        return f"PostgreSQL database {self.database or '(the default)'} on {self.where}{who}"


def _refuse(problem: str) -> ConfigError:
    return ConfigError(f"DATABASE_URL {problem}. Accepted forms: {ACCEPTED_FORMS}.")


def _parse_postgres(text: str) -> PostgresTarget:
    """Host, port, database and user for messages; the driver gets the URL itself, so
    its query parameters (``sslmode=require``, ``host=/run/postgresql``) keep working."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise _refuse("names PostgreSQL but its host or port is malformed") from None
    if parts.fragment:
        raise _refuse("must not carry a fragment")
    query_host = ""
    for pair in parts.query.split("&"):
        key, _, value = pair.partition("=")
        if key == "host":
            query_host = unquote(value)
    host = parts.hostname or query_host or "localhost"
    database = unquote(parts.path.lstrip("/"))
    if "/" in database:
        raise _refuse("names PostgreSQL but its database name contains '/'")
    dsn = "postgresql" + text[text.index("://"):]  # asyncpg knows only this scheme
    return PostgresTarget(dsn, host, port or DEFAULT_POSTGRES_PORT, database,
                          unquote(parts.username or ""))


def parse_database_url(url: str) -> SqliteTarget | PostgresTarget:
    """Turn ``DATABASE_URL`` into a target; raise ``ConfigError`` naming the accepted forms."""
    text = url.strip()
    if not text:
        raise _refuse("is empty")
    scheme, sep, _ = text.partition("://")
    if not sep or not _SCHEME.match(scheme):
        # A "scheme" that is not one (``user:password@host://...``) is never echoed back.
        raise _refuse("is not a URL")
    scheme = scheme.lower()
    if scheme in POSTGRES_SCHEMES:
        return _parse_postgres(text)
    if scheme.startswith("postgres"):  # postgresql+asyncpg://: a SQLAlchemy form
        raise _refuse(f"uses the scheme '{scheme}'; write postgresql:// instead")
    if scheme != "sqlite":
        raise _refuse(f"uses the scheme '{scheme}', which coc-bot does not support")
    if not text.startswith(SQLITE_PREFIX):
        raise _refuse("must start with sqlite:/// (three slashes; a host name is not allowed)")
    path = text[len(SQLITE_PREFIX):]
    if not path:
        raise _refuse("names no database file")
    if "?" in path or "#" in path:
        raise _refuse("must not carry query parameters or a fragment")
    if path.endswith("/"):
        raise _refuse("names a directory, not a database file")
    return SqliteTarget(path)


def describe_database_url(url: str) -> str:
    """The database ``url`` names, for people to read; ``ConfigError`` as ``run`` would."""
    return parse_database_url(url).describe()


def redact_url(url: str) -> str:
    """``url`` safe to show in a repr or a log: ``postgresql://user:***@host/db``.

    The password (or a user-info part that may itself be a token), the query string and
    the fragment are replaced by ``***``; something that is not ``scheme://...`` at all
    is shown as ``***``, since there is no telling which part of it is secret.
    """
    text = url.strip()
    scheme, sep, rest = text.partition("://")
    if not sep or not _SCHEME.match(scheme):
        return "***"
    cut = len(rest)
    for mark in "/?#":
        found = rest.find(mark)
        if found != -1:
            cut = min(cut, found)
    netloc, tail = rest[:cut], rest[cut:]
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}:***@{host}" if colon and user else f"***@{host}"
    for mark in "?#":
        if mark in tail:
            tail = tail[:tail.index(mark)] + mark + "***"
    return f"{scheme}://{netloc}{tail}"
