"""Regular expressions on RE2: staff-written ones and the built-in detectors' triggers.

Staff may write any pattern; with Python's backtracking ``re`` a pattern like ``(a+)+$``
takes seconds on a 30-character line and would stall every channel. RE2 runs in time
linear in the text whatever the pattern, and refuses constructs (back-references,
look-around) that cannot be run that way, which we report when the config is loaded,
naming the rule.

All patterns that read the same text go into one ``re2.Set``: one pass says which of them
match at all. Only those (rare) patterns are then run on their own to find the span and,
for built-in detectors, to check the candidate (Luhn digits, capitalised street names).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import re2

from bot.core.automod._keywords import Hit
from bot.core.automod.normalize import Normalized
from bot.core.errors import ConfigError

# A check sees the match's span in the folded text and the message; it returns the detail
# to show staff, or None when the candidate is not a real finding.
Check = Callable[[int, int, Normalized], "str | None"]


class View(StrEnum):
    """Which form of the message a pattern reads (see ``normalize``)."""

    FOLDED = "folded"  # case-folded, homoglyphs mapped; digits and symbols kept
    SKELETON = "skeleton"  # folded with leetspeak undone


@dataclass(frozen=True, slots=True)
class Pattern:
    """One pattern of one rule; ``weight`` counts towards the rule's ``min_score``."""

    rule_id: str
    pattern: str
    label: str
    view: View = View.FOLDED
    check: Check | None = None
    weight: int = 1
    by_staff: bool = False  # written in the config: runs in a set apart (PatternIndex)


def pattern_options() -> Any:
    options = re2.Options()
    options.case_sensitive = False  # text is case-folded; patterns may still say [A-Z]
    options.log_errors = False
    options.max_mem = 256 << 20  # room for the set's DFA, so it never gives up mid-message
    # Only the overall span is needed; without capture groups RE2 finds it with its DFA
    # alone, which keeps nested quantifiers on 10,000 characters in the microseconds.
    options.never_capture = True
    return options


