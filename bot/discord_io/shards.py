"""Gateway shards owned through leases, so several processes can stand by for each other.

With ``[discord] shard_leases = true`` every process logs in (REST works from all of them:
timed actions and notices to Discord run anywhere) but a shard's gateway connection is
held by one process at a time: the holder of the lease ``discord:shard:<n>``
(:mod:`bot.core.services.leases`). The holder renews it every ``RENEW``; the others try
to take it every ``POLL``. When the holder dies its lease runs out after ``TTL`` and a
standby takes it: within ``TTL + POLL`` (12 s), under the 15 s promised.

The new holder RESUMEs the dead holder's gateway session from the database
(:mod:`bot.discord_io.gateway_state`, :mod:`bot.discord_io.resume`), so Discord replays the
events of the gap. If Discord refuses (the session expired), it identifies afresh and
reads back what was posted since the last message seen in each channel.

A holder stopped cleanly (SIGTERM) closes its connection with a resumable close code,
saves the session and gives the lease up, so a standby takes over at once and resumes:
a rolling restart loses nothing. A holder that finds its lease gone (it was frozen past
the lease and another took over) drops its connection at once and stands by again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.errors import ConfigError
from bot.core.services.leases import Lease, LeaseService
from bot.core.services.platform_state import PlatformStateService
from bot.discord_io.gateway_state import GatewaySession, GatewayState

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot

log = logging.getLogger(__name__)

TTL = timedelta(seconds=10)
RENEW = 3.0
POLL = 2.0
SAVE = 0.5
RESUMABLE_CLOSE = 4000
"""A close code after which Discord keeps the session resumable (1000 and 1001 end it)."""


def lease_name(shard: int) -> str:
    return f"discord:shard:{shard}"


LAYOUT_KEY = "discord:shard_count"


async def check_layout(state: PlatformStateService, leases: LeaseService, shard_count: int,
                       now: datetime) -> None:
    """Refuse to start with a ``shard_count`` other than the live processes': two layouts
    would route one guild to two shards, and two processes would both act on its events.

    The count is recorded in the database; a different one is refused while any lease of
    the recorded layout is live, and taken over once all of them have run out (everyone
    was stopped to change it).
    """
    recorded = await state.get(LAYOUT_KEY)
    if recorded and recorded.isdigit() and int(recorded) != shard_count:
        for shard in range(int(recorded)):
            lease = await leases.current(lease_name(shard))
            if lease is not None and lease.expires_at > now:
                raise ConfigError(
                    f"config key 'discord.shard_count' is {shard_count} here, but the "
                    f"processes running on this database use {recorded} (shard {shard} is "
                    f"held by {lease.holder}). Give every process the same shard_count; to "
                    f"change it, stop them all first.")
    await state.put(LAYOUT_KEY, str(shard_count))


class ShardKeeper:
    """Holds, or stands by for, one shard's gateway connection; see the module docstring."""

    def __init__(self, bot: CocBot, leases: LeaseService, state: GatewayState, shard: int,
                 holder: str, *, ttl: timedelta = TTL, renew: float = RENEW,
                 poll: float = POLL, save: float = SAVE) -> None:
        self._bot = bot
        self._leases = leases
        self._state = state
        self._shard = shard
        self._holder = f"{holder}:{secrets.token_hex(3)}"  # a restart is a new holder
        self._ttl, self._renew_every, self._poll, self._save = ttl, renew, poll, save
        self._lease: Lease | None = None
        self._saved: GatewaySession | None = None

    async def run(self) -> None:
        """Stand by, hold, stand by again ... until cancelled (then hand over cleanly)."""
        said = False
        try:
            while True:
                self._lease = await self._leases.acquire(lease_name(self._shard),
                                                         self._holder, self._ttl)
                self._bot.standing_by(self._lease is None)
                if self._lease is None:
                    if not said:
                        log.info("discord: shard %d is held by another process; standing "
                                 "by", self._shard)
                    said = True
                    await asyncio.sleep(self._poll)
                    continue
                said = False
                log.info("discord: this process now owns shard %d", self._shard)
                await self._hold()
                if self._bot.is_closed():
                    return
        finally:
            await self._hand_over()

    async def _hold(self) -> None:
        """Connect (resuming a stored session) and keep the lease until it is lost."""
        session = await self._state.session(self._shard)
        self._saved = session
        if session is not None:
            self._bot.resume_from(session)
        connection = asyncio.create_task(self._bot.connect(reconnect=True),
                                         name=f"discord-shard-{self._shard}")
        saver = asyncio.create_task(self._keep_saving(), name="discord-session-saver")
        try:
            while not connection.done():
                done, _ = await asyncio.wait({connection}, timeout=self._renew_every)
                if done:
                    break
                if not await self._renew():
                    log.error("discord: lost the lease on shard %d; dropping the connection "
                              "and standing by", self._shard)
                    self._lease = None
                    break
            if connection.done():
                connection.result()  # a fatal gateway error (bad token) stops the bot
        finally:
            saver.cancel()
            await asyncio.gather(saver, return_exceptions=True)
            connection.cancel()
            await asyncio.gather(connection, return_exceptions=True)
            await self._drop_connection()

    async def _renew(self) -> bool:
        """Renew the lease; False once it is lost. A database error is retried at the
        next round while the lease still has time left: a busy moment must not drop the
        connection, but a holder that cannot renew must stop before the lease runs out."""
        assert self._lease is not None
        try:
            renewed = await self._leases.renew(self._lease, self._ttl)
        except Exception as exc:
            left = self._lease.expires_at - self._bot.app.clock.now()
            log.warning("discord: could not renew the lease on shard %d (%s); %.0f s left",
                        self._shard, exc, left.total_seconds())
            return left.total_seconds() > self._renew_every
        if renewed is None:
            return False
        self._lease = renewed
        return True

    async def _keep_saving(self) -> None:
        """Save the session and the channel marks while holding the shard."""
        while True:
            await asyncio.sleep(self._save)
            try:
                await self._save_now()
            except Exception as exc:  # the database was busy: the next round saves it
                log.warning("discord: could not save the gateway session: %s", exc)

    async def _save_now(self) -> None:
        ws = self._bot.ws
        if ws is not None and ws.session_id and ws.sequence is not None:
            session = GatewaySession(ws.session_id, ws.sequence, str(ws.gateway))
            if session != self._saved:
                await self._state.save_session(self._shard, session)
                self._saved = session
        await self._state.flush()

    async def _drop_connection(self) -> None:
        """Close the socket without ending the session, so it can still be resumed."""
        ws = self._bot.ws
        self._bot.gateway_lost()
        if ws is not None and ws.open:
            with contextlib.suppress(Exception):
                await ws.close(code=RESUMABLE_CLOSE)

    async def _hand_over(self) -> None:
        """On a clean stop: save where the session is and give the lease up at once."""
        if self._lease is None:
            return
        # Events already received are handled here before the session moves on: the
        # standby resumes after them, so anything cut off now would never be handled.
        await self._bot.finish_handling()
        with contextlib.suppress(Exception):
            await self._save_now()
        with contextlib.suppress(Exception):
            await self._leases.release(self._lease)
            log.info("discord: handed shard %d over", self._shard)
        self._lease = None
