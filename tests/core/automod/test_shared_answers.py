"""Work one stage of the engine has done is reused by the next, and changes nothing.

Masking around a match asks which personal-information patterns can match; on a short
message whose excerpt window is all of it, the engine's own RE2 set has just answered
that for the same bytes, so masking takes its answer instead of running a set again.
On a long message, masking runs the very sets the engine ran (warm for its text). Folding
builds a message's plan with set operations and skips work that would give the same
bytes or string again. Each is compared here with the plain computation.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.automod import Automod, load_automod
from bot.core.automod import _masking as masking
from bot.core.automod._impersonation import (
    ImpersonationCheck,
    ProtectedName,
    compact,
    within_one_edit,
)
from bot.core.automod._patterns import Pattern, PatternIndex, _compiled, match_spans
from bot.core.automod.normalize import (
    _FOLD,
    LEET,
    Normalized,
    SpanMap,
    fold,
    scan_forms,
    scan_views,
    skeleton,
    words_only,
)
from tests.core.automod.conftest import message
from tests.core.automod.test_fast_paths import PIECES

_CONFIG = {"rules": {
    "advertising": {},
    "staff": {"type": "regex", "clause": "no-hate", "patterns": [r"zorb\d+x", r"\bq\b"]},
}}
SHORTCUT = Automod(load_automod(_CONFIG))
PLAIN = Automod(load_automod(_CONFIG))
PLAIN._masks_of = None  # masking asks its own sets, as it did before the shortcut


def _seen(automod: Automod, text: str, author: str) -> list[tuple[object, ...]]:
    return [(d.rule_id, d.action, d.excerpt, d.detail, d.span)
            for d in automod.scan(message(text, author=author))]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(PIECES, max_size=40), author=st.sampled_from(["a", "b"]))
def test_masking_with_the_engines_answer_finds_what_its_own_sets_find(
        parts: list[str], author: str) -> None:
    text = " ".join(parts)
    assert _seen(SHORTCUT, text, author) == _seen(PLAIN, text, author)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(PIECES, max_size=40))
def test_the_engines_answer_names_the_masks_a_set_of_them_all_names(parts: list[str]
                                                                     ) -> None:
    """The short set's answer, mapped through ``mask_indices``, gives the same spans as
    masking's own set of every mask pattern, and as no set at all."""
    text = " ".join(parts)
    folded = fold(text)
    encoded = folded.encode("utf-8", "surrogatepass")
    answer = SHORTCUT._patterns.find(text, folded, folded, encoded, encoded, {}, [])
    assert answer is not None and SHORTCUT._masks_of is not None
    masks_of = SHORTCUT._masks_of
    known = [masks_of[i] for i in answer if masks_of[i] >= 0]
    norm = Normalized(text, folded, folded)
    assert sorted(known) == sorted(masking._ALL(encoded) or [])
    assert masking.personal_spans(norm, 0, None, known) == masking.personal_spans(norm)


def test_the_shortcut_needs_every_mask_pattern_in_the_engines_set() -> None:
    patterns = [pattern for _, pattern, _, _ in masking._MASKS]
    assert masking.mask_indices(["x", *patterns]) == (-1, *range(len(patterns)))
    assert masking.mask_indices(patterns[1:]) is None
    staff_only = PatternIndex([Pattern("staff", r"zorb\d+x", "pattern", by_staff=True)])
    assert masking.mask_indices(staff_only.folded_patterns) is None
    assert SHORTCUT._masks_of is not None


def test_a_long_message_is_masked_through_the_engines_own_sets() -> None:
    """Same pattern tuples, so ``compiled_set`` hands back the same warm sets."""
    engine_sets = [pattern_set.match for _, pattern_set in SHORTCUT._patterns._long]
    assert all(any(match is mine for mine in engine_sets) for _, match in masking._SETS)
    text = ("write to jo@example.org or call (312) 555-0142; " * 60)[:3_000]
    found = {d.rule_id: d for d in SHORTCUT.scan(message(text, author="long"))}
    assert "[email removed]" in found["pii-email"].excerpt
    assert "555-0142" not in found["pii-email"].excerpt


# Characters that reach each branch of a plan: folded to themselves and blanked (emoji,
# curly quotes), folded to something holding a blank ("½" to "1⁄2", "ŀ" to "l·"), folded
# away (joiners, variation selectors), changed to letters, and leetspeak digits.
_FOLDING = st.sampled_from(["😀", "“", "…", "½", "ŀ", "·", "︙", "\u200d", "\ufe0f", "❤️",
                            "é", "а", "Ｉ", "ß", "ﬃ", "会", "0", "4", "@", "$", "x", " "])


@settings(max_examples=500, deadline=None)
@given(text=st.lists(_FOLDING | PIECES, max_size=30).map("".join))
def test_scan_forms_built_from_set_plans_give_what_translating_gives(text: str) -> None:
    folded = text.translate(_FOLD)
    skeleton = folded.translate(LEET)
    expected = (folded, folded.encode("utf-8"), skeleton, skeleton.encode("utf-8"),
                words_only(skeleton))
    for _ in range(2):  # the plan built, then read back
        assert scan_forms(text) == expected


