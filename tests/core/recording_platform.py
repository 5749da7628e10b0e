"""A working fake of the Platform port that records what the domain asked for.

It behaves like a platform (DMs can fail for chosen people, the API can be made
unavailable) so service tests assert on outcomes: what was posted, deleted, restricted.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.errors import DeliveryFailed, PlatformUnavailable
from bot.core.identity import MessageRef, PersonRef, PlaceRef, PlatformName
from bot.core.models import Sanction
from bot.core.ports import Attachment, Audience, ContextMessage, Notice
from bot.core.rules.raid import Restraint


@dataclass
class RecordingPlatform:
    platform: PlatformName = PlatformName.DISCORD
    space: str = "100"
    closed_dms: set[PersonRef] = field(default_factory=set)
    down: bool = False
    can_delete: bool = True
    failing_restores: int = 0  # the next N restores fail as if the API were down
    dms: list[tuple[PersonRef, Notice]] = field(default_factory=list)
    posts: list[tuple[Audience | PlaceRef, Notice]] = field(default_factory=list)
    edits: list[tuple[MessageRef, Notice]] = field(default_factory=list)
    deleted: list[MessageRef] = field(default_factory=list)
    bulk_deletes: list[list[MessageRef]] = field(default_factory=list)
    restrained: dict[PlaceRef, tuple[Restraint, int]] = field(default_factory=dict)
    released: list[tuple[PlaceRef, str]] = field(default_factory=list)
    restricted: list[Sanction] = field(default_factory=list)
    restored: list[Sanction] = field(default_factory=list)
    threads: list[tuple[str, list[PersonRef]]] = field(default_factory=list)
    removed_from_threads: list[tuple[PlaceRef, PersonRef]] = field(default_factory=list)
    reactions: list[tuple[MessageRef, str]] = field(default_factory=list)
    # Channel history the bot can read, oldest first (``write`` adds to it).
    history: dict[str, list[ContextMessage]] = field(default_factory=dict)
    context_reads: list[tuple[MessageRef, int, int]] = field(default_factory=list)
    hang_reads: bool = False  # read_context never answers (a stalled API)
    people: list[PersonRef] = field(default_factory=list)  # the space's members
    # Who reads each audience's channel, and whose standing cannot be looked up.
    audiences: dict[Audience, set[PersonRef]] = field(default_factory=dict)
    unknowable: set[PersonRef] = field(default_factory=set)
    separate: list[str] = field(default_factory=list)  # cases discussed in a place apart
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    @property
    def name(self) -> PlatformName:
        return self.platform

    def format_time(self, moment: datetime) -> str:
        return moment.strftime("%Y-%m-%d %H:%M UTC")

    def mention(self, person: PersonRef) -> str:
        return f"<@{person.id}>"

    def _check(self) -> None:
        if self.down:
            raise PlatformUnavailable("The platform is not answering; try again later.")

    def _message(self, channel: str) -> MessageRef:
        return MessageRef(self.platform, self.space, channel, str(next(self._ids)))

    async def send_dm(self, person: PersonRef, notice: Notice) -> MessageRef:
        self._check()
        if person in self.closed_dms:
            raise DeliveryFailed("That person does not accept direct messages.")
        self.dms.append((person, notice))
        return self._message(f"dm-{person.id}")

    async def members(self, space: str | None = None) -> list[PersonRef]:
        self._check()
        return list(self.people)

    async def post(self, audience: Audience, notice: Notice, *,
                   space: str | None = None) -> MessageRef:
        self._check()
        self.posts.append((audience, notice))
        return self._message(audience.value)

    async def post_in(self, place: PlaceRef, notice: Notice) -> MessageRef:
        self._check()
        self.posts.append((place, notice))
        return self._message(place.id)

    async def edit(self, message: MessageRef, notice: Notice) -> None:
        self._check()
        self.edits.append((message, notice))

    async def delete_message(self, message: MessageRef) -> bool:
        self._check()
        if not self.can_delete:
            return False
        self.deleted.append(message)
        kept = self.history.get(message.channel, [])
        self.history[message.channel] = [m for m in kept if m.message != message]
        return True

    async def delete_messages(self, place: PlaceRef,
                              messages: Sequence[MessageRef]) -> set[MessageRef]:
        self._check()
        self.bulk_deletes.append(list(messages))
        return {m for m in messages if await self.delete_message(m)}

    async def restrain(self, place: PlaceRef, restraint: Restraint, slow_seconds: int) -> str:
        self._check()
        self.restrained[place] = (restraint, slow_seconds)
        return f"{restraint.value}:0"

    async def release(self, place: PlaceRef, undo: str) -> None:
        self._check()
        self.restrained.pop(place, None)
        self.released.append((place, undo))

    def write(self, channel: str, author: PersonRef, text: str, *,
              attachments: tuple[tuple[str, str], ...] = (),
              sent_at: datetime | None = None) -> MessageRef:
        """Somebody writes in a channel: the message joins its history."""
        ref = self._message(channel)
        self.history.setdefault(channel, []).append(
            ContextMessage(ref, author, sent_at, text, attachments))
        return ref

    def edit_written(self, message: MessageRef, text: str) -> None:
        kept = self.history.get(message.channel, [])
        self.history[message.channel] = [
            ContextMessage(m.message, m.author, m.sent_at, text, m.attachments)
            if m.message == message else m for m in kept]

    async def read_context(self, message: MessageRef, before: int,
                           after: int) -> list[ContextMessage]:
        self._check()
        self.context_reads.append((message, before, after))
        if self.hang_reads:
            await asyncio.Event().wait()
        kept = self.history.get(message.channel, [])
        if not message.id.isdigit():  # a message nobody wrote through ``write``
            return []
        pivot = int(message.id)
        earlier = [m for m in kept if int(m.message.id) < pivot][-before:] if before else []
        same = [m for m in kept if m.message == message]
        later = [m for m in kept if int(m.message.id) > pivot][:after]
        return earlier + same + later

    def check_restriction(self, sanction: Sanction) -> None:
        self._check()

    async def restrict(self, sanction: Sanction) -> None:
        self._check()
        self.restricted.append(sanction)

    async def restore(self, sanction: Sanction) -> None:
        self._check()
        if self.failing_restores > 0:
            self.failing_restores -= 1
            raise PlatformUnavailable("Discord failed (503); please try again shortly.")
        self.restored.append(sanction)

    async def in_audience(self, audience: Audience, person: PersonRef, *,
                          space: str | None = None) -> bool:
        """Who reads each audience's channel (``audiences``); a person in ``unknowable``
        cannot be looked up (the platform's API fails for them)."""
        self._check()
        if person in self.unknowable:
            raise PlatformUnavailable("The platform did not answer (503).")
        return person in self.audiences.get(audience, set())

    async def open_private_thread(self, audience: Audience, title: str,
                                  members: Sequence[PersonRef], notice: Notice, *,
                                  separate: bool = False) -> PlaceRef:
        self._check()
        self.threads.append((title, list(members)))
        if separate:
            self.separate.append(title)
        place = PlaceRef(self.platform, self.space, f"thread-{len(self.threads)}")
        self.posts.append((place, notice))
        return place

    async def remove_from_thread(self, thread: PlaceRef, person: PersonRef) -> None:
        self._check()
        self.removed_from_threads.append((thread, person))

    async def add_reactions(self, message: MessageRef, emojis: Sequence[str]) -> None:
        self._check()
        self.reactions += [(message, e) for e in emojis]

    async def remove_reaction(self, message: MessageRef, emoji: str, person: PersonRef) -> None:
        self._check()

    # Helpers for assertions -------------------------------------------------------

    def dms_to(self, person: PersonRef) -> list[str]:
        return [n.text for p, n in self.dms if p == person]

    def posted_to(self, audience: Audience) -> list[str]:
        return [n.text for a, n in self.posts if a == audience]

    def files_to(self, person: PersonRef) -> list[Attachment]:
        return [a for p, n in self.dms if p == person for a in n.attachments]

    def all_text_seen_by(self, person: PersonRef) -> str:
        """Everything the person could read: their DMs, the files sent with them, and
        every non-private post."""
        return "\n".join([*self.dms_to(person),
                          *(a.data.decode("utf-8", "replace") for a in self.files_to(person))])
