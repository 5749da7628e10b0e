"""Two gateway shards on two ``coc-bot run`` processes, and a standby for both.

The fake Discord shards as Discord does: ``GET /gateway/bot`` advises ``shard_count``,
each IDENTIFY names ``[shard, count]``, and a server's events go only to the session of
shard ``(guild_id >> 22) % count``. Shard 0 carries two servers, shard 1 one. In order:

1. alpha holds shard 0 and beta shard 1, each through its lease: each process
   identifies for its own shard only, and a message in each server reaches (and is acted
   on by) the holder of that server's shard alone, once.
2. SIGKILL of beta: the standby, gamma, holds shard 1 within 15 s and RESUMEs beta's
   session, so a message posted in the gap is acted on (the server on shard 1 is not the
   configured first one: it is loaded from REST before the replay).
3. SIGKILL of alpha with Discord refusing the resume: gamma holds shard 0 within 15 s,
   identifies afresh and reads back what was posted in the gap in BOTH servers of the
   shard, from the last message seen in each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.identity import PlatformName
from bot.core.models import Incident, PlatformState
from bot.core.ports import Storage
from bot.core.services.leases import PREFIX as LEASE_PREFIX
from bot.core.services.leases import Lease
from bot.discord_io.shards import lease_name
from bot.sealing import generate_key
from storage import open_storage
from tests.fakes.discord.server import FakeDiscord, FakeUser
from tests.ports import free_port
from tests.scale.processes import BotProcess, start_bot, wait_until
from tests.waiting import DEADLINE

CARD = "my card is 4111 1111 1111 1111"
TAKEOVER = 60.0
"""How long to wait for a standby before failing: the design takes over within the lease
(15 s), but a test asserts what happens, not how fast on a busy shared machine."""
JSON = dict[str, object]


class Sharded:
    """The fake Discord with three servers over two shards, the processes, the database."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp, self.url = tmp_path, database_url
        self.discord = d = FakeDiscord()
        d.shard_count = 2
        home_shard = d.shard_of(d.guild_id)
        self.zero = [d.guild_id, d.add_guild(shard=home_shard)]  # the servers of shard 0 ...
        self.one = [d.add_guild(shard=1 - home_shard)]  # ... and of shard 1
        if home_shard == 1:  # name the shards by what they carry, not by their number
            self.zero, self.one = self.one, self.zero
        self.bob: FakeUser = d.member("bob")
        self.ids: dict[int, dict[str, int]] = {}
        for guild in [*self.zero, *self.one]:
            if guild != d.guild_id:
                d.join(self.bob, guild)
            staff = d.role(f"Staff {guild}", guild=guild)
            self.ids[guild] = {"staff": staff,
                               "queue": d.channel("queue", guild=guild),
                               "general": d.channel("general", guild=guild)}
        self.bots: list[BotProcess] = []
        self.store: Storage | None = None
        self.seal_key = generate_key()

    def shard_of(self, guild: int) -> int:
        return 0 if guild in self.zero else 1

    def config(self, shard_ids: list[int] | None) -> str:
        d = self.discord
        home = self.ids[d.guild_id]
        lines = ['[committee]\nhome = "discord"\n\n[discord]', f"guild_id = {d.guild_id}",
                 f"staff_role_id = {home['staff']}", f"staff_queue_channel_id = {home['queue']}",
                 *(f"{key} = {home['staff']}" for key in
                   ("committee_role_id", "counsel_role_id", "executive_role_id")),
                 *(f"{key} = {home['queue']}" for key in
                   ("committee_channel_id", "executive_channel_id")),
                 "shard_count = 2", "shard_leases = true"]
        if shard_ids is not None:
            lines.append(f"shard_ids = {shard_ids}")
        for guild, ids in self.ids.items():
            if guild != d.guild_id:
                lines += ["", "[[discord.servers]]", f"guild_id = {guild}",
                          f"staff_role_id = {ids['staff']}",
                          f"staff_queue_channel_id = {ids['queue']}"]
        return "\n".join(lines) + "\n"

    async def add(self, name: str, shard_ids: list[int] | None = None) -> BotProcess:
        env = {"DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE": self.discord.api_base,
               "DISCORD_GATEWAY_URL": self.discord.gateway_url, "DATABASE_URL": self.url,
               "COC_BOT_SEAL_KEYS": self.seal_key, "SLACK_BOT_TOKEN": "",
               "SLACK_APP_TOKEN": "", "SLACK_SIGNING_SECRET": ""}
        bot = await start_bot(name, self.tmp, self.config(shard_ids), env, free_port())
        self.bots.append(bot)
        return bot

    async def holder(self, shard: int) -> BotProcess | None:
        """The live process holding the shard's lease (its holder names host:pid:nonce)."""
        assert self.store is not None
        async with self.store.transaction() as tx:
            row = await tx.get(PlatformState, LEASE_PREFIX + lease_name(shard))
        lease = Lease.decode(lease_name(shard), row.value) if row is not None else None
        if lease is None or lease.expires_at <= datetime.now(UTC):
            return None
        pid = int(lease.holder.split(":")[1])
        return next((b for b in self.bots if b.pid == pid and b.proc.returncode is None),
                    None)

    async def held_by(self, shard: int, bot: BotProcess, limit: float) -> float:
        async def check() -> bool:
            return await self.holder(shard) is bot and self.discord.shard_connected(shard)
        return await wait_until(check, f"{bot.name} held shard {shard}", limit, self.bots)

    async def incidents(self) -> list[str]:
        assert self.store is not None
        async with self.store.transaction() as tx:
            found = await tx.find(Incident)
        return [i.message.key for i in found
                if i.message and i.message.platform is PlatformName.DISCORD]

    def key(self, message: JSON) -> str:
        channel = int(str(message["channel_id"]))
        return f"discord:{self.discord.guild_of(channel)}:{channel}:{message['id']}"

    async def removed(self, message: JSON, what: str) -> None:
        """The card was deleted and its incident recorded (the record follows the
        deletion; waiting for it keeps a later kill from landing between the two)."""
        await self.discord.wait_for(
            lambda: self.discord.find("DELETE", f"/messages/{message['id']}"), what, limit=DEADLINE)

        async def recorded() -> bool:
            return self.key(message) in await self.incidents()
        await wait_until(recorded, f"recorded {what}", DEADLINE, self.bots)

    async def stop(self) -> None:
        for bot in self.bots:
            await bot.stop()
        if self.store is not None:
            await self.store.close()
        await self.discord.stop()


