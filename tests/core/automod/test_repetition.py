"""Repetition rules: state over messages, time from each message, bounded memory."""

from __future__ import annotations

from bot.core.automod import Automod, load_automod
from bot.core.automod._repetition import RepetitionLimits, RepetitionTracker
from tests.core.automod.conftest import message, rules_of

SPAM = "Check out this amazing opportunity for librarians"


def _engine() -> Automod:
    return Automod(load_automod({"rules": {
        "flood": {"max_messages": 5, "per_seconds": 10},
        "duplicate": {"channels": 3, "repeats": 4, "window_seconds": 600},
        "mass-mention": {"max_mentions": 5},
        "repeated-target": {"max_messages": 3, "window_seconds": 3600},
    }}))


def test_flood_is_flagged_once_per_burst() -> None:
    engine = _engine()
    flags = [("flood" in rules_of(engine, message(f"msg {i}", seconds=i)))
             for i in range(12)]
    assert flags[:5] == [False] * 5
    assert flags[5] is True
    assert sum(flags) == 1  # the burst goes on, staff were told once


def test_slow_messages_are_not_a_flood() -> None:
    engine = _engine()
    assert not any("flood" in rules_of(engine, message(f"msg {i}", seconds=i * 3))
                   for i in range(20))


def test_same_message_across_channels_even_if_obfuscated() -> None:
    engine = _engine()
    variants = [SPAM, SPAM.upper() + "!!!", SPAM.replace("o", "0").replace(" ", "  ")]
    found = [rules_of(engine, message(text, channel=f"discord:1:{n}", seconds=n * 60))
             for n, text in enumerate(variants)]
    assert "duplicate" not in found[0] and "duplicate" not in found[1]
    assert "duplicate" in found[2]


def test_duplicates_outside_the_window_are_fine() -> None:
    engine = _engine()
    found = [rules_of(engine, message(SPAM, channel=f"discord:1:{n}", seconds=n * 700))
             for n in range(5)]
    assert not any("duplicate" in f for f in found)


def test_short_messages_are_never_duplicates() -> None:
    engine = _engine()
    found = [rules_of(engine, message("thanks!", channel=f"discord:1:{n}", seconds=n * 30))
             for n in range(6)]
    assert not any("duplicate" in f for f in found)


def test_different_people_posting_the_same_text_is_not_repetition() -> None:
    engine = _engine()
    found = [rules_of(engine, message(SPAM, author=f"u{n}", channel=f"discord:1:{n}",
                                      seconds=n)) for n in range(5)]
    assert not any("duplicate" in f for f in found)


def test_mass_mentions() -> None:
    engine = _engine()
    assert "mass-mention" in rules_of(engine, message("hey", mentions=5))
    assert "mass-mention" not in rules_of(engine, message("hey", mentions=4, seconds=60))
    ids = tuple(f"p{i}" for i in range(6))
    assert "mass-mention" in rules_of(engine, message("hey", mentioned_ids=ids, seconds=120))


def test_repeated_messages_to_one_person_until_they_reply() -> None:
    engine = _engine()

    def to_bob(n: int) -> set[str]:
        return rules_of(engine, message(f"hello bob {n}", recipient_id="bob",
                                        seconds=n * 120))
    assert [("repeated-target" in to_bob(n)) for n in range(4)] == [False] * 3 + [True]
    # Bob answers: the conversation is welcome, the count starts over.
    rules_of(engine, message("hi!", author="bob", recipient_id="u1", seconds=600))
    assert [("repeated-target" in to_bob(n)) for n in range(10, 13)] == [False] * 3


def test_edits_are_not_new_messages() -> None:
    engine = _engine()
    for i in range(10):
        assert "flood" not in rules_of(engine, message(f"msg {i}", seconds=i, edited=True))


def test_memory_is_bounded() -> None:
    tracker = RepetitionTracker(RepetitionLimits(max_authors=100))
    for n in range(1_000):
        tracker.observe(message(SPAM, author=f"u{n}", seconds=n), SPAM.encode(), [])
    assert len(tracker) == 100
