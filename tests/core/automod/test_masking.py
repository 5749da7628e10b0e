"""Masking personal information in what the bot stores and re-posts, and the operator's
choice about people's own contact details."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.automod import Action, Automod, load_automod, mask_personal
from bot.core.errors import ConfigError
from tests.core.automod.conftest import message

MASKED = [
    ("mail her at jane.roe@gmail.com today", "mail her at [email removed] today"),
    ("JANE.ROE@GMAIL.COM", "[email removed]"),
    ("call (312) 555-0123 or 312-555-0199", "call [phone removed] or [phone removed]"),
    ("ring +44 20 7946 0958", "ring [phone removed]"),
    ("card 4111 1111 1111 1111 exp", "card [card number removed] exp"),
    ("ssn 078-05-1120.", "ssn [id number removed]."),
    ("she lives at 742 Evergreen Terrace", "she lives at [address removed]"),
    ("write to P.O. Box 1234", "write to [address removed]"),
    ("ｊａｎｅ@ｅｘａｍｐｌｅ.ｃｏｍ, é", "[email removed], é"),  # fullwidth letters
    # Fullwidth "@" and digits only: no ASCII digit or "@" anywhere in the text.
    ("write to ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "write to [email removed]"),
    ("call (３１２) ５５５-０１２３", "call [phone removed]"),
]
KEPT = ["isbn 0306406152", "3 books on the way", "meet at 10:30 on 2026-01-05",
        "<@123456789012345678> said hi", "order 12345678", "call me later", ""]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_information_is_masked_readably(text: str, expected: str) -> None:
    assert mask_personal(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_text_is_kept(text: str) -> None:
    assert mask_personal(text) == text


@settings(max_examples=300)
@given(text=st.text(alphabet=st.sampled_from(list("0123456789 -().+@abcxyzPO.Box")),
                    max_size=80) | st.text(max_size=80))
def test_masking_is_idempotent_and_never_raises(text: str) -> None:
    once = mask_personal(text)
    assert mask_personal(once) == once


@given(local=st.from_regex(r"[a-z]{1,10}", fullmatch=True),
       domain=st.from_regex(r"[a-z]{2,10}\.(org|com|net)", fullmatch=True),
       before=st.text(max_size=30), after=st.text(max_size=30))
def test_an_address_anywhere_is_never_left_readable(local: str, domain: str, before: str,
                                                     after: str) -> None:
    address = f"{local}@{domain}"
    assert address not in mask_personal(f"{before} {address} {after}")


def _engine(**email: object) -> Automod:
    return Automod(load_automod({"rules": {"pii-email": email, "pii-phone": email}}))


def test_other_peoples_contact_details_are_removed_by_default() -> None:
    (found,) = _engine().scan(message("her address is jane.roe@gmail.com"))
    assert found.action is Action.REDACT and found.excerpt == "her address is [email removed]"


@pytest.mark.parametrize("text", [
    "my email is jo@example.org", "You can reach me at jo@example.org",
    "My cell: (312) 555-0123", "call me on +44 20 7946 0958",
    "my email is <mailto:jo@example.org|jo@example.org>",  # as Slack delivers it
])
def test_own_details_are_allowed_only_where_the_operator_says(text: str) -> None:
    assert _engine().scan(message(text))  # default: removed like anyone's
    assert _engine(allow_own_details=True).scan(message(text)) == []


@pytest.mark.parametrize("text", [
    "her email is jo@example.org", "my friend's email is jo@example.org",
    "call him at (312) 555-0123", "my email is mine but hers is jo@example.org",
])
def test_someone_elses_details_are_caught_even_where_own_ones_are_allowed(text: str) -> None:
    assert _engine(allow_own_details=True).scan(message(text))


def test_allow_own_details_is_refused_on_card_numbers() -> None:
    with pytest.raises(ConfigError, match="allow_own_details"):
        load_automod({"rules": {"pii-card": {"allow_own_details": True}}})


# -- excerpts: personal information is found once per message, near each match -----------

_INSULTS = Automod(load_automod({"rules": {"insults": {
    "type": "keywords", "clause": "no-hate", "words": ["idiot"]}}}))


@pytest.mark.parametrize("gap", [0, 5, 20, 35, 39, 40, 41, 60, 150, 400])
def test_a_phone_number_cut_by_the_context_is_masked_whole(gap: int) -> None:
    text = "you idiot " + "x" * gap + " call (312) 555-0123 now " + "y" * 500
    (found,) = [d for d in _INSULTS.scan(message(text)) if d.rule_id == "insults"]
    assert "idiot" in found.excerpt
    assert not any(piece in found.excerpt for piece in ("312", "555", "0123", "23 now"))


def test_a_long_message_with_findings_far_apart_masks_each_excerpt() -> None:
    text = ("jo@example.org " + "word " * 800 + "you idiot, mail jane.roe@gmail.com " +
            "word " * 800 + "(312) 555-0199")
    engine = Automod(load_automod({"rules": {"insults": {
        "type": "keywords", "clause": "no-hate", "words": ["idiot"]}}}))
    found = {d.rule_id: d for d in engine.scan(message(text))}
    assert set(found) >= {"insults", "pii-email", "pii-phone"}
    for detection in found.values():
        for secret in ("jo@example.org", "jane.roe@gmail.com", "555-0199"):
            assert secret not in detection.excerpt


@settings(max_examples=60)
@given(before=st.text(max_size=120), between=st.text(max_size=120),
       after=st.text(max_size=120), email_first=st.booleans())
def test_no_excerpt_ever_shows_an_email_address(before: str, between: str, after: str,
                                                email_first: bool) -> None:
    email = "jane.roe@gmail.com"
    parts = [email, "idiot"] if email_first else ["idiot", email]
    text = f"{before} {parts[0]} {between} {parts[1]} {after}"
    for detection in _INSULTS.scan(message(text)):
        assert email not in detection.excerpt
