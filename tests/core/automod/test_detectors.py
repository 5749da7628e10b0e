"""Table tests per detector: what must be caught, and what must be left alone."""

from __future__ import annotations

import pytest

from bot.core.automod import Action, Automod, Severity
from bot.core.automod._builtin import luhn_valid
from tests.core.automod.conftest import PROMO_CHANNEL, message, rules_of

# -- keywords -------------------------------------------------------------------------------

CAUGHT = [
    "you idiot", "You IDIOT!", "you 1d10t", "you іdiot", "ｙｏｕ ｉｄｉｏｔ", "you id\u200diot",
    "you ïdíöt", "(moron)", "what a m0r0n.", "kiss my @ss", "a55", "**idiot**", "_idiot_",
    "that's sh1t", "xyzzyplugh",  # substring list
    "idiots", "you morons", "sh1tting",  # inflections
]
INNOCENT = [
    "class", "assessment", "Scunthorpe", "analysis", "passage", "classic", "assistant",
    "cocktail", "shitake mushrooms", "therapist", "canal", "idiotic", "idiocy",
    "Essex", "bass guitar", "Cunningham", "moronic",
]


@pytest.mark.parametrize("text", CAUGHT)
def test_keywords_are_caught_however_written(automod: Automod, text: str) -> None:
    found = automod.scan(message(text))
    assert found, text
    assert found[0].clause_id == "no-hate"


@pytest.mark.parametrize("text", INNOCENT)
def test_whole_word_lists_leave_innocent_words_alone(automod: Automod, text: str) -> None:
    assert automod.scan(message(text)) == [], text


def test_detection_carries_rule_clause_severity_action_and_original_excerpt(
        automod: Automod) -> None:
    (found,) = automod.scan(message("honestly, you are an іd1оt and everyone knows it"))
    assert (found.rule_id, found.clause_id, found.severity, found.action) == (
        "insults", "no-hate", Severity.SERIOUS, Action.REMOVE_AND_EXPLAIN)
    assert "іd1оt" in found.excerpt
    assert found.detail == 'keyword "idiot"'


# -- staff regular expressions -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "hit"), [
    ("FREE   NITRO here", True), ("free nitr0", False), ("ｆｒｅｅ ｎｉｔｒｏ", True),
    ("steam giftcard", True), ("nitro is free", False),
])
def test_staff_patterns(automod: Automod, text: str, hit: bool) -> None:
    assert ("scam" in rules_of(automod, message(text))) is hit


def test_suspending_rule_carries_its_duration(automod: Automod) -> None:
    (found,) = automod.scan(message("free nitro"))
    assert found.action is Action.REMOVE_AND_SUSPEND
    assert found.suspend_for is not None and found.suspend_for.describe() == "1 day"


# -- personal information ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "rule"), [
    ("mail her at jane.roe@gmail.com", "pii-email"),
    ("JANE.ROE@GMAIL.COM", "pii-email"),
    ("call (312) 555-0123 tonight", "pii-phone"),
    ("call 312-555-0123", "pii-phone"),
    ("call +1 312 555 0123", "pii-phone"),
    ("ring +44 20 7946 0958", "pii-phone"),
    ("card 4111 1111 1111 1111 exp 12/27", "pii-card"),
    ("4111-1111-1111-1111", "pii-card"),
    ("amex 378282246310005", "pii-card"),
    ("she lives at 742 Evergreen Terrace", "pii-address"),
    ("send it to 1600 Pennsylvania Avenue", "pii-address"),
    ("write to P.O. Box 1234", "pii-address"),
])
def test_personal_information_found(automod: Automod, text: str, rule: str) -> None:
    assert rule in rules_of(automod, message(text))


@pytest.mark.parametrize("text", [
    "card 4111 1111 1111 1112",          # Luhn-invalid
    "order 1234567890123",               # not a card prefix, and Luhn-invalid
    "ISBN 978-0-306-40615-7",            # 13 digits, Luhn may pass, not a card
    "isbn 0306406152",                   # bare ten digits are not a phone number
    "mention <@412345678901234563> please",  # Discord ids are long digit runs
    "write to staff@ala.org",            # allowed domain
    "we meet in 2026 at 10:30",
    "3 books on the way",                # prose, not an address
    "10 minutes down the road",
    "call number 025.04 B123",
])
def test_innocent_numbers_and_addresses_are_not_pii(automod: Automod, text: str) -> None:
    assert not {r for r in rules_of(automod, message(text)) if r.startswith("pii-")}, text


def test_card_excerpt_is_masked(automod: Automod) -> None:
    (found,) = automod.scan(message("my card 4111 1111 1111 1111 thanks"))
    assert found.excerpt == "my card [card number removed] thanks"
    assert found.action is Action.REDACT


def test_luhn() -> None:
    assert luhn_valid("4111111111111111") and luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")


def test_category_profile_tunes_the_action(automod: Automod) -> None:
    plain = automod.scan(message("jo@example.com"))
    jobs = automod.scan(message("jo@example.com", category_id="discord:1:cat-jobs"))
    assert plain[0].action is Action.REDACT  # other people's contact details: the default
    assert jobs[0].action is Action.ALERT_STAFF


# -- advertising -------------------------------------------------------------------------------

