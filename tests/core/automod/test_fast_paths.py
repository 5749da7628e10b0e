"""Every shortcut of the hot path finds exactly what the plain way finds.

The engine takes shortcuts for speed: long messages run the built-in detectors in several
RE2 sets instead of one, masking runs those same sets on a long message (one set of them
all, or the engine's own answer, on a short one) and masks only what an excerpt shows
(more in ``test_shared_answers``), the duplicate rule
answers from a count of fingerprints without reading an author's recent messages, the
keyword automaton's matches are read in the order the hits rely on, span maps come from
folding's cached plan, and compiled patterns are shared between engines. Each is compared
here with the plain computation on generated text.
"""

from __future__ import annotations

import re
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.automod import Automod, load_automod
from bot.core.automod import _masking as masking
from bot.core.automod._builtin import inner_span
from bot.core.automod._keywords import Hit, KeywordIndex, KeywordList, inflections
from bot.core.automod._patterns import LONG_BYTES, PatternIndex, _ViewSet, nested_repetition
from bot.core.automod._repetition import _DROP, _RECENT, RepetitionLimits, RepetitionTracker
from bot.core.automod.normalize import (
    _FOLD,
    LEET,
    Normalized,
    SpanMap,
    fold,
    scan_forms,
    skeleton,
    words_only,
)
from bot.core.errors import ConfigError
from tests.core.automod.conftest import message

_CONFIG = {"rules": {
    "advertising": {},
    "staff": {"type": "regex", "clause": "no-hate", "patterns": [r"zorb\d+x", r"(.*q){6}",
                                                                 r"\bfree\s+nitro\b"]},
}}
ENGINE = Automod(load_automod(_CONFIG))
PIECES = st.sampled_from([
    "hello", "Main Street", "742 Evergreen Terrace, Springfield, IL 62704", "PO Box 12",
    "(312) 555-0142", "+44 20 7946 0958", "4111 1111 1111 1111", "123-45-6789",
    "GB82 WEST 1234 5698 7654 32", "jo@example.org", "bit.ly/x1", "$5.99", "buy now",
    "free nitro", "zorb42x", "q", "Rue de Rivoli", "SW1A 1AA", "é", "😀", "а", "会", " ",
    ", ", "\n", "0", "12", "2024",
])


def _run(sets: list[tuple[object, _ViewSet]], text: str) -> list[Hit]:
    folded, folded_bytes, skel, skel_bytes, _ = scan_forms(text)
    hits: list[Hit] = []
    for view, pattern_set in sets:
        reads_folded = str(view) == "folded"
        pattern_set.find(folded if reads_folded else skel,
                         folded_bytes if reads_folded else skel_bytes,
                         text, folded, skel, ENGINE.config.rules, hits)
    return sorted(hits)


@settings(max_examples=150, deadline=None)
@given(parts=st.lists(PIECES, max_size=60), repeat=st.integers(1, 40))
def test_long_messages_split_across_sets_find_what_one_set_finds(parts: list[str],
                                                                 repeat: int) -> None:
    index: PatternIndex = ENGINE._patterns
    text = " ".join(parts) * repeat
    assert _run(index._long, text) == _run(index._short, text)


def test_long_messages_do_use_several_sets() -> None:
    index: PatternIndex = ENGINE._patterns
    assert len(index._long) >= 4 > len(index._short)
    text = ("call (312) 555-0142 or mail jo@example.org, " * 80)[:LONG_BYTES + 500]
    assert len(text.encode()) > LONG_BYTES
    assert {d.rule_id for d in ENGINE.scan(message(text))} >= {"pii-phone", "pii-email"}


def _plain_spans(text: str) -> list[tuple[int, int, str]]:
    """Every mask pattern run on its own, no set consulted first."""
    folded = fold(text)
    norm = Normalized(text, folded, folded)
    encoded = folded.encode()
    found = []
    for label, compiled, check, trim in masking._COMPILED:
        for match in compiled.finditer(encoded):
            start = len(encoded[:match.start()].decode())
            end = len(encoded[:match.end()].decode())
            if check(start, end, norm) is not None:
                if trim:
                    start, end = inner_span(folded, start, end)
                found.append((start, end, label))
    return found


@settings(max_examples=150, deadline=None)
@given(parts=st.lists(PIECES, max_size=40))
def test_masking_with_one_set_per_kind_finds_what_each_pattern_finds(parts: list[str]
                                                                      ) -> None:
    text = " ".join(parts)
    folded = fold(text)
    assert masking.personal_spans(Normalized(text, folded, folded)) == _plain_spans(text)


