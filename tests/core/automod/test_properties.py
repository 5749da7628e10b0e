"""Whatever people type, scanning never raises."""

from __future__ import annotations

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
