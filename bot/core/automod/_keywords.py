"""Every keyword list, the allow-list and blocked domains on one Aho-Corasick automaton.

One pass over the message finds all of them, whatever their number: 10,000 keywords cost
about what 1,000 do. Keywords are stored in skeleton form (see ``normalize``) and the text
is scanned in skeleton form, so ``1d10t``, ``іdiot`` (Cyrillic і) and ``ｉｄｉｏｔ`` all meet
``idiot``. Whole-word lists check the characters on either side of a match, which is what
keeps ``class``, ``assessment``, ``Scunthorpe`` and ``analysis`` innocent.

Whole words are entered with the space that follows a word in the words-only text, and
with one key per common inflection (``s``, ``es``, ``ed``, ``ing``, ``'s``, ``d`` after a
final ``e``, and the spellings that change the stem: ``pussy`` → ``pussies``, ``hate`` →
``hating``, ``slut`` → ``slutting``). So the automaton itself enforces both word edges:
the Python loop over its matches sees only real hits, never the many words a listed one
begins ("ass" in "assistant", "shit" in "shitake"), which on long messages were most of
its work.
Discord AutoMod's wildcards work the same way: ``*word`` also matches at the end of a
longer word, ``word*`` at its start, ``*word*`` anywhere.

The allow-list (known innocent uses: ``Maine coon``, ``breast cancer``, ``xxx``) rides on
the same automaton: a hit lying wholly inside an allowed phrase is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

import ahocorasick_rs

from bot.core.automod.normalize import skeleton, words_only
from bot.core.errors import ConfigError

Hit = tuple[str, int, int, str, int]  # rule_id, start, end (folded positions), detail, weight

_ALLOW = ""  # the rule id of allow-list entries
# Entry flags. _TRAILED: the key ends with the space after the word, so the automaton
# itself enforces the right word boundary (the word ends one character before the match);
# _DOMAIN, _LITERAL: checks made past the automaton.
_DOMAIN, _LITERAL, _TRAILED = 4, 16, 32
# Characters an entry may contain that match any non-word character ("son-of-a-bitch"
# also matches "son of a bitch"); an entry with other symbols ("bi+ch") matches only as
# written, or "sh!+" would become the word "sh" of "/bin/sh".
_LOOSE = frozenset(" '-._")
_TAILS = ("s", "es", "ed", "ing")
_VOWELS = frozenset("aeiou")


class Boundary(IntEnum):
    """What must surround a match for it to count."""

    NONE = 0  # anywhere, even inside a word
    WORD = 1  # not preceded or followed by a letter or digit (inflections allowed)
    DOMAIN = 2  # a host name: sub-domains match, longer names and paths-as-hosts do not


@dataclass(frozen=True, slots=True)
class KeywordList:
    """One rule's words; ``label`` names the list in the detail staff see."""

    rule_id: str
    words: tuple[str, ...]
    boundary: Boundary = Boundary.WORD
    label: str = "keyword"
    inflect: bool = True  # whole words also match "-s", "-es", "-ed", "-ing" forms

    def __post_init__(self) -> None:
        """Refuse a misplaced ``*`` when the config is read (check-config), not later."""
        if self.boundary is Boundary.WORD:
            for word in self.words:
                if "*" in word:
                    parse_wildcards(self.rule_id, word, self.label)


_Entry = tuple[str, int, int, str, str]  # rule_id, flags, length, detail, domain as listed


def parse_wildcards(rule_id: str, word: str, label: str = "keyword") -> tuple[str, bool, bool]:
    """``(word, open_left, open_right)`` for an entry written with ``*`` at either end.

    A ``*`` anywhere else, or an entry that is only stars, is refused naming the rule.
    """
    text = word.strip()
    left, right = text.startswith("*"), text.endswith("*") and len(text) > 1
    core = text[1 if left else 0:len(text) - 1 if right else len(text)]
    if "*" in core or not core.strip():
        raise ConfigError(f"automod rule '{rule_id}': the {label} {word!r} has an invalid "
                          "wildcard; '*' may only open or close an entry (*word, word*, "
                          "*word*), as in Discord AutoMod.")
    return core, left, right


def inflections(key: str) -> list[str]:
    """Spellings of ``key`` that change the stem (the plain tails are added as they are)."""
    if len(key) < 3 or not key[-1].isalpha() or " " in key[-2:]:
        return []
    out = []
    last, before = key[-1], key[-2]
    if last == "y" and before not in _VOWELS:
        out += [key[:-1] + "ies", key[:-1] + "ied"]
    elif last == "e":
        out += [key[:-1] + "ing"]
    elif last not in _VOWELS and last not in "wxy" and before in _VOWELS \
            and (len(key) < 3 or key[-3] not in _VOWELS):
        out += [key + last + "ed", key + last + "ing"]
    return out


