"""Re-posts mask more than automod acts on: the shapes of a phone number or an e-mail
address people write to get past a filter, or just type (``_repost_masks``)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.automod import Automod, load_automod, mask_personal
from tests.core.automod.conftest import message

SPELLED = [
    ("call 5558675309 tonight", "call [phone removed] tonight"),
    ("call 15558675309", "call [phone removed]"),
    ("call (312)5550123", "call [phone removed]"),
    ("text 555-8675309", "text [phone removed]"),
    ("call 867-5309", "call [phone removed]"),
    ("my number is 867-5309!", "my number is [phone removed]!"),
    # Typographic dashes (non-breaking hyphen, en dash, minus) and zero-width splits.
    ("call 555\u2011867\u20115309", "call [phone removed]"),
    ("call 555\u2013867\u20135309", "call [phone removed]"),
    ("call 312\u200b555\u200b0123 now", "call [phone removed] now"),
    ("call ５５５８６７５３０９", "call [phone removed]"),
    ("mail jane [at] gmail [dot] com", "mail [email removed]"),
    ("mail jane(at)gmail(dot)com.", "mail [email removed]."),
    ("mail jane @ gmail.com", "mail [email removed]"),
    ("it is jane at gmail dot com", "it is [email removed]"),
    ("JANE {AT} EXAMPLE {DOT} ORG", "[email removed]"),
]
KEPT = [
    "user 123456789012345678 did it",  # a Discord id
    "<@1234567890> hi", "<#1234567890>", "https://example.com/555-1234",
    "isbn 0306406152", "pages 100-2000", "score 555-1234 today", "ratio 123.4567",
    "at 10:30 on 2024-05-01", "v1.2.3-4567", "look at the site", "meet at 5 at the library",
    "Ubuntu Archive Automatic Signing Key <ftpmaster@ubuntu.com>",
    "he said [phone removed] twice", "email [email removed] now",
]


@pytest.mark.parametrize(("text", "expected"), SPELLED)
def test_spelled_out_contact_details_are_masked_in_re_posts(text: str, expected: str) -> None:
    assert mask_personal(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_ids_links_ranges_and_placeholders_are_kept(text: str) -> None:
    assert mask_personal(text) == text


def test_automod_does_not_remove_what_only_re_posts_mask() -> None:
    """Removal needs certainty; a bare run of ten digits is also an order number."""
    automod = Automod(load_automod({}))
    for text in ("order 5558675309 shipped", "mail jane [at] gmail [dot] com"):
        assert automod.scan(message(text)) == []


_DIGITS = st.text(alphabet="0123456789", min_size=10, max_size=10)
_SEPARATORS = st.sampled_from(["", "-", ".", " ", "\u2011", "\u2013", "\u200b"])


@given(_DIGITS, _SEPARATORS, st.sampled_from(["call ", "", "reach me: ", "(", "phone "]),
       st.sampled_from(["", ".", " ok", ")", "!"]))
def test_no_ten_digit_number_survives_a_re_post(digits: str, sep: str, before: str,
                                                 after: str) -> None:
    number = sep.join([digits[:3], digits[3:6], digits[6:]]) if sep else digits
    shown = mask_personal(before + number + after)
    assert re.sub(r"\D", "", shown).find(digits) < 0
    assert mask_personal(shown) == shown  # idempotent
