"""The Code of Conduct as data: clauses with stable ids, and per-channel tailoring.

The Code marks bracketed parts that each channel tailors (its name, what it restricts,
how to report there). Clause texts use ``{space_name}``-style placeholders for those, so
one Code renders correctly in every channel, and DMs can cite the exact clause.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.errors import ConfigError, InvalidInput

PROFILE_FIELDS = frozenset(
    {"space_name", "description", "restricted_content", "how_to_report", "acceptance_mechanism"}
)


class ClauseSection(StrEnum):
    DO = "do"
    DONT = "dont"
    REPORTING = "reporting"


@dataclass(frozen=True, slots=True)
class ChannelProfile:
    """The bracketed parts of the Code, filled in for one channel or space."""

    space_name: str = "this community"
    description: str = ""
    restricted_content: str = "content restricted by this channel's policy"
    how_to_report: str = "using the /report command or the \"Report message\" action"
    acceptance_mechanism: str = "asked by direct message to accept it again"
    restricts_promotion: bool = False

    def values(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in PROFILE_FIELDS}


@dataclass(frozen=True, slots=True)
class Clause:
    id: str
    section: ClauseSection
    title: str
    text: str
    avoid: str  # how to avoid a similar incident next time

    def render(self, profile: ChannelProfile) -> str:
        return self.text.format_map(profile.values())


@dataclass(frozen=True, slots=True)
class CodeText:
    """The whole Code; ``clauses`` keep the document's order."""

    title: str
    introduction: str
    clauses: tuple[Clause, ...]
    closing: str = ""
    _by_id: dict[str, Clause] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for clause in self.clauses:
            if clause.id in self._by_id:
                raise ConfigError(f"Code of Conduct: clause id '{clause.id}' is used twice.")
            self._by_id[clause.id] = clause
        for name, text in self._texts():
            unknown = _placeholders(text) - PROFILE_FIELDS
            if unknown:
                raise ConfigError(
                    f"Code of Conduct: {name} uses unknown placeholder(s) "
                    f"{', '.join(sorted(unknown))}; allowed: {', '.join(sorted(PROFILE_FIELDS))}."
                )

    def _texts(self) -> list[tuple[str, str]]:
        texts = [("introduction", self.introduction), ("closing", self.closing)]
        texts += [(f"clause '{c.id}'", c.text) for c in self.clauses]
        texts += [(f"clause '{c.id}' (avoid)", c.avoid) for c in self.clauses]
        return texts

    def clause(self, clause_id: str) -> Clause:
        found = self._by_id.get(clause_id.strip())
        if found is None:
            raise InvalidInput(
                f"There is no clause '{clause_id}' in the Code of Conduct. "
                f"Choose one of: {', '.join(self._by_id)}."
            )
        return found

    def has(self, clause_id: str) -> bool:
        return clause_id in self._by_id

    def matching(self, typed: str, limit: int = 25) -> list[Clause]:
        """Clauses whose id or title contains what was typed, for autocomplete."""
        needle = typed.strip().lower()
        hits = [c for c in self.clauses if needle in c.id or needle in c.title.lower()]
        return hits[:limit]

    def digest(self) -> str:
        material = "\n".join([self.title, self.introduction, self.closing]
                             + [f"{c.id}|{c.section}|{c.title}|{c.text}|{c.avoid}"
                                for c in self.clauses])
        return hashlib.sha256(material.encode()).hexdigest()

    def render(self, profile: ChannelProfile) -> str:
        """The Code as a member of one channel should read it."""
        values = profile.values()
        parts = [f"**{self.title}**", self.introduction.format_map(values)]
        headings = {ClauseSection.DO: "Please do:", ClauseSection.DONT: "Please do not:",
                    ClauseSection.REPORTING: "Reporting:"}
        for section in ClauseSection:
            items = [c for c in self.clauses if c.section is section]
            if items:
                parts.append(f"**{headings[section]}**")
                parts.extend(f"• **{c.title}** — {c.render(profile)}" for c in items)
        if self.closing:
            parts.append(self.closing.format_map(values))
        return "\n".join(parts)


class ProfileBook:
    """Finds the profile for a channel: the channel's own, its space's, or the default."""

    def __init__(self, default: ChannelProfile, by_key: Mapping[str, ChannelProfile]) -> None:
        self.default = default
        self._by_key = dict(by_key)

    def for_place(self, *keys: str | None) -> ChannelProfile:
        for key in keys:
            if key and key in self._by_key:
                return self._by_key[key]
        return self.default


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
