"""Neutralising what people type, and rendering templates with it (bot.core.markup)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.markup import ZWJ, Trusted, neutralise, trusted
from bot.core.messages import safe
from config.loader import load_messages

LIVE = ("<!", "<@", "<#", "<http", "@everyone", "@here", "](")
# Text rich in the characters that matter, so the properties meet them often.
MARKUP = st.text(alphabet=st.sampled_from([*"<>!@#&|^]()[ ahttp:/everyonhr", ZWJ]))


@settings(max_examples=400)
@given(text=st.one_of(st.text(), MARKUP))
def test_neutralise_is_idempotent_and_leaves_no_live_sequence(text: str) -> None:
    once = neutralise(text)
    assert neutralise(once) == once
    for sequence in LIVE:
        assert sequence not in once
    assert once.replace(ZWJ, "") == text.replace(ZWJ, "")  # every character kept


@given(text=st.text().filter(lambda t: not {"<", "@", "]"} & set(t)))
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text


@pytest.mark.parametrize("attack", [
    "<!channel>", "<!here>", "<!everyone>", "<!subteam^S123|@staff>", "<@U123>",
    "<@123456789012345678>", "<@&42>", "<#C1>", "<https://evil.example|the Code>",
    "@everyone", "@here", "[click](https://evil.example)",
])
def test_each_known_attack_is_inert(attack: str) -> None:
    assert all(sequence not in neutralise(attack) for sequence in LIVE)


def test_trusted_markup_passes_and_is_marked() -> None:
    mention = Trusted("<@U1>")
    assert neutralise(mention) == "<@U1>"
    assert trusted("<#C1>") == "<#C1>" and isinstance(trusted("<#C1>"), Trusted)
    assert not isinstance(mention + " and more", Trusted)  # concatenation loses the mark


def test_render_neutralises_and_masks_values_but_not_trusted_ones() -> None:
    catalog = load_messages(None)
    text = catalog.render(
        "appeal_filed", ref="A-1", case="C-1", appellant=Trusted("<@U1>"),
        deadline=Trusted("<!date^1^{date}|x>"),
        reason="<!channel> call me at (312) 555-0123 or jo@example.org")
    assert "<@U1>" in text and "<!date^1^{date}|x>" in text
    assert "<!channel>" not in text and "<\u200d!channel>" in text
    assert "555-0123" not in text and "[phone removed]" in text
    assert "jo@example.org" not in text and "[email removed]" in text
    assert isinstance(text, Trusted)  # may be nested in another template as it is


def test_safe_handles_none_and_non_strings() -> None:
    assert safe(None) == "" and safe(3) == "3" and safe(Trusted("<@U1>")) == "<@U1>"
