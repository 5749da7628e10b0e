"""What a standby process needs to carry on a dead owner's gateway shard, in the database.

- The gateway session of each shard (``discord:shard:<n>:session``): session id, last
  sequence number and resume URL, as discord.py keeps them on its ``DiscordWebSocket``.
  The owner writes them twice a second while it runs, so a standby can RESUME the session
  and Discord replays every event after that sequence. The saved sequence lags the live
  one by at most a save interval: the standby may see a few events the owner already
  handled (at least once, never lost), and automod's per-message claim and the stored
  votes make those repeats harmless.
- The newest message seen in each watched channel of every server
  (``discord:<guild>:seen:<channel>``), so that when a session can no longer be resumed,
  the standby reads each channel's history after it, in every server on the shard, and
  nothing posted during the gap escapes automod.

Both are ``platform_state`` rows: bookkeeping only, no message content.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from bot.core.services.platform_state import PlatformStateService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GatewaySession:
    session_id: str
    sequence: int
    resume_url: str

    def encode(self) -> str:
        return json.dumps({"session_id": self.session_id, "sequence": self.sequence,
                           "resume_url": self.resume_url}, sort_keys=True)

    @classmethod
    def decode(cls, value: str) -> GatewaySession | None:
        try:
            data = json.loads(value)
            return cls(str(data["session_id"]), int(data["sequence"]), str(data["resume_url"]))
        except (ValueError, KeyError, TypeError):
            return None  # a forgotten or damaged session: identify afresh


def session_key(shard: int) -> str:
    return f"discord:shard:{shard}:session"


class GatewayState:
    """Reads and writes the rows described in the module docstring for one shard's
    client: its session, and the marks of every server whose events come to it."""

    def __init__(self, state: PlatformStateService) -> None:
        self._state = state
        self._seen: dict[tuple[int, int], int] = {}  # (guild, channel) -> newest, unsaved
        self._saved: dict[tuple[int, int], int] = {}

    async def session(self, shard: int) -> GatewaySession | None:
        value = await self._state.get(session_key(shard))
        return GatewaySession.decode(value) if value else None

    async def save_session(self, shard: int, session: GatewaySession) -> None:
        await self._state.put(session_key(shard), session.encode())

    async def forget_session(self, shard: int) -> None:
        """After a clean stop the session is closed on Discord's side: nothing to resume."""
        await self._state.put(session_key(shard), "")

    @staticmethod
    def _seen_key(guild: int, channel: int) -> str:
        return f"discord:{guild}:seen:{channel}"

    def note_seen(self, guild: int, channel: int, message: int) -> None:
        """Remember (in memory) that ``message`` arrived in ``channel`` of ``guild``; saved
        by ``flush``."""
        if message > self._seen.get((guild, channel), 0):
            self._seen[(guild, channel)] = message

    async def flush(self) -> int:
        """Save the marks that moved since the last flush; returns how many."""
        moved = {key: m for key, m in self._seen.items() if self._saved.get(key) != m}
        for (guild, channel), message in moved.items():
            await self._state.put(self._seen_key(guild, channel), str(message))
            self._saved[(guild, channel)] = message
        return len(moved)

    async def last_seen(self, guild: int, channel: int) -> int | None:
        value = await self._state.get(self._seen_key(guild, channel))
        return int(value) if value and value.isdigit() else None
