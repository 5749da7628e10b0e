"""Pattern sets hold each pattern's open form (``{m,n}`` written ``{m,}``): it must match
wherever the exact pattern does, leave every other construct alone, and change nothing
the engine reports (every member a set names is run exactly)."""

from __future__ import annotations

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.automod import Automod, load_automod
from bot.core.automod._patterns import pattern_options
from bot.core.automod._relax import relaxed
from tests.core.automod.conftest import message


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"\d{1,6}", r"\d{1,}"),
    (r"[a-z0-9][a-z0-9._%+-]{0,63}@", r"[a-z0-9][a-z0-9._%+-]{0,}@"),
    (r"(?:[a-z]+\s+){1,3}st\b", r"(?:[a-z]+\s+){1,}st\b"),
    (r"x{0,30}?y", r"x{0,}?y"),
    (r"(?:a{2,5}){1,3}", r"(?:a{2,}){1,}"),
    (r"\d{3}-\d{4}", r"\d{3}-\d{4}"),  # exact counts are not bounds: kept
    (r"\d{5,}", r"\d{5,}"),
    (r"[{1,2}]x", r"[{1,2}]x"),  # braces in a class are characters
    (r"[^]{1,2}]", r"[^]{1,2}]"),
    (r"[[:alpha:]{1,2}]", r"[[:alpha:]{1,2}]"),
    (r"\{1,2\}", r"\{1,2\}"),
    (r"\Qa{1,2}\Eb{1,2}", r"\Qa{1,2}\Eb{1,}"),
    (r"\p{Greek}{1,2}", r"\p{Greek}{1,}"),
    (r"\x{41}{2,3}", r"\x{41}{2,}"),
    (r"a{,2}", r"a{,2}"),  # not a repetition in RE2: a literal
])
def test_only_bounded_repetitions_are_opened(pattern: str, expected: str) -> None:
    assert relaxed(pattern) == expected


_PIECES = st.sampled_from([
    "a", "b", "x", r"\d", r"\s", "[a-c]", "[^a]", ".", r"\b", "(?:ab|c)", "[{1,2}]",
    r"\{", "-", "@",
])
_QUANTIFIERS = st.sampled_from(["", "*", "+", "?", "{2}", "{0,2}", "{1,3}", "{2,4}?",
                                "{3,}", "{0,1}"])


@st.composite
def _patterns(draw: st.DrawFn) -> str:
    atoms = draw(st.lists(st.tuples(_PIECES, _QUANTIFIERS), min_size=1, max_size=5))
    body = "".join(f"(?:{atom}){quantifier}" if quantifier else atom
                   for atom, quantifier in atoms)
    outer = draw(st.sampled_from(["", "{1,2}", "{0,3}"]))
    return f"(?:{body}){outer}" if outer else body


@settings(max_examples=400, deadline=None)
@given(pattern=_patterns(), text=st.text(alphabet="abcx12 -@{},", max_size=30))
def test_the_open_form_matches_wherever_the_exact_pattern_does(pattern: str,
                                                               text: str) -> None:
    exact = re2.compile(pattern, pattern_options())
    open_form = re2.compile(relaxed(pattern), pattern_options())
    if exact.search(text) is not None:
        assert open_form.search(text) is not None


def test_a_set_naming_a_pattern_only_its_open_form_matches_reports_nothing() -> None:
    """``\\d{3,4}`` in a set matches "12345" in its open form ``\\d{3,}``; the exact pattern,
    bounded by word edges, does not: nothing may be reported."""
    engine = Automod(load_automod({"rules": {"codes": {
        "type": "regex", "clause": "no-hate", "patterns": [r"\bcode \d{3,4}\b"]}}}))
    assert engine.scan(message("code 123456")) == []
    (found,) = engine.scan(message("code 1234"))
    assert found.rule_id == "codes"