@settings(max_examples=300, deadline=None)
@given(text=st.lists(_FOLDING | PIECES | st.sampled_from(["ß", "ﬃ", "ᴬ", "e\u0301"]),
                     max_size=40).map("".join))
def test_span_maps_given_folding_odd_characters_map_as_those_finding_them(text: str
                                                                         ) -> None:
    """The engine hands SpanMap the odd characters ``scan_views`` found (a long
    message's plan is not cached): every position maps as when SpanMap finds them."""
    views = scan_views(text)
    assert views[:5] == scan_forms(text)
    given_odd, found = SpanMap(text, odd=views[5]), SpanMap(text)
    assert given_odd.widest == found.widest
    for at in range(len(views[0]) + 2):
        assert given_odd.position(at) == found.position(at)
        assert given_odd.span(at, at + 3) == found.span(at, at + 3)


_SPAN_PATTERNS = [r"x*", r"\b", r"a+", r"(?:^|[^\d])(\d{3})(?:[^\d]|$)", r"é|😀", r"$",
                  *(pattern for _, pattern, _, _ in masking._MASKS)]


@settings(max_examples=300, deadline=None)
@given(pattern=st.sampled_from(_SPAN_PATTERNS),
       text=st.lists(PIECES | st.sampled_from(["x", "xx", "a", "aaa", "123", "é😀"]),
                     max_size=20).map("".join))
def test_match_spans_step_through_matches_as_finditer_does(pattern: str, text: str) -> None:
    """Empty matches included: the step past one is the wrapper's, byte by byte."""
    compiled = _compiled(pattern)
    encoded = text.encode("utf-8")
    assert list(match_spans(compiled, encoded)) == [m.span()
                                                     for m in compiled.finditer(encoded)]


_PROTECTED = [ProtectedName("Jane Doe", frozenset({"u1"})), ProtectedName("Al", frozenset()),
              ProtectedName("Dr. Maria-José Núñez", frozenset({"u2"}))]
_CHECK = ImpersonationCheck(_PROTECTED, ["admin", "moderator"])


def _plain_judgement(display_name: str) -> tuple[str, frozenset[str]] | None:
    """The rule as written: compact name equal, contained or one edit away (long names
    only), else a reserved word among the name's words."""
    name = compact(display_name)
    if not name:
        return None
    for person in _PROTECTED:
        key = compact(person.name)
        if name == key or (len(key) >= 6 and (key in name or within_one_edit(name, key))):
            return f"display name \"{display_name}\" looks like {person.name}", person.ids
    cleaned = "".join(c if c.isalnum() else " " for c in skeleton(display_name))
    reserved = sorted(set(cleaned.split()) & {"admin", "moderator"})
    if reserved:
        return f"display name \"{display_name}\" claims a role ({', '.join(reserved)})", \
            frozenset()
    return None


@settings(max_examples=500, deadline=None)
@given(name=st.lists(st.sampled_from(["jane", "Jane", "J4ne", "doe", "D0E", "deo", "do", "al",
                                      "Maria", "José", "Jose", "Núñez", "nunez", "dr",
                                      "admin", "ADM1N", "mod", "moderator", "_", ".", "-",
                                      " ", "а", "é", "😀", "\u200d", "x", "1", "(", ")"]),
                     max_size=8).map("".join) | st.text(max_size=12))
def test_display_names_are_judged_as_the_rule_reads(name: str) -> None:
    assert _CHECK._judge(name) == _plain_judgement(name)


_NANP_SHAPES = ["({a}) {b}-{c}", "({a}){b}-{c}", "({a})-{b}-{c}", "({a}).{b}.{c}", "{a}-{b}-{c}",
                "{a}.{b}.{c}", "{a} {b} {c}", "{a} {b}-{c}", "({a}) {b} {c}"]


def test_plain_north_american_numbers_are_answered_as_libphonenumber_answers() -> None:
    """The shortcut answers "possible" for a plain NANP shape with any area code 2-9xx:
    libphonenumber is asked for every area code, in every shape, with varied digits."""
    from bot.core.automod._pii import _PLAIN_NANP, _phone_ok

    for area in range(200, 1000):
        for k, shape in enumerate(_NANP_SHAPES):
            text = shape.format(a=area, b=f"{(area * 7 + k * 131) % 1000:03d}",
                                c=f"{(area * 13 + k * 977) % 10000:04d}")
            assert _PLAIN_NANP.fullmatch(text), text
            assert _phone_ok.__wrapped__(text, "US", False), text
    for text in ("(123) 555-0142", "123-555-0142", "1 312 555 0142", "+1 312 555 0142",
                 "(312 555-0142", "312555-0142", "(312)  555-0142"):
        assert not _PLAIN_NANP.fullmatch(text), text
