"""Every keyword list and blocked domain on one Aho-Corasick automaton.

One pass over the message finds all of them, whatever their number: 10,000 keywords cost
about what 1,000 do. Keywords are stored in skeleton form (see ``normalize``) and the text
is scanned in skeleton form, so ``1d10t``, ``іdiot`` (Cyrillic і) and ``ｉｄｉｏｔ`` all meet
``idiot``. Whole-word lists check the characters on either side of a match, which is what
keeps ``class``, ``assessment``, ``Scunthorpe`` and ``analysis`` innocent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

import ahocorasick

from bot.core.automod.normalize import skeleton
from bot.core.errors import ConfigError

Hit = tuple[str, int, int, str, int]  # rule_id, start, end (folded positions), detail, weight


class Boundary(IntEnum):
    """What must surround a match for it to count."""

    NONE = 0  # anywhere, even inside a word
    WORD = 1  # not preceded or followed by a letter or digit
    DOMAIN = 2  # a host name: sub-domains match, longer names and paths-as-hosts do not


@dataclass(frozen=True, slots=True)
class KeywordList:
    """One rule's words; ``label`` names the list in the detail staff see."""

    rule_id: str
    words: tuple[str, ...]
    boundary: Boundary = Boundary.WORD
    label: str = "keyword"


_Entry = tuple[str, int, int, str]  # rule_id, boundary, length, word as configured


class KeywordIndex:
    """The automaton over all lists; ``find`` appends hits in text order."""

    def __init__(self, lists: Iterable[KeywordList]) -> None:
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
        self.size = 0
        for item in lists:
            for word in item.words:
                key = skeleton(word).strip()
                if not key:
                    raise ConfigError(f"automod rule '{item.rule_id}': the {item.label} "
                                      f"{word!r} is empty once normalised.")
                entry: _Entry = (item.rule_id, int(item.boundary), len(key),
                                 f"{item.label} \"{word.strip()}\"")
                existing = self._automaton.get(key, ())
                if entry[0] not in {e[0] for e in existing}:
                    self._automaton.add_word(key, (*existing, entry))
                    self.size += 1
        if self.size:
            self._automaton.make_automaton()

    def __bool__(self) -> bool:
        return self.size > 0

    def find(self, text: str, hits: list[Hit]) -> None:
        """Append a hit for every match in ``text`` (a skeleton) that meets its boundary."""
        last = len(text) - 1
        for end, entries in self._automaton.iter(text):
            for rule_id, boundary, length, detail in entries:
                start = end - length + 1
                if boundary == 1:
                    if (start > 0 and text[start - 1].isalnum()) or (
                            end < last and text[end + 1].isalnum()):
                        continue
                elif boundary == 2 and not _domain_edges(text, start, end, last):
                    continue
                hits.append((rule_id, start, end + 1, detail, 1))


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
