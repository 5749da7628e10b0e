"""Normalisation: every obfuscation folds to the plain word, and folding is stable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.automod.normalize import _FOLD, fold, normalize, original_span, skeleton


@pytest.mark.parametrize(("written", "expected"), [
    ("Idiot", "idiot"),
    ("іdiot", "idiot"),              # Cyrillic і
    ("idiоt", "idiot"),              # Cyrillic о
    ("сlаss", "class"),              # Cyrillic с, а
    ("ιdιοt", "idiot"),              # Greek iota, omicron
    ("ＩＤＩＯＴ", "idiot"),           # fullwidth
    ("𝐢𝐝𝐢𝐨𝐭", "idiot"),              # mathematical bold
    ("ⓘⓓⓘⓞⓣ", "idiot"),              # enclosed letters
    ("id\u200biot", "idiot"),        # zero-width space
    ("i\u200dd\u200di\u200do\u200dt", "idiot"),  # zero-width joiners
    ("id\u00adiot", "idiot"),        # soft hyphen
    ("ïdíöt", "idiot"),              # diacritics
    ("i\u0308\u0301diot", "idiot"),  # stacked combining marks
    ("Straße", "strasse"),
])
def test_folding_reaches_the_plain_word(written: str, expected: str) -> None:
    assert fold(written) == expected


@pytest.mark.parametrize(("written", "expected"), [
    ("1d10t", "idiot"), ("4ss", "ass"), ("$h1t", "shit"), ("@ss", "ass"),
    ("5cunth0rpe", "scunthorpe"), ("7r0ll", "troll"), ("3vil", "evil"),
])
def test_leetspeak_is_undone_in_the_skeleton(written: str, expected: str) -> None:
    assert skeleton(written) == expected


def test_folded_form_keeps_digits_and_symbols_for_pii_and_prices() -> None:
    assert fold("Call 555-0123, costs $40 @ Jo@Example.ORG") == \
        "call 555-0123, costs $40 @ jo@example.org"


def test_skeleton_and_folded_have_equal_length() -> None:
    norm = normalize("Ｆｒｅｅ n1tro 🎉 c\u0301afe")
    assert len(norm.folded) == len(norm.skeleton)


def test_excerpt_spans_map_back_to_what_was_written() -> None:
    text = "you are an і\u200dd1оt, really"
    norm = normalize(text)
    start = norm.skeleton.index("idiot")
    first, last = original_span(text, start, start + 5)
    assert text[first:last] == "і\u200dd1оt"


def test_span_includes_a_trailing_combining_mark() -> None:
    text = "so ide\u0301 here"
    start = fold(text).index("ide")
    first, last = original_span(text, start, start + 3)
    assert text[first:last] == "ide\u0301"


@given(st.text())
def test_folding_is_idempotent_and_never_raises(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    skel = skeleton(text)
    assert skeleton(skel) == skel


@given(st.text())
def test_fast_path_equals_the_per_character_table(text: str) -> None:
    assert fold(text) == text.translate(_FOLD)


@given(st.text(), st.data())
def test_any_span_maps_inside_the_original(text: str, data: st.DataObject) -> None:
    folded = fold(text)
    if not folded:
        return
    start = data.draw(st.integers(0, len(folded) - 1))
    end = data.draw(st.integers(start + 1, len(folded)))
    first, last = original_span(text, start, end)
    assert 0 <= first < last <= len(text)
    assert folded[start:end] in fold(text[first:last])


@pytest.mark.parametrize(("text", "plain"), [
    ("Ꮯ", "c"), ("ꓮ", "a"), ("օ", "o"), ("ⲟ", "o"), ("Υ", "y"), ("υ", "u"),
    ("ᏚᎻᎥᎢ", "shit"), ("Ⲥⲟⲟⲛ", "coon"), ("ꓢꓧꓲꓔ", "shit"), ("ＩＤＩＯＴ", "idiot"), ("ſ", "s"),
])
def test_confusables_come_from_the_unicode_data(text: str, plain: str) -> None:
    assert fold(text) == plain


@given(st.text(max_size=200))
def test_the_engines_words_only_form_equals_the_reference(text: str) -> None:
    from bot.core.automod.normalize import scan_forms, words_only

    _, _, skel, _, words = scan_forms(text)
    assert words == words_only(skel)
    assert len(words) == len(skel)
    assert all(c == " " or c.isalnum() for c in words)


# Many distinct letters that folding changes (Cyrillic, Greek, accented, fullwidth), so a
# message takes the one-translate path; few take the replace-each path. Both must agree.
_CHANGING = "абвгдежзиклмнопрстуфхцчшщαβγδεζηθικλμνξοπρστυφχψωéèêëàâäîïôöùûüçñÆŒẞＡＢＣＤ"


@given(st.text(alphabet=st.sampled_from(_CHANGING + "abc 123.,!😀“”"), max_size=300))
def test_folding_by_distinct_characters_equals_the_table_on_either_path(text: str) -> None:
    from bot.core.automod.normalize import scan_forms, words_only

    folded, folded_bytes, skel, _, words = scan_forms(text)
    assert folded == text.translate(_FOLD)
    assert folded_bytes == folded.encode("utf-8")
    assert words == words_only(skel)
