"""Postal addresses (issue 15): US streets and city lines, US military mail, European and
Canadian forms; and e-mail addresses that reach a role, a list or a host, not a person.

Addresses are invented or public offices' (10 Downing Street, 24 Sussex Drive); military
ones follow USPS Publication 28's examples with random numbers.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.automod import Automod, load_automod, mask_personal
from tests.core.automod.conftest import message

_ENGINE = Automod(load_automod({}))


def _rules(text: str) -> set[str]:
    return {d.rule_id for d in _ENGINE.scan(message(text, author=text))
            if d.rule_id.startswith("pii-")}


ADDRESSES = [
    "she lives at 742 Evergreen Terrace",
    "ship to 1600 Pennsylvania Ave NW",
    "mail it to Springfield, IL 62704 please",
    "Austin, TX 78701-1234 is the office",
    "PSC 1234, Box 5678, APO AE 09012",
    "Unit 2050 Box 4190, APO AP 96278",
    "USS Nimitz (CVN 68), FPO AP 96620-2820",
    "he is at DPO AA 34022 now",
    "write to POBox36504",
    "10 Downing Street, London SW1A 2AA",
    "24 Sussex Drive, Ottawa, ON K1M 1M4",
    "wohnt in der Hauptstraße 5, Berlin",
    "Kerkstraat 12a, Amsterdam",
    "Drottninggatan 71, Stockholm",
    "Via Roma 1, Roma",
    "Calle Mayor, 10, Madrid",
    "au 55 rue du Faubourg Saint-Honoré",
]
NOT_ADDRESSES = [
    "I have 3 books on the way",
    "Dell Inspiron 530 SATA drive not detected in IDE mode",
    "we walked 5 miles down the road",
    "take the 7 train to Main St",
    "my ps4 box is broken",
    "in 2019 he moved to 12 different places",
    "the code is sw1a 2aa in lower case",  # a postcode counts as the post office prints it
    "part no. K1M 1M4 is out of stock",  # nor without a place before it
    "score: 3 Park Rangers, 2 visitors",
    "apo ae 0901",  # four digits
    "version 10 of Via Ubuntu",
]


@pytest.mark.parametrize("text", ADDRESSES)
def test_addresses_of_every_documented_kind_are_found_and_masked(text: str) -> None:
    assert "pii-address" in _rules(text), text
    assert "[address removed]" in mask_personal(text), text


@pytest.mark.parametrize("text", NOT_ADDRESSES)
def test_prose_numbers_and_product_names_are_not_addresses(text: str) -> None:
    assert "pii-address" not in _rules(text), text


@given(kind=st.sampled_from(["PSC", "Unit", "CMR"]), unit=st.integers(1, 99999),
       box=st.integers(1, 99999), post=st.sampled_from(["APO", "FPO", "DPO"]),
       region=st.sampled_from(["AA", "AE", "AP"]), zip_code=st.integers(0, 99999),
       before=st.text(max_size=20), after=st.text(max_size=20))
def test_a_military_address_anywhere_is_never_left_readable(
        kind: str, unit: int, box: int, post: str, region: str, zip_code: int, before: str,
        after: str) -> None:
    line = f"{post} {region} {zip_code:05d}"
    masked = mask_personal(f"{before} {kind} {unit}, Box {box}, {line} {after}")
    assert line not in masked


@pytest.mark.parametrize("text", [
    "Ubuntu Archive Automatic Signing Key <ftpmaster@ubuntu.com>",
    "ask on ubuntu-bugs@lists.ubuntu.com", "write to pulseaudio-discuss@mail.0pointer.de",
    "ssh root@server1.localdomain", "send it to noreply@example.org",
    "postmaster@example.com bounced it", "hostname@localhost.localdomain",
])
def test_role_list_and_host_addresses_are_not_personal(text: str) -> None:
    assert "pii-email" not in _rules(text), text
    assert mask_personal(text) == text


@pytest.mark.parametrize("text", [
    "mail jo.roe@example.org", "she is ftp.master@ubuntu.com", "info.desk.jo@gmail.com",
    "jo-request.fan@gmail.com is hers",
])
def test_a_persons_address_near_those_words_is_still_personal(text: str) -> None:
    assert "pii-email" in _rules(text), text
    assert "[email removed]" in mask_personal(text)
