"""Whatever people type, scanning never raises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.automod import Automod, load_automod
from tests.core.automod.conftest import BASE, message

ENGINE = Automod(load_automod({**BASE, "rules": {**BASE["rules"], "advertising": {},
                                                 "hostile": {"type": "regex",
                                                             "clause": "no-hate",
                                                             "patterns": [r"(a+)+$"]}}}))
CHANNELS = st.sampled_from(["discord:1:10", "discord:1:20", "discord:1:30", "x"])


@settings(max_examples=300)
@given(text=st.text(), name=st.text(max_size=40), channel=CHANNELS,
       seconds=st.floats(min_value=-1e6, max_value=1e6), mentions=st.integers(0, 100))
def test_scanning_arbitrary_text_never_raises(text: str, name: str, channel: str,
                                              seconds: float, mentions: int) -> None:
    found = ENGINE.scan(message(text, channel=channel, seconds=seconds, mentions=mentions,
                                display_name=name, restricts_promotion=channel.endswith("20")))
    for detection in found:
        assert detection.clause_id and detection.rule_id
        assert len(detection.excerpt) <= 300


@given(st.lists(st.sampled_from(["idiot", "4111 1111 1111 1111", "а", "\u200d", "ﬁ", "é",
                                 "e\u0301", " ", "free nitro", "x@y.org", "😀", "1", "$"]),
                max_size=30))
def test_excerpts_come_from_the_original_text(parts: list[str]) -> None:
    text = "".join(parts)
    for detection in ENGINE.scan(message(text)):
        if detection.span is not None:
            first, last = detection.span
            assert 0 <= first < last <= len(text)


_STAFF = Automod(load_automod({"rules": {"codes": {
    "type": "regex", "clause": "no-hate", "patterns": [r"zorb\d+x", r"(.*q){6}"]}}}))


@given(before=st.lists(st.sampled_from(["é", "😀", "ﬁ", "а", "e\u0301", "会", "a", " ", "1"]),
                       max_size=40),
       between=st.lists(st.sampled_from(["ß", "🏳️‍🌈", "x", " ", "Ω"]), max_size=20))
def test_staff_pattern_spans_point_at_what_matched_after_any_characters(
        before: list[str], between: list[str]) -> None:
    """Byte offsets of matches in text outside ASCII are converted to characters one after
    another (not each from the start), and still land on the match."""
    text = "".join(before) + "zorb42x " + "".join(between) + " zorb7x"
    (found,) = [d for d in _STAFF.scan(message(text)) if d.rule_id == "codes"]
    assert found.span is not None
    first, last = found.span
    assert text[first:last] == "zorb42x"


@pytest.mark.parametrize("padding", [0, 2100, 6000])
def test_staff_patterns_and_built_in_detectors_match_in_short_and_long_messages(
        padding: int) -> None:
    """Short messages run one set per view, long ones the staff's patterns apart."""
    text = "é " * (padding // 3) + "qqqqqq zorb1x, mail jo@example.org " + "words " * (padding // 6)
    found = {d.rule_id: d for d in _STAFF.scan(message(text))}
    assert {"codes", "pii-email"} <= set(found)
    first, last = found["codes"].span or (0, 0)
    assert text[first:last].endswith(("zorb1x", "qqqqqq"))  # (.*q){6} starts at the start
