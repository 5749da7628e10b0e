"""The shipped lists read in context (issue 15): benign chat's false positives, by kind.

Each kind was found reading the flags on the tuning half of the Ubuntu IRC logs
(``python -m benchmarks.quality --show-flags``): digits read as letters, words inside
nicknames, links and file names, names a message opens with, words talked about rather
than used, innocent homographs, and e-mail-shaped strings that are not anybody's mailbox.
Every row pairs with the real use that must still be caught.
"""

from __future__ import annotations

import pytest

from bot.core.automod import Action, Automod, load_automod
from bot.core.automod._context import Reading, reading
from bot.core.automod.normalize import fold
from tests.core.automod.conftest import message, shipped_actions

DEFAULTS = Automod(load_automod({}))


def _reading(text: str, word: str) -> Reading:
    folded = fold(text)
    start = folded.index(word)
    return reading(folded, start, start + len(word))


@pytest.mark.parametrize(("text", "word", "expected"), [
    ("driver version 8.455.2", "455", Reading.NOT_A_WORD),
    ("!@#$ that", "!@#$", Reading.NOT_A_WORD),
    ("5h1t happens", "5h1t", Reading.WORD),
    ("bo^dick: the cables", "dick", Reading.EMBEDDED),
    ("bastid_razor: thanks", "bastid", Reading.EMBEDDED),
    ("open subs.ass in vlc", "ass", Reading.EMBEDDED),
    ("see https://x.org/shit/list", "shit", Reading.EMBEDDED),
    ("cd /home/dick/src", "dick", Reading.EMBEDDED),
    ("the shit...i dont know", "shit", Reading.WORD),
    ("just for shits/grins", "shits", Reading.WORD),
    ("a smart-ass answer", "ass", Reading.WORD),
    ("mong: can you explain", "mong", Reading.ADDRESSING),
    ("shit, that broke", "shit", Reading.ADDRESSING),
    ('is "shit" a swear word?', "shit", Reading.MENTIONED),
    ("that is where the word ass comes from", "ass", Reading.MENTIONED),
    ("you are an ass", "ass", Reading.WORD),
])
def test_how_a_match_stands(text: str, word: str, expected: Reading) -> None:
    assert _reading(text, word) is expected


@pytest.mark.parametrize("text", [
    "Can anyone help me with ATi Driver version: 8.455.2",  # digits read as "ass"
    "i get 4.5-5.5mb/s over wireless n",
    "!@#$#$%^&&*",
    "Bo^Dick: its not the cables", "bastid_raZor: thanks", "!ops | horny_bitch",
    "open the file movie.ass in aegisub", "https://example.org/shit/list.html",
    "Geniric: ass file to /usr/share/sounds",  # the subtitle format
    "i am not able to assess it", "hey, i m askin ubuntu question",  # homograph, dialect
    "it's far easier booting from usb than faking usb ID's",
    "hallo wouter , hoe gaat ie?", "the substantia nigra in Parkinson's disease",
    'is "shit" allowed here?', "thats where the word ass comes from",
])
def test_benign_chat_is_not_flagged(text: str) -> None:
    assert shipped_actions(text) == {}, text


@pytest.mark.parametrize(("text", "rule"), [
    ("you are an ass", "expletives"), ("you shit...i give up", "expletives"),
    ("Bastard, that broke", "profanity"), ("you 5h1t", "expletives"),
    ("go away you f4gg0t", "hate-slurs"), ("kill yourself", "harassment"),
])
def test_words_people_use_are_still_caught(text: str, rule: str) -> None:
    assert rule in shipped_actions(text), text


def test_a_slur_inside_a_name_goes_to_staff_and_is_never_removed() -> None:
    found = DEFAULTS.scan(message("b1tchass_n1gger: #ubuntu+1"))
    slur = next(d for d in found if d.rule_id == "hate-slurs")
    assert slur.action is Action.ALERT_STAFF and "not removed" in slur.detail
    assert shipped_actions("you n1gger")["hate-slurs"] is Action.REMOVE_AND_EXPLAIN


def test_a_slur_a_message_opens_with_as_a_name_or_quotes_goes_to_staff() -> None:
    assert shipped_actions("nigger: get out")["hate-slurs"] is Action.ALERT_STAFF
    assert shipped_actions('is "nigger" ever ok to quote?')["hate-slurs"] is Action.ALERT_STAFF
    assert shipped_actions("get out nigger")["hate-slurs"] is Action.REMOVE_AND_EXPLAIN
    # One certain use in the message is enough for the configured action.
    assert shipped_actions("nigger: get out, nigger")["hate-slurs"] is Action.REMOVE_AND_EXPLAIN


def test_an_operators_own_list_is_matched_as_written() -> None:
    automod = Automod(load_automod({"rules": {"nicks": {
        "type": "keywords", "clause": "no-hate", "action": "remove_and_explain",
        "words": ["dick"]}}}))
    assert shipped_actions("Bo^Dick: hi", automod).get("nicks") is Action.REMOVE_AND_EXPLAIN


@pytest.mark.parametrize(("text", "rule"), [
    ("my name is Nathan Higgers", "hate-review"),  # a surname
    ("a ms whore", "hate-review"),  # insults about sex, reclaimed: staff decide
    ("sambo classes on tuesday", "hate-review"),  # the martial art
    ("Spix's macaw", "hate-review"),
])
def test_terms_with_an_innocent_sense_only_alert_staff(text: str, rule: str) -> None:
    found = shipped_actions(text)
    assert found.get(rule) is Action.ALERT_STAFF and "hate-slurs" not in found, found


@pytest.mark.parametrize("text", [
    "ssh root@server1.com", "scp ~/{a,b} elijah@box.org:~/",
    "rsync -a dir/ backup@nas.home.net:/srv/",
    "fixed by restarting openvpn@client.service",
    "cipher: chacha20-poly1305@openssh.com MAC: <implicit>",
    "AntiStaff has invited rainwalker@irc.freenode.com to the chat room",
    "copy each email to foo@bar.org", "ssh user@hostname.com", "test@gmail.com",
])
def test_addresses_that_are_not_a_persons_mailbox(text: str) -> None:
    assert "pii-email" not in shipped_actions(text), text


@pytest.mark.parametrize("text", [
    "dskk77@hotmail.com", "mail jeff.schroeder2@us.army.mil about it",
    "her address is jo.roe@gmail.com, ssh works too",
    "I use ssh a lot, so mail me at jo.roe@gmail.com",
])
def test_a_persons_address_is_still_personal(text: str) -> None:
    assert shipped_actions(text).get("pii-email") is Action.REDACT, text