ADS = [
    "DM me to buy, only $20",
    "Use code SAVE20 for 20% off",
    "promo code inside!",
    "join my server discord.gg/abcdef",
    "https://www.amazon.com/dp/123?tag=mybooks-20",
    "Buy now for $49.99",
    "pm me for prices",
    # spam and scams (issue 15)
    "WINNER!! You have won a £900 prize. Claim now", "txt WIN to 80608 for your reward",
    "Call 09061701461 to claim your cash", "only 150p/msg, reply STOP to opt out",
    "subscribe to my channel pls", "check out my new mixtape", "free nitro here lol",
    "double your bitcoin in 24 hours", "crypto giveaway: send 0.1 eth",
    "follow me on twitch for more",
    # a call to action with an opt-out or urgency line (two weak signals add up)
    "New phones 4 FREE this week! Call 08001234567, or call2optout",
    "U r a winner, been specially selected for a holiday", "Ts&Cs apply. reply YES now",
    "Your upgrade is waiting: to claim your handset call 08001234567",
]
NOT_ADS = [
    "The conference costs $200 this year",   # a price alone is not promotion
    "see https://ala.org/events",
    "our own server: discord.gg/alamembers",  # allowed invite
    "I bought a book for 20 dollars",
    "you won't believe the catalogue", "we won the grant!", "send the minutes to 2024's chair",
    "congratulations on the new job", "check out my slides from the webinar",
    "text me when you get to the library", "the 0800 train",
    "I got it for free at the library", "reply yes if you're coming",
    "call 0123456789 if you get lost", "we have a winner: Sam's essay",
    "to claim your badge, ask a moderator", "opt out of the newsletter in settings",
]


@pytest.mark.parametrize("text", ADS)
def test_advertising_in_a_restricted_channel(text: str) -> None:
    engine = _promo_engine()
    assert "advertising" in rules_of(engine, message(text, channel=PROMO_CHANNEL)), text
    assert "advertising" not in rules_of(engine, message(text, author="u2")), text


@pytest.mark.parametrize("text", NOT_ADS)
def test_not_advertising(text: str) -> None:
    engine = _promo_engine()
    assert "advertising" not in rules_of(engine, message(text, channel=PROMO_CHANNEL)), text


def test_message_may_say_the_channel_restricts_promotion() -> None:
    engine = _promo_engine()
    assert "advertising" in rules_of(engine, message("DM me to buy",
                                                     restricts_promotion=True))


def _promo_engine() -> Automod:
    from bot.core.automod import load_automod
    from tests.core.automod.conftest import BASE
    rules = dict(BASE["rules"])
    rules["advertising"] = {"allowed_invites": ["discord.gg/alamembers"]}
    return Automod(load_automod({**BASE, "rules": rules}))


# -- political campaigning ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "hit"), [
    ("We should all boycott Acme Publishing", True),
    ("Vote Republican in November!", True),
    ("v0te dem0crat", True),
    ("Please vote in the ALA election", False),
    ("the boycotted vendor", False),
])
def test_political_phrases_alert_only(automod: Automod, text: str, hit: bool) -> None:
    found = [d for d in automod.scan(message(text)) if d.rule_id == "political"]
    assert bool(found) is hit
    assert all(d.action is Action.ALERT_STAFF for d in found)


def test_political_rule_can_be_disabled_per_channel(automod: Automod) -> None:
    assert rules_of(automod, message("boycott them", channel="discord:1:30")) == set()


# -- blocked links -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "hit"), [
    ("look https://grabify.link/ABC", True),
    ("www.evil.example/path", True),
    ("sub.evil.example", True),
    ("ＥＶＩＬ.ＥＸＡＭＰＬＥ", True),
    ("notevil.example", False),
    ("evil.example.org", False),
    ("evil example", False),
])
def test_blocked_domains(automod: Automod, text: str, hit: bool) -> None:
    assert ("blocked-link" in rules_of(automod, message(text))) is hit


# -- impersonation -----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "author", "hit"), [
    ("Jane Doe", "u1", True),
    ("Jаne Dое", "u1", True),       # Cyrillic
    ("J4NE_D0E", "u1", True),
    ("Jane Deo", "u1", True),       # one edit away
    ("Jane Doe (ALA)", "u1", True),
    ("Jane Doe", "jane", False),    # her own account
    ("Janet Dodd", "u1", False),
    ("Library Admin", "u1", True),  # claims a role
    ("Adam Inman", "u1", False),
])
def test_impersonation(automod: Automod, name: str, author: str, hit: bool) -> None:
    found = rules_of(automod, message("hi all", author=author, display_name=name))
    assert ("impersonation" in found) is hit
    direct = automod.check_display_name(author, name)
    assert (direct is not None) is hit


# -- exemptions --------------------------------------------------------------------------------

def test_exempt_role_is_never_flagged(automod: Automod) -> None:
    msg = message("you idiot, free nitro", author_roles=frozenset({"role-staff"}))
    assert automod.scan(msg) == []


def test_rule_level_exempt_roles() -> None:
    from bot.core.automod import load_automod
    from tests.core.automod.conftest import BASE
    rules = dict(BASE["rules"])
    rules["insults"] = {**rules["insults"], "exempt_roles": ["role-mod"]}
    engine = Automod(load_automod({**BASE, "rules": rules}))
    msg = message("idiot, free nitro", author_roles=frozenset({"role-mod"}))
    assert rules_of(engine, msg) == {"scam"}


def test_strongest_detection_comes_first(automod: Automod) -> None:
    found = automod.scan(message("you idiot, free nitro, mail jo@example.com"))
    assert found[0].rule_id == "scam"
    assert len(found) == 3