class KeywordIndex:
    """The automaton over all lists; ``find`` appends hits in text order."""

    def __init__(self, lists: Iterable[KeywordList], allowed: Iterable[str] = ()) -> None:
        self._keys: dict[str, tuple[_Entry, ...]] = {}
        self.size = 0
        for item in lists:
            # Plain spellings first: of the entries that meet in one key ("shit", "5h17"),
            # the first names the hit in the detail staff read.
            for word in sorted(item.words, key=lambda w: not w.strip().isalpha()):
                self._add_word(item, word)
        for word in allowed:
            key = words_only(skeleton(word)).strip()
            if key:
                self._add_whole(" ", key, _ALLOW, "", inflect=True)
        # Rust's aho-corasick, as a contiguous NFA: faster than pyahocorasick's trie on a
        # long message and no slower on a short one. Its full DFA was faster alone but,
        # megabytes large, slower amid other work (its cache lines evicted in between).
        self._automaton = ahocorasick_rs.AhoCorasick(
            self._keys, implementation=ahocorasick_rs.Implementation.ContiguousNFA,
            store_patterns=False) if self._keys else None
        self._entries = list(self._keys.values())  # by the automaton's pattern index

    def _add_word(self, item: KeywordList, word: str) -> None:
        core, open_left, open_right = word.strip(), False, False
        if item.boundary is Boundary.WORD:
            core, open_left, open_right = parse_wildcards(item.rule_id, word, item.label)
        raw = skeleton(core).strip()
        key = words_only(raw).strip()
        if not key:
            raise ConfigError(f"automod rule '{item.rule_id}': the {item.label} "
                              f"{word!r} is empty once normalised.")
        detail = f"{item.label} \"{word.strip()}\""
        if any(not c.isalnum() and c not in _LOOSE for c in raw):
            self._add_literal(item, raw, detail, open_left, open_right)
            return
        if item.boundary is Boundary.DOMAIN:
            self._add(" " + key, (item.rule_id, _DOMAIN, len(key), detail, raw))
            return
        if item.boundary is Boundary.NONE:
            self._add(key, (item.rule_id, 0, len(key), detail, ""))
            return
        lead = "" if open_left else " "
        if open_right or not key[-1].isalnum():
            self._add(lead + key, (item.rule_id, 0, len(key), detail, ""))
        else:
            self._add_whole(lead, key, item.rule_id, detail, inflect=item.inflect)

    def _add_whole(self, lead: str, key: str, rule_id: str, detail: str, *,
                   inflect: bool) -> None:
        """A word that must end at a word edge: entered with the space after it (and, if
        it inflects, once per inflected spelling), so the automaton never reports it
        inside a longer word ("ass" in "assistant") and no match needs a look past it."""
        forms = [key]
        if inflect:
            forms += [key + tail for tail in _TAILS]
            if key.endswith("e"):
                forms.append(key + "d")
            forms += inflections(key)
        for form in forms:
            self._add(lead + form + " ", (rule_id, _TRAILED, len(form), detail, ""))

    def _add_literal(self, item: KeywordList, raw: str, detail: str, open_left: bool,
                     open_right: bool) -> None:
        """An entry with symbols: found through its words-only form, kept only if the text
        has exactly these characters there."""
        flags = _LITERAL | (_DOMAIN if item.boundary is Boundary.DOMAIN else 0)
        lead, trail = " ", ""
        if item.boundary is Boundary.WORD:
            if not open_right and raw[-1].isalnum():
                flags, trail = flags | _TRAILED, " "
            lead = "" if open_left or not raw[0].isalnum() else " "
        elif item.boundary is Boundary.NONE:
            lead = ""
        self._add(lead + words_only(raw) + trail, (item.rule_id, flags, len(raw), detail, raw))

    def _add(self, key: str, entry: _Entry) -> None:
        existing = self._keys.get(key, ())
        if entry[0] not in {e[0] for e in existing}:
            self._keys[key] = (*existing, entry)
            self.size += 1

    def __bool__(self) -> bool:
        return self.size > 0

    def find(self, text: str, hits: list[Hit], words: str | None = None) -> None:
        """Append a hit for every match in ``text`` (a skeleton) that meets its boundary.

        ``words``: ``words_only(text)``, when the caller has it already.
        """
        if words is None:
            words = words_only(text)
        if self._automaton is None:
            return
        padded = " " + words + " "  # position p in text is p + 1 here
        first_new = len(hits)
        allowed: list[tuple[int, int]] = []
        entries_of = self._entries
        # Overlapping matches by where they end, the longest first among those ending
        # together (what the hits' order, and so the detail staff read, relies on).
        for index, _, end in self._automaton.find_matches_as_indexes(padded, overlapping=True):
            # ``end`` is past the match in ``padded``, which is the match's end in ``text``
            # plus one; a trailed key's match ends with the space after the word.
            for rule_id, flags, length, detail, raw in entries_of[index]:
                stop = end - 2 if flags & _TRAILED else end - 1
                start = stop - length
                if flags & _LITERAL and text[start:stop] != raw:
                    continue
                if flags & _DOMAIN and (text[start:stop] != raw
                                        or not _domain_edges(text, start, stop - 1,
                                                             len(text) - 1)):
                    continue
                if rule_id == _ALLOW:
                    allowed.append((start, stop))
                else:
                    hits.append((rule_id, start, stop, detail, 1))
        if allowed and len(hits) > first_new:
            hits[first_new:] = [h for h in hits[first_new:]
                                if not any(a <= h[1] and h[2] <= b for a, b in allowed)]


def _domain_edges(text: str, start: int, end: int, last: int) -> bool:
    """``evil.com`` matches ``www.evil.com/x`` but not ``notevil.com`` or ``evil.com.au``."""
    if start > 0:
        before = text[start - 1]
        if before.isalnum() or before in "-_":
            return False
    if end < last:
        after = text[end + 1]
        if after.isalnum() or after in "-_":
            return False
        if after == "." and end + 1 < last and text[end + 2].isalnum():
            return False
    return True
