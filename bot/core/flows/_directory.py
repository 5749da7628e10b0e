"""What a flow asks the platform about people: the front-end answers for its platform."""

from __future__ import annotations

from typing import Protocol

from bot.core.identity import PersonRef
from bot.core.models import Role
from bot.core.ports import MessageReader


class Directory(MessageReader, Protocol):
    """Platform facts a flow needs: a member's standing, and messages read on a person's
    behalf (only as far as that person may read them: the ``MessageReader`` port)."""

    async def standing(self, person: PersonRef) -> frozenset[Role]:
        """The protected roles ``person`` holds (acting on them needs ``confirm``).

        Raises ``NotPermitted`` when the platform will not let the bot act on them at all
        (on Discord, someone at or above the bot's highest role).
        """

    async def members(self) -> list[PersonRef]:
        """The people (not bots) of the space the interaction came from."""
