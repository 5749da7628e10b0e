"""A working fake of the flows' :class:`~bot.core.flows.Directory`: who may read which
message, the members of the space, and the standing of each."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.identity import MessageRef, PersonRef
from bot.core.models import Role
from bot.core.ports import SeenMessage


@dataclass
class FakeDirectory:
    # (reader, message) -> what that reader sees; anything else is unreadable to them
    readable: dict[tuple[PersonRef, MessageRef], SeenMessage] = field(default_factory=dict)
    people: list[PersonRef] = field(default_factory=list)
    roles: dict[PersonRef, frozenset[Role]] = field(default_factory=dict)
    listed: int = 0  # how many times the members were listed (a platform call each)

    async def standing(self, person: PersonRef) -> frozenset[Role]:
        return self.roles.get(person, frozenset())

    async def read_as(self, reader: PersonRef, message: MessageRef) -> SeenMessage | None:
        return self.readable.get((reader, message))

    async def members(self) -> list[PersonRef]:
        self.listed += 1
        return list(self.people)
