"""What a flow asks the platform about people: the front-end answers for its platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.core.identity import MessageRef, PersonRef
from bot.core.models import Role


@dataclass(frozen=True, slots=True)
class ReadMessage:
    """A message the bot read on the platform: who wrote it and what it says."""

    message: MessageRef
    author: PersonRef
    text: str


class Directory(Protocol):
    async def read_message(self, message: MessageRef) -> ReadMessage | None:
        """The message, or None when it is gone or the bot cannot read it."""

    async def standing(self, person: PersonRef) -> frozenset[Role]:
        """The protected roles ``person`` holds (acting on them needs ``confirm``).

        Raises ``NotPermitted`` when the platform will not let the bot act on them at all
        (on Discord, someone at or above the bot's highest role).
        """
