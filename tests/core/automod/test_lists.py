"""The shipped word lists, wildcards, inflections and the allow-list (issue 15).

Every table row is a message as people write it (obfuscated, inflected) or an innocent
use that must stay unflagged. The lists are the shipped ones, loaded as an operator with
an empty ``[automod]`` table gets them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.automod import Action, Automod, load_automod
from bot.core.automod._keywords import inflections
from bot.core.automod._lists import LIST_RULES, SHIPPED_LISTS, read_list
from bot.core.errors import ConfigError
from tests.core.automod.conftest import message

DEFAULTS = Automod(load_automod({}))
ALLOWED = read_list("allow", "allow", SHIPPED_LISTS / "allow.txt")


def _rules(text: str, automod: Automod = DEFAULTS) -> set[str]:
    return {d.rule_id for d in automod.scan(message(text, author=f"a{hash(text)}"))}


@pytest.mark.parametrize(("text", "rule"), [
    # slurs: plain, leetspeak, homoglyphs, fullwidth, zero-width, inflected
    ("you are a faggot", "hate-slurs"), ("f4gg0t", "hate-slurs"), ("k1ke", "hate-slurs"),
    ("go back home you wetbacks", "hate-slurs"), ("ｃｈｉｎｋ", "hate-slurs"),
    ("sp\u200bic", "hate-slurs"), ("wеtback", "hate-slurs"),  # Cyrillic е
    ("towel heads", "hate-slurs"), ("nigg3rs", "hate-slurs"),
    # reclaimed or ambiguous: staff review only
    ("my nigga", "hate-review"), ("we are queers and proud", "hate-review"),
    ("look at those coons", "hate-review"), ("that dyke", "hate-review"),
    ("that's retarded", "hate-review"), ("r3tard", "hate-review"),
    # profanity
    ("you are full of bullshit", "expletives"), ("your sh1tty code", "expletives"),
    ("what a bitch", "profanity"), ("bitches", "profanity"), ("dipshits", "profanity"),
    ("you little sh!+", "expletives"), ("son of a bitch", "profanity"),
    # sexual
    ("send me a blowjob video", "sexual"), ("pussies", "sexual"), ("c0ck", "sexual"),
    # harassment phrases
    ("just kill yourself", "harassment"), ("kys", "harassment"),
    ("I know where you live", "harassment"), ("go hang yourself", "harassment"),
])
def test_each_category_is_caught_however_written(text: str, rule: str) -> None:
    assert rule in _rules(text), text


@pytest.mark.parametrize("text", [
    "Scunthorpe United won", "I live in Middlesex", "a cocktail at the Cockburn Arms",
    "my Maine coon cat", "raccoons in the bins", "coonhound puppies", "the tycoon",
    "a cocoon", "xxx-xxx-xxxx is the placeholder", "Breast cancer screening saves lives",
    "we run sexual health workshops", "sexual harassment training is mandatory",
    "Homo sapiens", "a hate crime was reported", "Dick Van Dyke", "Moby Dick", "Dickens",
    "class assessment analysis", "shiitake mushrooms", "grape analysts", "a bass solo",
    "the hoedown", "the spice rack", "niggardly is an old word", "cocktails at six",
    "assistant librarian", "a pass", "therapist", "the Japanese edition", "mongoose",
    "/bin/sh: sudo: not found", "run sh -c 'ls'", "a bi ch",
])
def test_innocent_words_are_left_alone(text: str) -> None:
    assert _rules(text) == set(), text


def test_default_actions_review_what_is_uncertain() -> None:
    settings_of = DEFAULTS.config.rules
    assert settings_of["hate-slurs"].action is Action.REMOVE_AND_EXPLAIN
    assert settings_of["harassment"].action is Action.REMOVE_AND_EXPLAIN
    for rule in ("hate-review", "profanity", "sexual"):
        assert settings_of[rule].action is Action.ALERT_STAFF, rule


def test_reclaimed_terms_can_never_be_set_to_remove() -> None:
    with pytest.raises(ConfigError, match=r"hate-review.*staff review"):
        load_automod({"rules": {"hate-review": {"action": "remove_and_explain"}}})
    with pytest.raises(ConfigError, match=r"hate-review.*staff review"):
        load_automod({"profiles": {"discord:1": {"rules": {
            "hate-review": {"action": "remove_and_explain"}}}}})


def test_profiles_choose_categories_and_actions() -> None:
    automod = Automod(load_automod({"profiles": {
        "discord:1:99": {"disable": ["sexual"], "rules": {"profanity": {
            "action": "remove_and_explain"}}}}}))
    there = automod.scan(message("blowjob bastard", channel="discord:1:99"))
    assert [(d.rule_id, d.action) for d in there] == [("profanity", Action.REMOVE_AND_EXPLAIN)]
    elsewhere = {d.rule_id for d in automod.scan(message("blowjob bastard"))}
    assert elsewhere == {"profanity", "sexual"}


def test_every_shipped_list_names_source_licence_and_version() -> None:
    for name in [spec[0] for spec in LIST_RULES.values()] + ["allow"]:
        head = (SHIPPED_LISTS / f"{name}.txt").read_text("utf-8").splitlines()[:5]
        text = "\n".join(head)
        assert "Source:" in text and "Licence:" in text, name
        assert read_list(name, "k", SHIPPED_LISTS / f"{name}.txt"), name


# -- wildcards and inflections ---------------------------------------------------------------

def _custom(words: list[str], **extra: object) -> Automod:
    return Automod(load_automod({"rules": {"mine": {
        "type": "keywords", "clause": "no-hate", "words": words, **extra}}}))


@pytest.mark.parametrize(("word", "text", "hit"), [
    ("spam*", "spammers everywhere", True), ("spam*", "antispam", False),
    ("*spam", "antispam", True), ("*spam", "spammers", False),
    ("*spam*", "antispammers", True), ("spam", "antispam", False),
    ("pony", "ponies", True), ("pony", "ponied", True), ("hate", "hating", True),
    ("hate", "hated", True), ("hate", "hates", True), ("troll", "trolling", True),
    ("troll", "trolled", True), ("box", "boxes", True), ("troll", "trollop", False),
    ("nip", "nippy", False), ("rant", "rants", True), ("rant", "rantings", False),
])
def test_wildcards_and_inflections(word: str, text: str, hit: bool) -> None:
    assert bool(_custom([word]).scan(message(text))) is hit, (word, text)


def test_inflections_can_be_turned_off() -> None:
    assert not _custom(["troll"], inflections=False).scan(message("trolling"))


def test_inflected_stems() -> None:
    assert inflections("pony") == ["ponies", "ponied"]
    assert inflections("hate") == ["hating"]
    assert "slutting" in inflections("slut")
    assert inflections("day") == []


@pytest.mark.parametrize("word", ["sp*am", "*", "**", "a**b", "* *"])
def test_an_invalid_wildcard_is_refused_naming_the_rule(word: str) -> None:
    with pytest.raises(ConfigError, match=r"rule 'mine'.*wildcard|rule 'mine'.*empty"):
        _custom([word])


def test_an_invalid_wildcard_in_a_list_file_is_refused(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# mine\nfine\nbad*word\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"rule 'mine'.*'bad\*word'.*wildcard"):
        _custom([], files=[str(words)])


# -- list files -----------------------------------------------------------------------------

def test_list_files_are_read_and_comments_skipped(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("\ufeff# comment\n\nfrobnicate\n  *gizmo  \n", encoding="utf-8")
    automod = _custom([], files=[str(words)])
    assert automod.scan(message("frobnicated"))
    assert automod.scan(message("megagizmo"))
    assert not automod.scan(message("comment"))


def test_a_missing_list_file_is_refused_naming_the_rule(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"automod.rules.mine.files\[0\].*rule 'mine'"):
        _custom([], files=[str(tmp_path / "nope.txt")])
    with pytest.raises(ConfigError, match=r"automod.rules.profanity.files\[0\].*'profanity'"):
        load_automod({"rules": {"profanity": {"files": [str(tmp_path / "nope.txt")]}}})
    with pytest.raises(ConfigError, match=r"'hate-slurs'.*cannot be read"):
        load_automod({"rules": {"hate-slurs": {"lists": ["no-such-list"]}}})


def test_a_list_file_that_is_not_utf8_is_refused_naming_the_rule(tmp_path: Path) -> None:
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("café\nidiot\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"rule 'mine'.*not UTF-8"):
        _custom([], files=[str(latin)])
    with pytest.raises(ConfigError, match=r"allow_files\[0\].*not UTF-8"):
        load_automod({"allow_files": [str(latin)]})


def test_operator_allow_words_extend_the_shipped_allow_list() -> None:
    automod = Automod(load_automod({"allow": ["bastard sword"]}))
    assert not automod.scan(message("a bastard sword tonight"))
    assert automod.scan(message("bastard"))


# -- properties -----------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_no_text_crashes_the_shipped_lists(text: str) -> None:
    DEFAULTS.scan(message(text))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ALLOWED), st.sampled_from(["", "the ", "I love ", "wow, "]),
       st.sampled_from(["", ".", " today", "!", " and more"]))
def test_an_allow_listed_phrase_is_never_flagged(phrase: str, before: str, after: str) -> None:
    text = before + phrase + after
    flagged = {d.rule_id for d in DEFAULTS.scan(message(text, author=text))}
    assert not flagged & set(LIST_RULES), text


# -- check-config ---------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "expected"), [
    (None, "rule 'insults' reads the list file"),
    (b"caf\xe9\n", "rule 'insults': the list file"),
    (b"bad*word\n", "rule 'insults': the keyword 'bad*word' has an invalid wildcard"),
])
def test_check_config_refuses_a_bad_list_file_naming_the_rule(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None,
        expected: str) -> None:
    from bot.cli import main

    words = tmp_path / "words.txt"
    if content is not None:
        words.write_bytes(content)
    example = Path(__file__).resolve().parents[3] / "config" / "example.toml"
    config = tmp_path / "coc-bot.toml"
    config.write_text(example.read_text("utf-8") + "\n[automod.rules.insults]\n"
                      f"type = \"keywords\"\nclause = \"no-hate\"\nfiles = ['{words}']\n",
                      encoding="utf-8")
    assert main(["check-config", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "automod.rules.insults.files[0]" in err, err
    assert "Traceback" not in err


# -- the automaton's word boundaries against a plain reference ---------------------------------

_VOCAB = ["ass", "class", "bass", "asses", "cat", "cats", "c", "a", "é", "日本"]
_GLUE = [" ", "", ".", "-", "_", "'", "😂", "…", "\n", "1"]


def _reference(text: str, words: list[str]) -> set[tuple[int, int]]:
    found = set()
    for word in words:
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if (at == 0 or not text[at - 1].isalnum()) and \
                    (end == len(text) or not text[end].isalnum()):
                found.add((at, end))
            at = text.find(word, at + 1)
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_VOCAB), st.sampled_from(_GLUE)), max_size=12))
def test_whole_word_matching_agrees_with_a_plain_reference(
        parts: list[tuple[str, str]]) -> None:
    from bot.core.automod._keywords import Boundary, KeywordIndex, KeywordList

    text = "".join(word + glue for word, glue in parts)
    words = ["ass", "cat"]
    index = KeywordIndex([KeywordList("r", tuple(words), Boundary.WORD, inflect=False)])
    hits: list[tuple[str, int, int, str, int]] = []
    index.find(text, hits)
    assert {(h[1], h[2]) for h in hits} == _reference(text, words), text
