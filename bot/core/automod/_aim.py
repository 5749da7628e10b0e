"""Whether a listed word is aimed at a person, for rules read ``only_when_aimed``.

Swearing about a thing ("this driver is shit", "oh fuck") is not the personal insult the
Code prohibits; swearing at someone is ("fuck you", "you piece of shit"). A word counts
as aimed when, in the same clause:

- a second-person word ("you", "your", "u", "ur", "yourself"; "y0u" once leetspeak is
  undone; "you're" read as "you") or a mention (``<@123>``, ``<@U123>``, ``@name``) is
  one of the four words before it ("you are full of bullshit", "<@123> piece of shit");
- or the word right after it is one, or an object pronoun or "off" ("fuck you", "fuck
  off", "fuck 'em").

A clause ends at ``. ! ? ; :`` or a line break, and, looking ahead, also at a comma:
"oh shit, you're right" is not aimed; "you, piece of shit" is.

The message's words and clause ends are read once, however many matches it holds, so a
message that repeats a word thousands of times costs one pass, not one per match.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

# Read on the text with leetspeak undone ("y0u"); a contraction is read by its first part
# ("you're"); a word right after "@" is a mention.
_SECOND_PERSON = ("you", "u", "ya", "yu", "your", "ur", "youre", "yours", "yourself",
                  "yourselves", "urself", "thou", "thee", "yall")
_OBJECTS = ("off", "him", "her", "them", "em")
_EDGE_AFTER = r"(?=['\u2019]|[^a-z0-9]|$)"
_LISTENERS = re.compile(r"(?<![a-z0-9@])(?:" + "|".join(_SECOND_PERSON) + ")"
                        + _EDGE_AFTER + r"|(?<=@)[a-z0-9]")
_OBJECT_WORDS = re.compile(r"(?<![a-z0-9@])(?:" + "|".join(_OBJECTS) + ")" + _EDGE_AFTER)
_WORDS = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)?")
_CLAUSE_BEFORE = re.compile(r"[.!?;:\n]")
_CLAUSE_AFTER = re.compile(r"[.!?;:\n,]")
_LEET = str.maketrans("013457", "oieast")
_BEFORE = 4  # words: "you piece of shit", "you are full of bullshit"


class Aim:
    """The words of one message (case-folded) and where its clauses end, read once."""

    def __init__(self, folded: str) -> None:
        plain = folded.translate(_LEET)  # one character for one: positions stay
        self._listeners = {m.start() for m in _LISTENERS.finditer(plain)}
        self._objects = {m.start() for m in _OBJECT_WORDS.finditer(plain)}
        self.nobody = not self._listeners and not self._objects  # nothing can be aimed
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._clause_before: list[int] = []
        self._clause_after: list[int] = []
        self._length = len(folded)
        if self.nobody:
            return  # the common case for swearing: no word needs placing
        words = list(_WORDS.finditer(folded))
        self._starts = [w.start() for w in words]
        self._ends = [w.end() for w in words]
        self._clause_before = [m.start() for m in _CLAUSE_BEFORE.finditer(folded)]
        self._clause_after = [m.start() for m in _CLAUSE_AFTER.finditer(folded)]

    def aimed(self, start: int, end: int) -> bool:
        """Whether the match ``[start, end)`` is aimed at a person."""
        if self.nobody:
            return False
        ends = self._clause_before
        index = bisect_left(ends, start)
        head = ends[index - 1] + 1 if index else 0
        last = bisect_right(self._ends, start)  # the words that end before the match
        for k in range(max(0, last - _BEFORE), last):
            if self._starts[k] >= head and self._starts[k] in self._listeners:
                return True
        tail = self._word_end(end)
        following = bisect_left(self._starts, tail)  # the next word
        if following == len(self._starts):
            return False
        stops = self._clause_after
        stop_at = bisect_left(stops, tail)
        stop = stops[stop_at] if stop_at < len(stops) else self._length
        word = self._starts[following]
        return word < stop and (word in self._listeners or word in self._objects)

    def _word_end(self, end: int) -> int:
        """The end of the word the match ends in ("fuck" of "fucking" ends at "g")."""
        index = bisect_left(self._ends, end)
        if index < len(self._ends) and self._starts[index] < end:
            return self._ends[index]
        return end
