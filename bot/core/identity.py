"""Platform-qualified references to people, places and messages.

A person is ``(platform, space, id)``: one case log then serves Discord and Slack at once,
and a person's history can follow them across spaces once staff link their accounts.
References are encoded as ``platform:space:id`` strings for storage and for opaque ids in
button payloads.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Self

from bot.core.errors import InvalidInput


class PlatformName(StrEnum):
    DISCORD = "discord"
    SLACK = "slack"


def _split(encoded: str, parts: int, what: str) -> list[str]:
    pieces = encoded.split(":")
    if len(pieces) != parts or not all(pieces):
        raise InvalidInput(f"'{encoded}' is not a valid {what} reference.")
    try:
        PlatformName(pieces[0])
    except ValueError as exc:
        raise InvalidInput(f"'{pieces[0]}' is not a platform this bot serves.") from exc
    return pieces


@dataclass(frozen=True, slots=True, order=True)
class _SpaceRef:
    """Something with an id in one space of one platform; the subclasses keep people and
    places apart as types (a ``PersonRef`` never equals a ``PlaceRef`` with the same id)."""

    WHAT: ClassVar[str] = "space"
    platform: PlatformName
    space: str
    id: str

    @property
    def key(self) -> str:
        return f"{self.platform.value}:{self.space}:{self.id}"

    @classmethod
    def parse(cls, encoded: str) -> Self:
        platform, space, ident = _split(encoded, 3, cls.WHAT)
        return cls(PlatformName(platform), space, ident)

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True, order=True)
class PersonRef(_SpaceRef):
    """A person on one platform, in one space (Discord guild or Slack workspace)."""

    WHAT: ClassVar[str] = "person"


@dataclass(frozen=True, slots=True, order=True)
class PlaceRef(_SpaceRef):
    """A channel (or thread) on one platform, in one space."""

    WHAT: ClassVar[str] = "channel"


@dataclass(frozen=True, slots=True, order=True)
class MessageRef:
    """A message in a channel; Slack message ids are timestamps such as ``1700000000.0001``."""

    platform: PlatformName
    space: str
    channel: str
    id: str

    @property
    def place(self) -> PlaceRef:
        return PlaceRef(self.platform, self.space, self.channel)

    @property
    def key(self) -> str:
        return f"{self.platform.value}:{self.space}:{self.channel}:{self.id}"

    @classmethod
    def parse(cls, encoded: str) -> MessageRef:
        platform, space, channel, ident = _split(encoded, 4, "message")
        return cls(PlatformName(platform), space, channel, ident)

    def __str__(self) -> str:
        return self.key


SEALED_SPACE = "sealed"
"""The space of a :func:`sealed_person`: no Discord guild or Slack workspace is named so."""


def sealed_person(platform: PlatformName, tag: str) -> PersonRef:
    """A person known only by their seal tag (an anonymous reporter held to account for
    abusing reporting): records can be kept against it and the machine can find whom to
    message (``services._context.try_dm``), but nothing shown to people can name them."""
    return PersonRef(platform, SEALED_SPACE, tag)


def is_sealed(person: PersonRef) -> bool:
    return person.space == SEALED_SPACE


def pseudonym(tag: str) -> str:
    """The opaque name staff see for an anonymous reporter: stable, and it says nothing."""
    return "~" + base64.b32encode(bytes.fromhex(tag)[:5]).decode("ascii").lower()[:6]