def compile_pattern(rule_id: str, pattern: str) -> Any:
    """Compile one pattern with RE2 or refuse it with a message naming the rule.

    A pattern that matches an empty message would flag every message: refused too.
    """
    try:
        compiled = re2.compile(pattern, pattern_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ConfigError(
            f"automod rule '{rule_id}': the regular expression {pattern!r} is not valid for "
            f"the linear-time engine (RE2): {reason}. Look-around and back-references are "
            "not supported.") from exc
    if compiled.search("") is not None:
        raise ConfigError(
            f"automod rule '{rule_id}': the regular expression {pattern!r} matches an empty "
            "message, so it would flag every message; make it require at least one "
            "character (for example + instead of *).")
    return compiled


# Ordinary chat in the folded form patterns read: words, numbers, links, addresses,
# punctuation and a few characters outside ASCII. RE2 builds its DFA lazily, state by
# state, as text reaches them; running a set over this once when it is compiled builds
# the states ordinary text needs at start-up, not while the first messages wait.
_WARM_UP = (
    "hello everyone! thanks for sharing, i agree with this point. "
    "the meeting is at 10:30 tomorrow in room 214 (2nd floor) - see you there? "
    "slides: https://example.org/docs/2024/notes.html?page=3&lang=en#top or www.example.com "
    "mail jo.roe@example.org, ping <@123456789012345678> in <#987654321098765432> "
    "it costs $5.99 or 20 eur; 3 books, 1,234 visitors, v3.14.1, 50% done; "
    "p.s. don't forget: 742 evergreen terrace, springfield... "
    "\"quoted\" 'single' [brackets] {braces} a/b a\\b a|b a_b a+b=c a*b ~tilde^ `code` "
    "cafe resume naive: café “curly” — dash … ✨ 📚 👍 и 会議 "
    "0123456789 abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz\n"
)


def warm_up(pattern_set: Any) -> None:
    """Build the set's DFA states for ordinary text now (see ``_WARM_UP``)."""
    text = _WARM_UP.encode("utf-8")
    for size in (len(text), 200, 60):
        for start in range(0, len(text), size):
            pattern_set.Match(text[start:start + size])


class CharOffsets:
    """Character offsets of increasing byte offsets in UTF-8 text, each converted from the
    previous one, so the matches of a long message cost one pass over it, not one each."""

    __slots__ = ("_byte", "_char", "_encoded")

    def __init__(self, encoded: bytes) -> None:
        self._encoded = encoded
        self._byte = self._char = 0

    def __call__(self, offset: int) -> int:
        if offset < self._byte:
            self._byte = self._char = 0  # a new pass over the text
        self._char += len(self._encoded[self._byte:offset].decode("utf-8", "surrogatepass"))
        self._byte = offset
        return self._char


class _ViewSet:
    """One RE2 set over one view, with each member compiled on its own for spans."""

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self.patterns = list(patterns)
        self.compiled = [compile_pattern(p.rule_id, p.pattern) for p in self.patterns]
        self._set = re2.Set.SearchSet(pattern_options())
        for item in self.patterns:
            try:
                self._set.Add(item.pattern)
            except re2.error as exc:  # pragma: no cover - compile_pattern refused it first
                raise ConfigError(f"automod rule '{item.rule_id}': pattern "
                                  f"{item.pattern!r} cannot join the pattern set.") from exc
        self._set.Compile()
        warm_up(self._set)

    def find(self, text: str, encoded: bytes, message: Normalized, wanted: Container[str],
             hits: list[Hit]) -> None:
        matched = self._set.Match(encoded)
        if not matched:
            return
        # Always search the bytes already encoded (the wrapper would re-encode the text for
        # every pattern); byte offsets are character offsets in ASCII text and are
        # converted only for the few matches in other text.
        chars = None if len(encoded) == len(text) else CharOffsets(encoded)
        for index in matched:
            item = self.patterns[index]
            if item.rule_id not in wanted:
                continue  # not enabled where this message was posted
            for match in self.compiled[index].finditer(encoded):
                start, end = match.span()
                if chars is not None:
                    start, end = chars(start), chars(end)
                if item.check is None:
                    hits.append((item.rule_id, start, end, item.label, item.weight))
                    break
                detail = item.check(start, end, message)
                if detail is not None:
                    hits.append((item.rule_id, start, end, detail, item.weight))
                    break


class PatternIndex:
    """Every pattern in one RE2 set per view it reads; for long messages, the staff's
    patterns and the built-in detectors' in sets apart.

    A DFA state of a set combines a state of each member, so one nested quantifier such as
    ``(.*a){12}`` among the built-ins multiplies the states a long message makes RE2
    build (measured: 0.95 ms against 0.41 ms for the first 10,000-character message).
    On a short message few states are visited, and one pass over one set is cheaper than
    two (about 1.3 against 2.4 microseconds), so both forms are kept.
    """

    def __init__(self, patterns: Iterable[Pattern]) -> None:
        items = list(patterns)
        self.size = len(items)
        self._short: list[tuple[View, _ViewSet]] = []
        self._long: list[tuple[View, _ViewSet]] = []
        for view in View:
            group = [p for p in items if p.view is view]
            if not group:
                continue
            together = _ViewSet(group)
            self._short.append((view, together))
            apart = [[p for p in group if not p.by_staff], [p for p in group if p.by_staff]]
            if all(apart):
                self._long += [(view, _ViewSet(part)) for part in apart]
            else:
                self._long.append((view, together))

    def find(self, message: Normalized, folded: bytes, skeleton: bytes, wanted: Container[str],
             hits: list[Hit]) -> None:
        """Append hits of the ``wanted`` rules; ``folded`` and ``skeleton`` are UTF-8."""
        for view, pattern_set in self._long if len(folded) > _LONG else self._short:
            if view is View.FOLDED:
                pattern_set.find(message.folded, folded, message, wanted, hits)
            else:
                pattern_set.find(message.skeleton, skeleton, message, wanted, hits)


_LONG = 2048  # bytes: from here on, staff patterns and built-ins run in sets apart