class _PlainDuplicates:
    """The duplicate rule read straight from its definition: the author's recent messages
    (at most ``_RECENT``, none older than the window), each compared."""

    def __init__(self, limits: RepetitionLimits) -> None:
        self.limits = limits
        self.recent: dict[str, deque[tuple[float, int, str]]] = {}

    def hits(self, author: str, now: float, skeleton: bytes, channel: str) -> list[str]:
        limits = self.limits
        if len(skeleton) < limits.duplicate_min_length:
            return []
        recent = self.recent.setdefault(author, deque(maxlen=_RECENT))
        while recent and recent[0][0] < now - limits.duplicate_seconds:
            recent.popleft()
        print_ = hash(skeleton.translate(None, _DROP))
        same = [where for _, seen, where in recent if seen == print_]
        recent.append((now, print_, channel))
        channels = len({channel, *same})
        assert limits.duplicate_channels is not None
        if channels >= limits.duplicate_channels:
            return [f"same message in {channels} channels"]
        if len(same) + 1 >= limits.duplicate_repeats:
            return [f"same message {len(same) + 1} times"]
        return []


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(["a", "b"]),
                                st.sampled_from(["buy my course today friends", "hello there "
                                                 "everyone, how are you", "BUY my course "
                                                 "today, friends!", "short"]),
                                st.sampled_from(["c1", "c2", "c3"]),
                                st.floats(min_value=0, max_value=400)),
                      max_size=120))
def test_duplicate_counting_agrees_with_reading_every_recent_message(
        steps: list[tuple[str, str, str, float]]) -> None:
    limits = RepetitionLimits(flood_messages=None, target_messages=None, max_mentions=None)
    tracker, plain = RepetitionTracker(limits), _PlainDuplicates(limits)
    now = 0.0
    for author, text, channel, gap in steps:
        now += gap
        skeleton = scan_forms(text)[3]
        hits: list[Hit] = []
        tracker.observe(message(text, author=author, channel=channel, seconds=now),
                        skeleton, hits)
        assert [h[3] for h in hits] == plain.hits(author, now, skeleton, channel)


def test_engines_share_compiled_sets_and_still_refuse_bad_patterns() -> None:
    again = Automod(load_automod(_CONFIG))
    assert again._patterns._short[0][1].match is ENGINE._patterns._short[0][1].match
    with pytest.raises(ConfigError, match=r"'bad'.*linear-time"):
        Automod(load_automod({"rules": {"bad": {"type": "regex", "clause": "no-hate",
                                                "patterns": [r"(?=x)y"]}}}))


@settings(max_examples=400, deadline=None)
@given(text=st.text() | st.lists(PIECES | st.sampled_from(["ß", "İ", "ﬁ", "Ꭺ", "e\u0301",
                                                            "\u200d", "“", "…", "Ω", "ᴬ"]),
                                 max_size=30).map("".join))
def test_scan_forms_give_what_translating_every_character_gives(text: str) -> None:
    """The cached per-message plans and the ASCII shortcut change nothing: both passes,
    the first (plan built) and the second (plan read back), equal the plain translation."""
    folded = text.translate(_FOLD)
    skeleton = folded.translate(LEET)
    expected = (folded, folded.encode("utf-8"), skeleton, skeleton.encode("utf-8"),
                words_only(skeleton))
    assert scan_forms(text) == expected
    assert scan_forms(text) == expected


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(PIECES, min_size=1, max_size=40), repeat=st.integers(1, 60))
def test_masking_long_regions_with_one_set_per_kind_finds_what_each_pattern_finds(
        parts: list[str], repeat: int) -> None:
    """Regions up to LONG_BYTES run one set of every mask pattern, longer ones a set per
    kind: both find what each pattern finds alone."""
    text = " ".join(parts * repeat)
    folded = fold(text)
    assert masking.personal_spans(Normalized(text, folded, folded)) == _plain_spans(text)


