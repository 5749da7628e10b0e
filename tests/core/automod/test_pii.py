"""Personal information (issue 15): phone numbers of any country, IBAN, cards, SSNs.

Synthetic numbers in documented formats only: Ofcom's drama ranges (020 7946 0xxx),
North America's 555-01xx, ACMA's fictional mobiles (0491 570 xxx), the IBAN examples of
the ISO 13616 registry, the card networks' published test numbers, and the SSN the SSA
documents as misused (078-05-1120). None belongs to a person.
"""

from __future__ import annotations

import pytest

from bot.core.automod import Automod, load_automod, mask_personal
from bot.core.automod._pii import card_brand, iban_at
from bot.core.errors import ConfigError
from tests.core.automod.conftest import message


def _found(text: str, region: str = "US") -> set[str]:
    automod = Automod(load_automod({"rules": {"pii-phone": {"default_region": region}}}))
    return {d.rule_id for d in automod.scan(message(text, author=text))
            if d.rule_id.startswith("pii-")}


@pytest.mark.parametrize(("text", "region", "rule"), [
    ("call (312) 555-0123", "US", "pii-phone"),
    ("ring +44 20 7946 0958 after six", "US", "pii-phone"),
    ("ring 020 7946 0958 after six", "GB", "pii-phone"),
    ("sms 0491 570 156", "AU", "pii-phone"),
    ("appelle le 01 23 45 67 89", "FR", "pii-phone"),
    ("appelle le 0033 1 23 45 67 89", "US", "pii-phone"),
    ("ruf an: 030 12345678", "DE", "pii-phone"),
    ("+81 3-1234-5678 is the office", "US", "pii-phone"),
    ("IBAN DE89 3704 0044 0532 0130 00", "US", "pii-iban"),
    ("pay to GB82WEST12345698765432 today", "US", "pii-iban"),
    ("FR14 2004 1010 0505 0001 3M02 606", "US", "pii-iban"),
    ("jcb 3530 1113 3330 0000", "US", "pii-card"),
    ("maestro 5018 0000 0009", "US", "pii-card"),
    ("mastercard 2221 0000 0000 0009", "US", "pii-card"),
    ("visa 4111-1111-1111-1111", "US", "pii-card"),
    ("his ssn is 078-05-1120", "US", "pii-ssn"),
])
def test_personal_information_is_found(text: str, region: str, rule: str) -> None:
    assert _found(text, region) == {rule}, text


@pytest.mark.parametrize(("text", "region"), [
    ("ring 020 7946 0958 after six", "US"),  # not a US number, no "+"
    ("dated 01.02.2024", "DE"), ("ISBN 978-0-306-40615-7", "US"),
    ("order 1234567890123", "US"), ("card4111111111111111", "US"),  # glued to letters
    ("4111111111111111abc", "US"), ("DE89 3704 0044 0532 0130 01", "US"),  # bad mod-97
    ("ssn 000-12-3456", "US"), ("666-12-3456", "US"), ("900-12-3456", "US"),
    ("078-00-1120", "US"), ("room 12 at 3:30, 555 people", "US"),
    ("<@123456789012345678>", "US"), ("ticket 3530111333300001", "US"),
])
def test_look_alikes_are_not_personal_information(text: str, region: str) -> None:
    assert _found(text, region) == set(), text


def test_an_iban_is_not_a_card_and_is_masked_as_a_bank_account() -> None:
    text = "IBAN DE89 3704 0044 0532 0130 00 please"
    assert mask_personal(text) == "IBAN [bank account removed] please"
    assert _found(text) == {"pii-iban"}


def test_masking_uses_the_same_detectors() -> None:
    assert mask_personal("jcb 3530111333300000, ssn 078-05-1120, +49 30 12345678") == (
        "jcb [card number removed], ssn [id number removed], [phone removed]")
    assert mask_personal("dated 01.02.2024 ssn 000-12-3456") == (
        "dated 01.02.2024 ssn 000-12-3456")


def test_issuer_ranges() -> None:
    assert card_brand("3528000000000000") == "JCB"
    assert card_brand("3589000000000000") == "JCB"
    assert card_brand("3590000000000000") is None
    assert card_brand("501800000009") == "Maestro"
    assert card_brand("2720990000000000") == "Mastercard"
    assert card_brand("1800000000000000") is None
    assert iban_at("gb82west12345698765432") == "gb82west12345698765432"
    assert iban_at("gb82west12345698765433") is None


def test_an_unknown_default_region_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"pii-phone.default_region.*'XX'"):
        load_automod({"rules": {"pii-phone": {"default_region": "XX"}}})
