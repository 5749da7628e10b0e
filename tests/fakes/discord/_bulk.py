"""The fake Discord's raid-mode routes: bulk delete, slow mode, channel overwrites read back.

Discord's own limits, so the bot cannot pass against the fake and fail against Discord:
``POST /channels/{id}/messages/bulk-delete`` takes 2 to 100 distinct ids, refuses the
whole call (400, code 50034) if any of them is older than 14 days, and ignores ids that
do not exist (they still count toward the limits); ``PATCH /channels/{id}`` sets
``rate_limit_per_user`` (slow mode) between 0 and 21600 seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000
BULK_MAX_AGE = timedelta(days=14)
FAKE_EPOCH = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
"""The fake's "now" for snowflakes, the same moment as the tests' FakeClock, so messages
made during a test are fresh for the bot's 14-day rule."""


def snowflake_at(moment: datetime) -> int:
    return (int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def _error(code: int, message: str) -> tuple[int, JSON]:
    return 400, {"message": message, "code": code}


class BulkRoutes:
    """Mixed into ``FakeDiscord``: the state it reads is the fake's own."""

    messages: dict[int, dict[int, JSON]]
    channels: dict[int, JSON]
    overwrites: dict[tuple[int, int], JSON]
    now: datetime

    def bulk_delete(self, channel: int, body: JSON) -> tuple[int, Any]:
        wanted = [int(m) for m in body.get("messages") or []]
        if not 2 <= len(wanted) <= 100:
            return _error(50035, "Invalid Form Body: messages must have 2 to 100 items")
        if len(set(wanted)) != len(wanted):
            return _error(50035, "Invalid Form Body: duplicate message ids")
        if any(self.now - snowflake_time(m) > BULK_MAX_AGE for m in wanted):
            return _error(50034, "You can only bulk delete messages that are under 14 days "
                                 "old.")
        kept = self.messages.get(channel, {})
        for message_id in wanted:
            kept.pop(message_id, None)
        return 204, None

    def edit_channel(self, channel: int, body: JSON) -> tuple[int, Any]:
        found = self.channels.get(channel)
        if found is None:
            return 404, {"message": "Unknown Channel", "code": 10003}
        if "rate_limit_per_user" in body:
            seconds = int(body["rate_limit_per_user"] or 0)
            if not 0 <= seconds <= 21600:
                return _error(50035, "Invalid Form Body: rate_limit_per_user 0-21600")
            found["rate_limit_per_user"] = seconds
        return 200, self.channel_json(channel)

    def channel_json(self, channel: int) -> JSON:
        """The channel with its overwrites as they are now (the bot reads them back)."""
        found = dict(self.channels[channel])
        found["permission_overwrites"] = [
            {**item, "id": str(target)} for (where, target), item in self.overwrites.items()
            if where == channel]
        return found
