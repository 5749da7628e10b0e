"""Unsolicited repetition: cross-posting, floods, mass mentions, pestering one person.

These are about a person's recent messages, not one message, so this detector keeps
state. Time comes from each message's own timestamp (never the wall clock), so replaying
an exported history gives the same answers as the live bot did. Memory is bounded: at most
``max_authors`` people are tracked (least recently active forgotten first), each with a
fixed number of recent messages and targets.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass

from bot.core.automod._keywords import Hit
from bot.core.automod._model import ScannedMessage

DUPLICATE = "duplicate"
FLOOD = "flood"
MASS_MENTION = "mass-mention"
REPEATED_TARGET = "repeated-target"
REPETITION_RULES = (DUPLICATE, FLOOD, MASS_MENTION, REPEATED_TARGET)

_RECENT = 32  # recent messages remembered per person for duplicate detection
_TARGETS = 16  # people remembered per author for repeated messages to one person


@dataclass(frozen=True, slots=True)
class RepetitionLimits:
    """Thresholds; ``None`` turns a check off."""

    flood_messages: int | None = 6  # more than this many messages ...
    flood_seconds: float = 10.0  # ... within this many seconds is a flood
    duplicate_channels: int | None = 3  # the same text in this many channels ...
    duplicate_repeats: int = 4  # ... or this many times anywhere ...
    duplicate_seconds: float = 600.0  # ... within this window
    duplicate_min_length: int = 20  # shorter messages ("thanks!") are never duplicates
    max_mentions: int | None = 5  # this many mentions in one message
    target_messages: int | None = 5  # more than this many messages to one person ...
    target_seconds: float = 3600.0  # ... within this window, without a reply from them
    max_authors: int = 10_000


class _Author:
    __slots__ = ("flagged_flood_at", "prints", "recent", "targets", "times")

    def __init__(self, flood: int) -> None:
        self.times: deque[float] = deque(maxlen=flood + 1)
        self.recent: deque[tuple[float, int, str]] = deque()  # at most _RECENT
        # How many of ``recent`` have each fingerprint: a message seen for the first time
        # (nearly all of them) is known to be no duplicate without reading ``recent``.
        self.prints: dict[int, int] = {}
        self.targets: OrderedDict[str, deque[float]] = OrderedDict()
        self.flagged_flood_at = float("-inf")


# Bytes dropped from the duplicate fingerprint: ASCII spacing and punctuation, so that
# "Buy   now!!!" and "buy now" are the same message (the skeleton has already mapped
# case, homoglyphs, fullwidth forms and leetspeak).
_DROP = bytes(b for b in range(128) if not chr(b).isalnum())


class RepetitionTracker:
    """Feed every new message to ``observe``; it appends hits for the four rules."""

    def __init__(self, limits: RepetitionLimits) -> None:
        self.limits = limits
        self._authors: OrderedDict[str, _Author] = OrderedDict()
        self._flood_cap = limits.flood_messages or 1

    def __len__(self) -> int:
        return len(self._authors)

    def observe(self, message: ScannedMessage, skeleton: bytes, hits: list[Hit]) -> None:
        """Record the message and append hits; ``skeleton`` is its skeleton in UTF-8.

        Runs for every message, so the common path (the author's state found, a message
        not seen before) is written out here rather than in helpers: a call each would
        cost as much as the work it holds.
        """
        limits = self.limits
        mentions = message.mentions
        mentioned = message.mentioned_ids
        if mentioned and len(mentioned) > mentions:
            mentions = len(mentioned)
        if limits.max_mentions is not None and mentions >= limits.max_mentions:
            hits.append((MASS_MENTION, -1, -1, f"{mentions} mentions in one message", 1))
        if message.edited:
            return  # an edit is not a new message: it neither floods nor repeats
        now = message.timestamp.timestamp()
        authors = self._authors
        state = authors.get(message.author_id)
        if state is None:
            state = authors[message.author_id] = _Author(self._flood_cap)
            if len(authors) > limits.max_authors:
                authors.popitem(last=False)  # the least recently active
        else:
            authors.move_to_end(message.author_id)
        if limits.flood_messages is not None:
            times = state.times
            times.append(now)
            if len(times) == times.maxlen and now - times[0] <= limits.flood_seconds:
                self._flood(state, now, hits)
        if limits.duplicate_channels is not None and len(skeleton) >= limits.duplicate_min_length:
            print_ = hash(skeleton.translate(None, _DROP))
            recent, prints = state.recent, state.prints
            horizon = now - limits.duplicate_seconds
            while recent and (recent[0][0] < horizon or len(recent) >= _RECENT):
                gone = recent.popleft()[1]
                left = prints[gone] - 1
                if left:
                    prints[gone] = left
                else:
                    del prints[gone]
            if print_ in prints:  # seen before (rare): only now is ``recent`` read
                self._duplicate(recent, print_, message.channel_id, hits)
            recent.append((now, print_, message.channel_id))
            prints[print_] = prints.get(print_, 0) + 1
        if limits.target_messages is not None and (mentioned or message.recipient_id):
            self._targets(message, state, now, hits)

    def _flood(self, state: _Author, now: float, hits: list[Hit]) -> None:
        """The author's last messages came within the window (checked by ``observe``)."""
        limits = self.limits
        # One detection per burst: the next one only after a quiet spell.
        if now - state.flagged_flood_at > limits.flood_seconds:
            hits.append((FLOOD, -1, -1, f"more than {limits.flood_messages} messages in "
                         f"{limits.flood_seconds:g} seconds", 1))
        state.flagged_flood_at = now

    def _duplicate(self, recent: deque[tuple[float, int, str]], print_: int, channel: str,
                   hits: list[Hit]) -> None:
        """The fingerprint is among the author's recent ones (this message not yet
        recorded): in how many channels, and how often, has it been posted?"""
        limits = self.limits
        where_seen = {channel}
        repeats = 1
        for _, seen, where in recent:
            if seen == print_:
                where_seen.add(where)
                repeats += 1
        channels = len(where_seen)
        assert limits.duplicate_channels is not None
        if channels >= limits.duplicate_channels:
            hits.append((DUPLICATE, -1, -1, f"same message in {channels} channels", 1))
        elif repeats >= limits.duplicate_repeats:
            hits.append((DUPLICATE, -1, -1, f"same message {repeats} times", 1))

    def _targets(self, message: ScannedMessage, state: _Author, now: float,
                 hits: list[Hit]) -> None:
        limits = self.limits
        targets = set(message.mentioned_ids)
        if message.recipient_id:
            targets.add(message.recipient_id)
        targets.discard(message.author_id)
        for target in targets:
            # The target wrote to the author: the conversation is welcome, start over.
            other = self._authors.get(target)
            if other is not None:
                other.targets.pop(message.author_id, None)
            times = state.targets.get(target)
            if times is None:
                times = state.targets[target] = deque(maxlen=(limits.target_messages or 1) + 1)
                if len(state.targets) > _TARGETS:
                    state.targets.popitem(last=False)
            else:
                state.targets.move_to_end(target)
            times.append(now)
            if len(times) == times.maxlen and now - times[0] <= limits.target_seconds:
                hits.append((REPEATED_TARGET, -1, -1, f"more than {limits.target_messages} "
                             f"messages to the same person without a reply", 1))