def _plain_occurrences(keys: list[str], text: str) -> list[tuple[int, int, int]]:
    """Every occurrence of every key, by where it ends and, ending together, longest
    first: the order the keyword index reads matches in."""
    found = []
    for index, key in enumerate(keys):
        at = text.find(key)
        while at >= 0:
            found.append((index, at, at + len(key)))
            at = text.find(key, at + 1)
    return sorted(found, key=lambda m: (m[2], m[1]))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_keyword_automaton_reports_every_overlapping_match_in_text_order(
        data: st.DataObject) -> None:
    index = ENGINE._keywords
    keys = list(index._keys)
    pieces = st.sampled_from(keys) | st.sampled_from(keys).map(lambda k: k[:len(k) // 2 + 1])
    words = data.draw(st.lists(pieces | st.sampled_from([" ", "s", "ed ", "ing", "é", "😀"]),
                               max_size=30))
    padded = " " + "".join(words) + " "
    assert index._automaton is not None
    reported = index._automaton.find_matches_as_indexes(padded, overlapping=True)
    assert reported == _plain_occurrences(keys, padded)


def _plain_position(text: str, folded_at: int) -> int:
    """The original index of the character whose fold covers ``folded_at``."""
    position = 0
    for index, char in enumerate(text):
        position += len(_FOLD[ord(char)]) if not char.isascii() else 1
        if folded_at < position:
            return index
    return len(text) + folded_at - position


@settings(max_examples=300, deadline=None)
@given(text=st.lists(PIECES | st.sampled_from(["ß", "ﬃ", "e\u0301", "\u200d", "❤️", "ᴬ"]),
                     max_size=30).map("".join))
def test_span_maps_read_from_the_cached_plan_map_like_folding_each_character(text: str
                                                                             ) -> None:
    """SpanMap takes the characters that shift positions from folding's cached plan: the
    first map (plan built) and the second (plan read back) both map every position as
    folding one character at a time does, and know the widest fold."""
    folded = fold(text)
    widest = max((len(_FOLD[ord(c)]) for c in text if not c.isascii()), default=1) or 1
    for _ in range(2):
        spans = SpanMap(text)
        assert spans.widest == max(widest, 1)
        for at in range(len(folded)):
            assert spans.position(at) == _plain_position(text, at)


_PHONES_ALLOWED = Automod(load_automod({"rules": {
    "pii-phone": {"enabled": False},
    "staff": {"type": "regex", "clause": "no-hate", "patterns": [r"(.*q){6}"]}}}))


@settings(max_examples=100, deadline=None)
@given(ligatures=st.integers(0, 250), joiners=st.integers(0, 30),
       filler=st.integers(2_100, 4_000))
def test_a_match_across_a_long_message_shows_its_start_with_personal_data_masked(
        ligatures: int, joiners: int, filler: int) -> None:
    """Only what an excerpt shows is masked: a staff pattern matching a whole long message
    shows its first characters, and a phone number among them is masked however many
    characters before it fold to several (the ligature "ﬃ" folds to three)."""
    text = ("ﬃ" * ligatures + "\u200d" * joiners + " call (312) 555-0142 q q q q q q "
            + "x" * filler)
    found = {d.rule_id: d for d in _PHONES_ALLOWED.scan(message(text))}
    assert "pii-phone" not in found  # so only the staff match's excerpt masks it
    excerpt = found["staff"].excerpt
    assert excerpt.startswith(text[:ligatures + joiners] + " call ")
    assert "555" not in excerpt and "0142" not in excerpt
    # The match starts at the first character that folds to something.
    assert found["staff"].span == (0 if ligatures else joiners, len(text.rstrip("x")) - 1)


def test_staff_patterns_with_nested_repetition_run_apart_on_long_messages() -> None:
    assert [nested_repetition(p) for p in (r"(.*a){12}", r"(\w+\s?)+$", r"(a+)+$",
                                           r"(?:x(y+)z)*", r"([a-z]+)*[0-9]$")] == [True] * 5
    assert not any(nested_repetition(p) for p in (r"\bfree\s+(?:nitro|gift)\b", r"(a)+",
                                                  r"[(]+x", r"\(a+\)+", r"zorb\d+x",
                                                  r"\b(?:buy|sell)\s+\w+s?\b"))
    staff_sets = [[p.pattern for p in s.patterns] for _, s in ENGINE._patterns._long
                  if s.patterns[0].by_staff]
    assert sorted(staff_sets) == [[r"(.*q){6}"], [r"zorb\d+x", r"\bfree\s+nitro\b"]]


_WHOLE_WORDS = ("idiot", "hate", "pussy", "slut", "jerk off", "ass", "class act")


def _whole_word_occurrences(text: str, inflect: bool) -> set[tuple[int, int]]:
    """Where a listed word (or, if it inflects, a tail or stem-changed form of it) stands
    alone in ``text`` between word edges: read off with one plain search per form."""
    padded = " " + words_only(text) + " "
    found = set()
    for word in _WHOLE_WORDS:
        key = words_only(skeleton(word)).strip()
        forms = {key}
        if inflect:
            forms |= {key + tail for tail in ("s", "es", "ed", "ing")}
            forms |= {key + "d"} if key.endswith("e") else set()
            forms |= set(inflections(key))
        for form in forms:
            for match in re.finditer(f"(?= {re.escape(form)} )", padded):
                found.add((match.start(), match.start() + len(form)))
    return found


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from([
    *_WHOLE_WORDS, "s", "es", "ed", "ing", "d", "ies", "ied", "ting", "1d10t", "h4te", "ass",
    "assistant", "classic", "x", " ", "  ", ", ", "-", "'", "é", "😀", "\n", "0"]), max_size=40),
    inflect=st.booleans())
def test_whole_words_are_found_where_they_stand_alone_and_nowhere_else(
        parts: list[str], inflect: bool) -> None:
    """The automaton enforces both word edges itself (each whole word is entered with the
    space after it, once per inflected form): what it reports is exactly every place a
    listed word, or a form of it, stands alone, whatever surrounds it."""
    index = KeywordIndex([KeywordList("words", _WHOLE_WORDS, inflect=inflect)])
    text = skeleton("".join(parts))
    hits: list[Hit] = []
    index.find(text, hits)
    assert {(start, end) for _, start, end, _, _ in hits} == \
        _whole_word_occurrences(text, inflect)