@pytest.fixture
async def sharded(tmp_path: Path, database_url: str) -> AsyncIterator[Sharded]:
    built = Sharded(tmp_path, database_url)
    await built.discord.start()
    try:
        yield built
    finally:
        await built.stop()


def _went_to(fake: FakeDiscord, shard: int, message: JSON) -> bool:
    session = fake.session_of(shard)
    return session is not None and any(
        e["t"] == "MESSAGE_CREATE" and e["d"]["id"] == message["id"]  # type: ignore[index]
        for e in session.sent)


async def _each_holder_handles_its_own_servers(s: Sharded) -> list[JSON]:
    cards = []
    for guild in [*s.zero, *s.one]:
        card = await s.discord.say(s.bob, s.ids[guild]["general"], f"{CARD} ({guild})")
        shard = s.shard_of(guild)
        assert _went_to(s.discord, shard, card) and not _went_to(s.discord, 1 - shard, card)
        await s.removed(card, f"removed the card in server {guild}")
        cards.append(card)
    return cards


async def _standby_resumes_shard_one(s: Sharded, beta: BotProcess,
                                     gamma: BotProcess) -> JSON:
    beta.kill()
    await wait_until(lambda: not s.discord.shard_connected(1), "saw beta's socket close",
                     DEADLINE)
    guild = s.one[0]
    gap = await s.discord.say(s.bob, s.ids[guild]["general"], CARD + " (nobody held shard 1)")
    resumes = len(s.discord.resumed)
    await s.held_by(1, gamma, TAKEOVER)
    await wait_until(lambda: len(s.discord.resumed) > resumes, "resumed shard 1", TAKEOVER,
                     s.bots)
    await s.removed(gap, "removed the card posted while nobody held shard 1")
    return gap


async def _standby_reads_back_shard_zero(s: Sharded, alpha: BotProcess,
                                         gamma: BotProcess) -> list[JSON]:
    s.discord.refuse_resume = True
    alpha.kill()
    await wait_until(lambda: not s.discord.shard_connected(0), "saw alpha's socket close",
                     DEADLINE)
    missed = [s.discord.post_message(s.ids[guild]["general"], s.bob, f"{CARD} (gap {guild})")
              for guild in s.zero]
    identifies = s.discord.identifies.count((0, 2))
    await s.held_by(0, gamma, TAKEOVER)
    await wait_until(lambda: s.discord.identifies.count((0, 2)) > identifies,
                     "identified afresh for shard 0", TAKEOVER, s.bots)
    for card in missed:  # both servers of the shard, not only the configured first one
        await s.removed(card, f"read back the card posted in {card['channel_id']}")
    return missed


@pytest.mark.slow
async def test_two_shards_two_holders_and_a_standby_that_takes_either(
        sharded: Sharded) -> None:
    s = sharded
    alpha, beta = await s.add("alpha", [0]), await s.add("beta", [1])
    s.store = await open_storage(s.url)
    await s.store.migrate()  # racing the two processes' migrations, as they race each other
    await s.held_by(0, alpha, 90)
    await s.held_by(1, beta, 90)
    assert set(s.discord.identifies) == {(0, 2), (1, 2)}  # each for its own shard
    assert s.discord.identifies.count((0, 2)) == s.discord.identifies.count((1, 2)) == 1
    cards = await _each_holder_handles_its_own_servers(s)

    gamma = await s.add("gamma")  # may hold either shard: stands by for both
    await wait_until(lambda: gamma.output().count("standing by") >= 2, "gamma stood by",
                     60, s.bots)
    assert await s.holder(0) is alpha and await s.holder(1) is beta
    cards.append(await _standby_resumes_shard_one(s, beta, gamma))
    assert await s.holder(0) is alpha  # the other shard was never disturbed
    cards += await _standby_reads_back_shard_zero(s, alpha, gamma)

    incidents = Counter(await s.incidents())
    assert incidents == Counter(s.key(card) for card in cards), incidents  # once each
