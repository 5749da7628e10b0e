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

import functools
import itertools
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import re2

from bot.core.automod._keywords import Hit
from bot.core.automod._warmup import synthetic_chat
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
    group: str = ""  # long messages: runs in one set with its group's, else its rule's


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
    Compiled patterns are shared by every engine in the process (see ``_compiled``).
    """
    try:
        compiled = _compiled(pattern)
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


# A compiled RE2 pattern or set is immutable and safe to share between threads; what it
# learns (the DFA states text has led it to) is kept with it. Sharing them process-wide
# means a configuration reload, which builds a new engine from mostly the same patterns,
# neither compiles them again nor meets its first messages with a cold DFA. Bounded, so
# the patterns of configurations long replaced are let go.
@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> Any:
    compiled = re2.compile(pattern, pattern_options())
    # A pattern runs on its own only to place a match the sets found: its forward and
    # reverse DFAs are built for ordinary text here, not while a long message waits.
    for _ in itertools.islice(match_spans(compiled, synthetic_chat()), _WARM_MATCHES):
        pass
    return compiled


_WARM_MATCHES = 64  # a pattern that matches all over ordinary text has warmed by then


@functools.lru_cache(maxsize=32)
def compiled_set(patterns: tuple[str, ...], long: bool = False) -> Callable[[bytes], Any]:
    """The ``Match`` of one warm RE2 set of ``patterns`` (already checked one by one);
    ``long``: the set also reads long messages, and is warmed for them too.

    The bound method of the C object, not the Python wrapper's, which would cost a
    function call and a type check per message.
    """
    pattern_set = re2.Set.SearchSet(pattern_options())
    for pattern in patterns:
        pattern_set.Add(pattern)
    pattern_set.Compile()
    warm_up(pattern_set)
    if long:
        # Several kinds of pattern in one set (the addresses: a number then words, words
        # then a comma, a street word ending a word) meet in new combinations for a long
        # while on long text: half the cost of the first long messages, without this.
        pattern_set.Match(synthetic_chat())
    inner = getattr(pattern_set, "_set", None)
    match: Callable[[bytes], Any] = getattr(inner, "Match", pattern_set.Match)
    return match


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
    """Build the set's DFA states for ordinary short messages now (see ``_WARM_UP``)."""
    text = _WARM_UP.encode("utf-8")
    for size in (len(text), 200, 60):
        for start in range(0, len(text), size):
            pattern_set.Match(text[start:start + size])


_UNANCHORED = getattr(getattr(getattr(re2, "_re2", None), "RE2", None), "Anchor", None)


def match_spans(compiled: Any, encoded: bytes) -> Iterator[tuple[int, int]]:
    """The spans ``compiled.finditer(encoded).span()`` gives, one by one, from RE2's own
    ``Match`` on the bytes: the wrapper's ``finditer`` normalises its arguments and
    builds a match object per match, some microseconds a pattern that matched.

    Steps past a match exactly as ``finditer`` does (past an empty match by one byte).
    """
    regexp = getattr(compiled, "_regexp", None)
    if regexp is None or _UNANCHORED is None:  # pragma: no cover - another re2 build
        yield from (match.span() for match in compiled.finditer(encoded))
        return
    match, anchor = regexp.Match, _UNANCHORED.UNANCHORED
    pos, end = 0, len(encoded)
    while True:
        span = match(anchor, encoded, pos, end)[0]
        if span[0] < 0:
            return
        yield span
        if pos == end:
            return
        pos = pos + 1 if pos == span[1] else span[1]


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

    def __init__(self, patterns: Sequence[Pattern], *, long: bool = False) -> None:
        self.patterns = list(patterns)
        self.compiled = [compile_pattern(p.rule_id, p.pattern) for p in self.patterns]
        try:
            self.match = compiled_set(tuple(p.pattern for p in self.patterns), long)
        except re2.error as exc:  # pragma: no cover - compile_pattern refused it first
            raise ConfigError("automod: the patterns "
                              f"{sorted({p.rule_id for p in self.patterns})} cannot be "
                              "combined into one pattern set.") from exc

    def find(self, text: str, encoded: bytes, original: str, folded: str, skeleton: str,
             wanted: Container[str], hits: list[Hit]) -> None:
        """``text`` is the view this set reads, ``encoded`` its UTF-8; the three forms of
        the message are only gathered for the checks when a pattern matched at all."""
        matched = self.match(encoded)
        if matched:
            self.found(matched, text, encoded, original, folded, skeleton, wanted, hits)

    def found(self, matched: Sequence[int], text: str, encoded: bytes, original: str,
              folded: str, skeleton: str, wanted: Container[str], hits: list[Hit]) -> None:
        """Hits of the ``matched`` members (what ``match`` answered) that are ``wanted``."""
        message = None  # built for the first check that needs it
        # Always search the bytes already encoded (the wrapper would re-encode the text for
        # every pattern); byte offsets are character offsets in ASCII text and are
        # converted only for the few matches in other text.
        chars = None if len(encoded) == len(text) else CharOffsets(encoded)
        for index in matched:
            item = self.patterns[index]
            if item.rule_id not in wanted:
                continue  # not enabled where this message was posted
            for start, end in match_spans(self.compiled[index], encoded):
                if chars is not None:
                    start, end = chars(start), chars(end)
                if item.check is None:
                    hits.append((item.rule_id, start, end, item.label, item.weight))
                    break
                if message is None:
                    message = Normalized(original, folded, skeleton)
                detail = item.check(start, end, message)
                if detail is not None:
                    hits.append((item.rule_id, start, end, detail, item.weight))
                    break


