"""Reading ``DATABASE_URL`` into something a backend can open.

The URL is the one setting operators must get right before anything works, so a wrong one
is refused at start-up with the forms we accept, rather than creating a stray database
file somewhere unexpected. The URL may carry a password (PostgreSQL later), so messages
never echo it back; they name only its scheme. ``parse_database_url`` is the one check:
``run``, ``migrate``, ``backup`` and ``check-config`` all go through it, so check-config
cannot accept what run refuses. ``describe_database_url`` and ``redact_url`` are what the
bot shows of a URL: never a password, a query string or a fragment.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from bot.core.errors import ConfigError

SQLITE_PREFIX = "sqlite:///"
MEMORY = ":memory:"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*\Z")  # RFC 3986

ACCEPTED_FORMS = (
    "sqlite:///./coc-bot.db (a file relative to the working directory), "
    "sqlite:////absolute/path/coc-bot.db (an absolute path), "
    "sqlite:///:memory: (a throw-away database for tests)"
)


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


def _refuse(problem: str) -> ConfigError:
    return ConfigError(f"DATABASE_URL {problem}. Accepted forms: {ACCEPTED_FORMS}.")


def parse_database_url(url: str) -> SqliteTarget:
    """Turn ``DATABASE_URL`` into a target; raise ``ConfigError`` naming the accepted forms."""
    text = url.strip()
    if not text:
        raise _refuse("is empty")
    scheme, sep, _ = text.partition("://")
    if not sep or not _SCHEME.match(scheme):
        # A "scheme" that is not one (``user:password@host://...``) is never echoed back.
        raise _refuse("is not a URL")
    scheme = scheme.lower()
    if scheme.startswith("postgres"):
        raise _refuse("names PostgreSQL, which this version of coc-bot does not support yet")
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
