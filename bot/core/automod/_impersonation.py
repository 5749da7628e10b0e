"""Impersonation: display names that read as a staff, committee or counsel member's name.

Names are compared in skeleton form with spacing and punctuation removed, so ``Jаne Dое``
(Cyrillic а and о), ``J4ne_D0e`` and ``ＪＡＮＥ ＤＯＥ`` all read as ``janedoe``; a name one
letter away (``Jane Deo``) counts too when the protected name is long enough for that not
to catch ordinary names, and so does a name that contains it (``Jane Doe (ALA)``). Words
such as "admin" or "staff" in a name are flagged as well.
The protected person's own accounts are exempt by id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.automod.normalize import skeleton

IMPERSONATION = "impersonation"

_CACHE_LIMIT = 50_000
_UNJUDGED: tuple[str, frozenset[str]] = ("", frozenset())  # not cached (None: a cached "no")


@dataclass(frozen=True, slots=True)
class ProtectedName:
    """A name nobody else may use; ``ids`` are the person's own accounts."""

    name: str
    ids: frozenset[str] = frozenset()


def compact(name: str) -> str:
    """Skeleton with everything but letters and digits dropped."""
    return "".join(c for c in skeleton(name) if c.isalnum())


def within_one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one insertion, deletion, substitution or swap of two
    neighbouring letters (the typos, and the tricks, that keep a name readable)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        swapped = (i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i]
                   and a[i + 2:] == b[i + 2:])
        return a[i + 1:] == b[i + 1:] or swapped
    return a[i:] == b[i + 1:]


class ImpersonationCheck:
    """Compares display names against the protected ones, remembering recent answers."""

    def __init__(self, protected: Iterable[ProtectedName], reserved_words: Iterable[str],
                 fuzzy_min_length: int = 6) -> None:
        self._protected = [(compact(p.name), p) for p in protected if compact(p.name)]
        self._reserved = {skeleton(w).strip() for w in reserved_words if skeleton(w).strip()}
        self._fuzzy_min = fuzzy_min_length
        self._cache: dict[str, tuple[str, frozenset[str]] | None] = {}

    def __bool__(self) -> bool:
        return bool(self._protected or self._reserved)

    def check(self, display_name: str, author_id: str) -> str | None:
        """Why the name impersonates someone, or None."""
        found = self._cache.get(display_name, _UNJUDGED)
        if found is _UNJUDGED:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            found = self._cache[display_name] = self._judge(display_name)
        if found is None:
            return None
        detail, owners = found
        return None if author_id in owners else detail

    def _judge(self, display_name: str) -> tuple[str, frozenset[str]] | None:
        """Every new name is judged (a busy community sees thousands), so the skeleton is
        computed once for both tests, and a protected name too long for the candidate to
        contain or be one edit away from is passed over by its length alone."""
        words = _words(skeleton(display_name))
        name = "".join(words)  # what ``compact`` gives: the letters and digits, in order
        if not name:
            return None
        size = len(name)
        for key, person in self._protected:
            if name == key or (len(key) >= self._fuzzy_min and size >= len(key) - 1
                               and (key in name or within_one_edit(name, key))):
                return f"display name \"{display_name}\" looks like {person.name}", person.ids
        reserved = sorted(set(words) & self._reserved)
        if reserved:
            return (f"display name \"{display_name}\" claims a role ({', '.join(reserved)})",
                    frozenset())
        return None


_NOT_ALNUM = re.compile(r"[\W_]+")  # ``\w`` is ``str.isalnum()`` and "_"


def _words(text: str) -> list[str]:
    """The runs of letters and digits in ``text``."""
    return _NOT_ALNUM.sub(" ", text).split()