class PatternIndex:
    """Every pattern in one RE2 set per view it reads; for long messages, the staff's
    patterns in one set and the built-in detectors' in one set per rule or group.

    A DFA state of a set combines a state of each member, and RE2 builds states as text
    reaches them. On a short message few are visited, and one pass over one set is
    cheaper than several (about 1.3 against 2.4 microseconds for two). A long message
    reaches combinations no earlier message did: with every built-in detector in one set
    (the address patterns' optional words times the phone, card and e-mail patterns'
    counted repetitions) each new 10,000-character message built states for
    milliseconds, where a few sets (e-mail; numbers: phone, card, IBAN, SSN; addresses;
    promotion), whose states are few and soon all built, take some twenty microseconds
    each. The staff's patterns with a repeated group that itself repeats (``(.*a){12}``,
    ``(\\w+\\s?)+$``) run in a set of their own, apart from the built-ins and from the
    other staff patterns, for the same reason: on new long text they halved the cost of
    building states, for one more pass of some twenty microseconds.
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
            parts: dict[str, list[Pattern]] = {}
            for item in group:
                key = item.group or item.rule_id
                if item.by_staff:
                    key = "staff, nested" if nested_repetition(item.pattern) else "staff"
                parts.setdefault(key, []).append(item)
            together = _ViewSet(group, long=len(parts) == 1)
            self._short.append((view, together))
            if len(parts) == 1:
                self._long.append((view, together))
            else:
                self._long += [(view, _ViewSet(part, long=True)) for part in parts.values()]

    @property
    def folded_patterns(self) -> tuple[str, ...]:
        """The patterns of the one set a short message's folded view is read by, in the
        order of the indices ``find`` answers with."""
        return next((tuple(p.pattern for p in s.patterns) for view, s in self._short
                     if view is View.FOLDED), ())

    def find(self, original: str, folded: str, skeleton: str, folded_bytes: bytes,
             skeleton_bytes: bytes, wanted: Container[str], hits: list[Hit]
             ) -> Sequence[int] | None:
        """Append hits of the ``wanted`` rules; ``*_bytes`` are the views in UTF-8.

        Most messages match no pattern at all: for them this is one RE2 pass per set and
        no further call. Returns, for a short message, which of ``folded_patterns`` match
        anywhere in its folded text (what masking would otherwise ask a set again), and
        None for a long one.
        """
        answer: Sequence[int] | None = None
        short = len(folded_bytes) <= LONG_BYTES
        for view, pattern_set in self._short if short else self._long:
            if view is View.FOLDED:
                matched = pattern_set.match(folded_bytes)
                if short:
                    answer = matched or ()
                if matched:
                    pattern_set.found(matched, folded, folded_bytes, original, folded,
                                      skeleton, wanted, hits)
            else:
                matched = pattern_set.match(skeleton_bytes)
                if matched:
                    pattern_set.found(matched, skeleton, skeleton_bytes, original, folded,
                                      skeleton, wanted, hits)
        return answer


def nested_repetition(pattern: str) -> bool:
    """Whether a group that repeats (``)*``, ``)+``, ``){n}``) holds a repetition itself.

    Read from the text of the pattern (escapes and character classes skipped); only
    decides which set a pattern runs in, never what it matches.
    """
    opened: list[bool] = []  # per open group: whether a repetition was seen inside it
    index, length, in_class = 0, len(pattern), False
    while index < length:
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 1 if pattern.startswith("^", index + 1) else 0
            index += 1 if pattern.startswith("]", index + 1) else 0
        elif char == "(":
            opened.append(False)
        elif char in "*+{" and opened and index > 0:
            opened[-1] = True
        elif char == ")" and opened:
            inner = opened.pop()
            if inner and pattern[index + 1:index + 2] in ("*", "+", "{"):
                return True
            if opened:
                opened[-1] = opened[-1] or inner
        index += 1
    return False


LONG_BYTES = 2048  # bytes: from here on, staff patterns and each built-in rule run in sets apart
