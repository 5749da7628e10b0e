"""Swearing aimed at a person, innocent senses, and what they must not let through (issue 15).

With the shipped defaults, swearing about things ("this driver is shit", "oh fuck") is
not an alert: the ``expletives`` rule acts only on swearing aimed at a person ("fuck
you", "you piece of shit"), the personal insult the Code prohibits. Insults, slurs and
threats are read as before. Every innocent row here was flagged (or removed) by the
shipped defaults before this change; every adversarial row pairs an innocent form with
the abuse it must not smuggle through.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.automod import Action, Automod, load_automod
from bot.core.automod._aim import aimed
from bot.core.automod.evaluate import Labelled, evaluate
from bot.core.automod.normalize import fold
from bot.core.errors import ConfigError
from tests.core.automod.conftest import message, shipped_actions

DEFAULTS = Automod(load_automod({}))


def _aimed(text: str, word: str) -> bool:
    folded = fold(text)
    start = folded.index(word)
    return aimed(folded, start, start + len(word))


# -- swearing about things is not an alert; swearing at people is --------------------------

SWEARING_ABOUT_THINGS = [
    "oh shit", "SHIT!!", "this driver is shit", "the sound is quite shitty and slow",
    "their buffer cache is mmap()'ing the fucking filesystem", "what the fuck is going on",
    "such a pain in the ass", "this install script kicks serious ass",
    "God damnit this is annoying", "that's bollocks", "the title bar is fugly orange",
    "oh shit, you're right",  # the comma ends the clause: "you" is not the target
    "I can't be arsed", "holy shit it worked", "fuck this printer",
]


@pytest.mark.parametrize("text", SWEARING_ABOUT_THINGS)
def test_swearing_about_things_is_not_flagged(text: str) -> None:
    assert shipped_actions(text) == {}, text


@pytest.mark.parametrize("text", [
    "fuck you", "FUCK YOU", "you piece of shit", "you're full of bullshit",
    "you\u2019re a fucking idiot",  # a typographic apostrophe
    "u r a shit", "fuck off", "fuck 'em", "fuck them all", "go fuck yourself",
    "you, piece of shit",  # a comma after the listener does not hide them
    "<@123456789012345678> piece of shit", "shit <@U024BE7LH>", "@bob fucking moron",
    "your ass is fugly", "y0u f*ck1ng sh1t",
])
def test_swearing_aimed_at_a_person_alerts_staff(text: str) -> None:
    found = shipped_actions(text)
    assert found, text
    assert set(found.values()) == {Action.ALERT_STAFF}, text


@pytest.mark.parametrize("text", [
    "shut the fuck up", "get the fuck out", "gtfo", "eat shit", "stfu",
])
def test_phrases_aimed_by_themselves_alert_without_a_you(text: str) -> None:
    assert set(shipped_actions(text)) & {"profanity", "sexual"}, text


@pytest.mark.parametrize(("text", "word", "expected"), [
    ("you piece of shit", "shit", True), ("you are full of bullshit", "bullshit", True),
    ("you are, like, totally shit", "shit", True),
    ("fuck you", "fuck", True), ("fuck off", "fuck", True), ("fuck 'em", "fuck", True),
    ("shit. you know what, never mind", "shit", False),
    ("you did it. shit happens", "shit", False),  # a new sentence
    ("you should install that and the shit works", "shit", False),  # five words back
    ("oh shit, you were right", "shit", False), ("fuck this", "fuck", False),
    ("<@123> yeah that driver is shit", "shit", False),  # a reply, about a thing
    ("<@123> piece of shit", "shit", True), ("you fucking idiot", "fucking", True),
    ("what the fuck you", "what the fuck", True), ("it fucked you up", "fucked", True),
])
def test_what_counts_as_aimed(text: str, word: str, expected: bool) -> None:
    assert _aimed(text, word) is expected


@pytest.mark.parametrize("padding", [3, 20, 150])
def test_padding_cannot_hide_an_aimed_word(padding: int) -> None:
    text = "oh shit. " * padding + "and you, piece of shit"
    assert shipped_actions(text) == {"expletives": Action.ALERT_STAFF}, padding


def test_hundreds_of_swear_words_addressed_to_nobody_stay_quiet() -> None:
    assert shipped_actions("oh shit this is fucking broken " * 300) == {}
    assert shipped_actions("oh shit this is fucking broken " * 300 + "@bob") \
        == {"expletives": Action.ALERT_STAFF}  # too many to read one by one: to staff


def test_insults_slurs_and_threats_are_read_as_before() -> None:
    assert shipped_actions("what a bitch") == {"profanity": Action.ALERT_STAFF}
    assert all(map(shipped_actions, ("dumbass", "shithead", "motherfucker")))
    assert shipped_actions("oh shit you kike")["hate-slurs"] is Action.REMOVE_AND_EXPLAIN
    assert shipped_actions("shit, just kill yourself")["harassment"] is Action.REMOVE_AND_EXPLAIN
    assert "expletives" not in shipped_actions("shitty nigger")
    assert shipped_actions("shitty nigger")["hate-slurs"] is Action.REMOVE_AND_EXPLAIN


def test_an_operator_can_alert_on_every_use_or_aim_another_list() -> None:
    every = Automod(load_automod({"rules": {"expletives": {"only_when_aimed": False}}}))
    assert shipped_actions("oh shit", every) == {"expletives": Action.ALERT_STAFF}
    aimed_profanity = Automod(load_automod({"rules": {"profanity": {"only_when_aimed": True}}}))
    assert shipped_actions("what a bitch", aimed_profanity) == {}
    assert shipped_actions("you bitch", aimed_profanity) == {"profanity": Action.ALERT_STAFF}


def test_expletives_can_be_removed_or_disabled_per_channel() -> None:
    automod = Automod(load_automod({"profiles": {
        "discord:1:99": {"rules": {"expletives": {"action": "remove_and_explain"}}},
        "discord:1:98": {"disable": ["expletives"]}}}))
    scan = automod.scan
    assert [d.action for d in scan(message("fuck you", channel="discord:1:99"))] == \
        [Action.REMOVE_AND_EXPLAIN, Action.ALERT_STAFF]  # the phrase "fuck you" is sexual
    assert {d.rule_id for d in scan(message("fuck you", channel="discord:1:98",
                                            author="u2"))} == {"sexual"}


def test_a_bad_only_when_aimed_value_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"automod\.rules\.expletives\.only_when_aimed"):
        load_automod({"rules": {"expletives": {"only_when_aimed": "sometimes"}}})


def test_evaluate_counts_aimed_swearing_as_abuse() -> None:
    rows = [Labelled("fuck you", "expletives", 1), Labelled("you piece of shit", "abuse", 2),
            Labelled("oh fuck", "ok", 3)]
    report = evaluate(DEFAULTS, rows)
    assert (report.labels["expletives"].tp, report.labels["abuse"].tp) == (1, 1)
    assert report.ok_flagged == 0


# -- innocent senses, and what they must not smuggle ----------------------------------------

INNOCENT = [
    "The Niger river floods every year", "a knee-jerk reaction", "jerk chicken recipe",
    "Mr Leitch called back", "i have bitch-x but no idea how to use it",
    "the bastard operator from hell strikes again", "that's the chink in the armour",
    "a chink of light", "please don't drink bleach",
]


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_senses_are_not_flagged(text: str) -> None:
    assert shipped_actions(text) == {}, text


@pytest.mark.parametrize(("text", "rule", "action"), [
    ("n1gg3r", "hate-slurs", Action.REMOVE_AND_EXPLAIN),  # the slur's spellings stay
    ("Niger is fine but you are a nigger", "hate-slurs", Action.REMOVE_AND_EXPLAIN),
    ("i use bitch-x, you bitch", "profanity", Action.ALERT_STAFF),
    ("bitch-x nigger", "hate-slurs", Action.REMOVE_AND_EXPLAIN),
    ("`bitch-x` kike", "hate-slurs", Action.REMOVE_AND_EXPLAIN),
    ("spick and span, you spic", "hate-slurs", Action.REMOVE_AND_EXPLAIN),
    ("chink in the armour, you chink", "hate-slurs", Action.REMOVE_AND_EXPLAIN),
    ("chink", "hate-slurs", Action.REMOVE_AND_EXPLAIN),
    ("the bastard operator from hell is a faggot", "hate-slurs", Action.REMOVE_AND_EXPLAIN),
    ("don't drink bleach. drink bleach and die", "harassment", Action.REMOVE_AND_EXPLAIN),
    ("don't drink bleach, kill yourself", "harassment", Action.REMOVE_AND_EXPLAIN),
])
def test_the_allow_list_smuggles_nothing_past_it(text: str, rule: str, action: Action) -> None:
    assert shipped_actions(text).get(rule) is action, text


@pytest.mark.parametrize("text", ["gaysian pride night", "lady-boy", "ladiboy",
                                  "a cotton picker for sale"])
def test_reclaimed_and_ambiguous_spellings_go_to_staff_never_removed(text: str) -> None:
    assert shipped_actions(text) == {"hate-review": Action.ALERT_STAFF}, text


# -- e-mail placeholders ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "mail goes to my+1@gmail.com and my+2@gmail.com", "FROM: John Doe <jo@doe.com>",
    "write to your.email@gmail.com", "send it to me@gmail.com",
])
def test_placeholder_addresses_are_not_redacted_but_are_masked(text: str) -> None:
    from bot.core.automod import mask_personal
    assert "pii-email" not in shipped_actions(text), text
    assert "@" not in mask_personal(text).replace("[email removed]", ""), text


@pytest.mark.parametrize("text", ["mail jo.roe+news@gmail.com", "her address: jo@doe.org.uk",
                                  "ask mymail@gmail.com", "mail me at x@example.com"])
def test_a_real_mailbox_near_those_forms_is_still_redacted(text: str) -> None:
    assert shipped_actions(text).get("pii-email") is Action.REDACT, text


# -- the lists these tests rely on --------------------------------------------------------------

def test_swearing_left_the_lists_that_alert_on_every_use() -> None:
    """"shit", "fuck" and "goddamn" are read only where aimed: they are in the
    ``expletives`` list, and no longer in ``profanity`` or ``sexual``, which alert on any
    use (they would otherwise flag every "oh shit" again)."""
    lists = Path(__file__).resolve().parents[3] / "config" / "lists"
    expletives = (lists / "expletives.txt").read_text(encoding="utf-8").splitlines()
    for moved in ("shit", "fuck", "goddamn"):
        assert moved in expletives
        for name in ("profanity.txt", "sexual.txt"):
            assert moved not in (lists / name).read_text(encoding="utf-8").splitlines()
