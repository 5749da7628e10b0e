"""Three real ``coc-bot run`` processes on one database, against the fake Discord and Slack.

What several processes must never do is act twice or drop something; what they must do is
share the work and survive the loss of one. In order:

1. Slack requests sent round-robin to the three (HTTP mode, as behind a load balancer),
   each replayed to another process and retried as Slack retries, are each handled once.
2. Many lifts created at once (by a fourth writer, announced on the notifier) run exactly
   once in total, promptly, not at the next minute's sweep.
3. SIGKILL of the process owning the Discord shard: another takes it over within 15 s and
   RESUMEs the dead one's session, and a message posted while nobody held the shard is
   acted on. Then the new owner is killed too, with Discord refusing the resume: the last
   process identifies afresh and reads the gap back from the channel's history.

Nothing is duplicated: one report per command, one incident per message, one lift each.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.core.identity import PersonRef, PlaceRef, PlatformName
from bot.core.models import (
    ActionKind,
    ActionStatus,
    AuditEntry,
    Case,
    Incident,
    OutboxMessage,
    PlatformState,
    Report,
    Sanction,
    SanctionScope,
    ScheduledAction,
)
from bot.core.ports import NoticeKind, Storage
from bot.core.services.leases import PREFIX as LEASE_PREFIX
from bot.core.services.leases import Lease
from bot.discord_io.gateway_state import GatewaySession, session_key
from bot.discord_io.shards import lease_name
from bot.sealing import generate_key
from storage import notifier_for, open_storage
from tests.fakes.discord.server import FakeDiscord, FakeUser
from tests.fakes.slack import FakeSlack
from tests.ports import free_port
from tests.scale.processes import BotProcess, port_open, start_bot, wait_until
from tests.slack.conftest import (
    GENERAL,
    OUTSIDER,
    QUEUE,
    REPORTER,
    SECRET,
    STAFF_USER,
    SUBJECT,
    TEAM,
    sign,
)
from tests.slack.conftest import seed as seed_slack
from tests.waiting import DEADLINE

LIFTS = 10_000
SPREAD = timedelta(seconds=20)  # all of them fall due within this (the promise: a minute)
LIFT_LAG = 150.0  # every lift done within this after the last fell due (a loaded CI box)
CARD = "my card is 4111 1111 1111 1111"
TAKEOVER = 60.0
"""How long to wait for a standby before failing: the design takes over within the lease
(15 s), but a test asserts what happens, not how fast on a busy shared machine."""
FORM = "application/x-www-form-urlencoded"


class Cluster:
    """The two fakes, the three processes, and a reading connection to their database."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp, self.url = tmp_path, database_url
        self.discord, self.slack = FakeDiscord(), FakeSlack(team=TEAM)
        staff = self.discord.role("Staff")
        self.queue = self.discord.channel("queue")
        self.general = self.discord.channel("general")
        self.bob: FakeUser = self.discord.member("bob")
        self.roles = {"staff_role_id": staff, "committee_role_id": staff,
                      "counsel_role_id": staff, "executive_role_id": staff,
                      "staff_queue_channel_id": self.queue,
                      "committee_channel_id": self.queue, "executive_channel_id": self.queue}
        self.bots: list[BotProcess] = []
        self.api = ""
        self.store: Storage | None = None
        self.seal_key = generate_key()  # one for all: PostgreSQL has no file to keep it by

    def config(self, port: int) -> str:
        discord = "\n".join(f"{k} = {v}" for k, v in self.roles.items())
        return (f'[committee]\nhome = "slack"\n\n[discord]\nguild_id = {self.discord.guild_id}\n'
                f"{discord}\nshard_count = 1\nshard_leases = true\n\n"
                f'[slack]\nteam_id = "{TEAM}"\nstaff = ["{STAFF_USER}"]\n'
                f'committee = ["UC1"]\ncounsel = ["UC1"]\nexecutive = ["UC1"]\n'
                f'staff_queue_channel = "{QUEUE}"\ncommittee_channel = "GCOMMITTEE"\n'
                f'executive_channel = "GEXEC"\nmanaged_channels = ["{GENERAL}"]\n'
                f"http_port = {port}\n")

    def env(self, slack_api: str) -> dict[str, str]:
        return {"DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE": self.discord.api_base,
                "DISCORD_GATEWAY_URL": self.discord.gateway_url,
                "SLACK_BOT_TOKEN": self.slack.bot_token, "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_ADMIN_TOKEN": self.slack.admin_token, "SLACK_API_BASE": slack_api,
                "SLACK_APP_TOKEN": "", "DATABASE_URL": self.url,
                "COC_BOT_SEAL_KEYS": self.seal_key}

    async def start(self) -> None:
        await self.discord.start()
        seed_slack(self.slack)
        api = await self.slack.start()
        # All three at once: they race for the migrations, the seal key and the Code's
        # first version as well as for the shard.
        self.api = api
        for name in ("alpha", "beta", "gamma"):
            await self.add(name, wait=False)
        for bot in self.bots:
            await wait_until(lambda bot=bot: port_open(bot.http_port),  # type: ignore[misc]
                             f"{bot.name} served Slack", 60, self.bots)
        self.store = await open_storage(self.url)

    async def add(self, name: str, *, wait: bool = True) -> BotProcess:
        port = free_port()
        bot = await start_bot(name, self.tmp, self.config(port), self.env(self.api), port)
        self.bots.append(bot)
        if wait:
            await wait_until(lambda: port_open(port), f"{name} served Slack", 60, self.bots)
        return bot

    async def stop(self) -> None:
        for bot in self.bots:
            await bot.stop()
        if self.store is not None:
            await self.store.close()
        await self.discord.stop()
        await self.slack.stop()

    async def count(self, cls: type, **where: object) -> int:
        assert self.store is not None
        async with self.store.transaction() as tx:
            return await tx.count(cls, **where)

    async def shard_owner(self) -> BotProcess | None:
        """The live process holding the shard's lease (its holder names host:pid:nonce)."""
        assert self.store is not None
        async with self.store.transaction() as tx:
            row = await tx.get(PlatformState, LEASE_PREFIX + lease_name(0))
        lease = Lease.decode(lease_name(0), row.value) if row is not None else None
        if lease is None or lease.expires_at <= datetime.now(UTC):
            return None
        pid = int(lease.holder.split(":")[1])
        return next((b for b in self.bots if b.pid == pid and b.proc.returncode is None),
                    None)


@pytest.fixture
async def cluster(tmp_path: Path, database_url: str) -> AsyncIterator[Cluster]:
    built = Cluster(tmp_path, database_url)
    try:
        await built.start()
        yield built
    finally:
        await built.stop()


async def _post(session: aiohttp.ClientSession, bot: BotProcess, body: str, kind: str,
                retry: int = 0) -> int:
    now = int(time.time())
    headers = {"Content-Type": kind, "X-Slack-Request-Timestamp": str(now),
               "X-Slack-Signature": sign(body, now)}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    async with session.post(f"http://127.0.0.1:{bot.http_port}/slack/events",
                            data=body.encode(), headers=headers) as resp:
        return resp.status


async def _slack_round_robin(c: Cluster) -> None:
    reporters = [REPORTER, OUTSIDER, "UC1", "UC2", "UC3", "UC4"]  # each under the rate limit
    commands = [urlencode({
        "token": "legacy", "team_id": TEAM, "channel_id": GENERAL, "user_id": reporters[n],
        "command": "/report", "text": f"<@{SUBJECT}|s> was rude, time {n}",
        "trigger_id": f"trigger-{n}", "response_url": c.slack.response_url(f"r{n}")})
        for n in range(6)]
    events = []
    for n in range(6):
        ts = c.slack.add_message(GENERAL, SUBJECT, CARD)
        events.append(json.dumps({
            "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
            "event_id": f"Ev{n}", "event_time": int(time.time()), "event": {
                "type": "message", "channel": GENERAL, "user": SUBJECT, "text": CARD,
                "ts": ts, "event_ts": ts, "channel_type": "channel", "team": TEAM}}))
    three = c.bots
    async with aiohttp.ClientSession() as session:
        sends = [_post(session, three[n % 3], body, FORM) for n, body in enumerate(commands)]
        sends += [_post(session, three[(n + 1) % 3], body, FORM)  # a replay elsewhere
                  for n, body in enumerate(commands)]
        sends += [_post(session, three[n % 3], body, "application/json")
                  for n, body in enumerate(events)]
        sends += [_post(session, three[(n + 2) % 3], body, "application/json", retry=1)
                  for n, body in enumerate(events)]
        assert set(await asyncio.gather(*sends)) == {200}
    async def recorded() -> bool:  # the removal comes first, the incident right after it
        return len(await _incidents(c, PlatformName.SLACK)) >= 6
    await wait_until(recorded, "recorded the six removals", DEADLINE, c.bots)
    await wait_until(lambda: len(c.slack.called("response_url")) >= 6,
                     "answered the six reporters", DEADLINE, c.bots)
    assert await c.count(Report) == 6
    assert len(c.slack.called("response_url")) == 6  # one answer each, none for a replay
    slack_incidents = await _incidents(c, PlatformName.SLACK)
    assert len(slack_incidents) == 6 and len(set(slack_incidents)) == 6, slack_incidents
    assert len(c.slack.called("chat.delete")) == 6


async def _incidents(c: Cluster, platform: PlatformName) -> list[str]:
    assert c.store is not None
    async with c.store.transaction() as tx:
        found = await tx.find(Incident)
    return [i.message.key for i in found if i.message and i.message.platform is platform]


async def _write_suspensions(c: Cluster, users: list[str], first_due: datetime,
                             spread: timedelta) -> None:
    """Suspensions recorded as ``suspend`` records them (the sanction, its audit entry,
    its lift), written straight to the database by a fourth writer, 1,000 per
    transaction: 10,000 calls through the service would take longer than the lifts. Each
    commit is announced (NOTIFY, or the poll on SQLite), as ``schedule`` would."""
    assert c.store is not None
    staff = PersonRef(PlatformName.SLACK, TEAM, STAFF_USER)
    general = PlaceRef(PlatformName.SLACK, TEAM, GENERAL)
    started = datetime.now(UTC)
    for chunk in range(0, len(users), 1000):
        sanctions = [Sanction(
            id=f"S-LIFT{n:05d}", subject=PersonRef(PlatformName.SLACK, TEAM, user),
            scope=SanctionScope.CHANNEL, starts_at=started, reason="cooling off",
            clause_id="no-harassment", interim=False, automated=False, channel=general,
            ends_at=first_due + spread * n / len(users), actor=staff)
            for n, user in enumerate(users[chunk:chunk + 1000], start=chunk)]
        async with c.store.transaction() as tx:
            await tx.insert_all(sanctions)
            await tx.insert_all([AuditEntry(
                id=uuid.uuid4().hex, at=started, action="sanction.suspended",
                subject_type="sanction", subject_id=s.id, automated=False, actor=staff,
                reason=s.reason) for s in sanctions])
            await tx.insert_all([ScheduledAction(
                id=ScheduledAction.key_for(ActionKind.LIFT_SANCTION, s.id),
                kind=ActionKind.LIFT_SANCTION, subject_id=s.id, due_at=s.ends_at)
                for s in sanctions if s.ends_at is not None])


async def _lifts_run_once(c: Cluster) -> None:
    """10,000 lifts falling due within a minute run exactly once in total, promptly.

    Written while the processes run (each commit is announced, so they hear of them at
    once), due from 15 s on over ``SPREAD``; each must be done within ``LIFT_LAG`` of
    falling due, which takes the three processes far more than the 56 lifts a second
    they managed one at a time."""
    users = [f"ULIFT{n:05d}" for n in range(LIFTS)]
    first_due = datetime.now(UTC) + timedelta(seconds=15)
    await _write_suspensions(c, users, first_due, SPREAD)
    assert c.store is not None
    notifier = notifier_for(c.store)
    if "timed" not in notifier.announces:  # SQLite: tell the others, as ``wake`` does
        await notifier.publish("timed")
    lifts = {"kind": ActionKind.LIFT_SANCTION}
    first = await wait_until(lambda: c.count(ScheduledAction, status=ActionStatus.DONE,
                                             **lifts), "ran a lift", 45, c.bots)
    assert first < 30, "the lifts waited for a sweep instead of the notifier"
    last_due = first_due + SPREAD
    try:
        await wait_until(lambda: _all_done(c), "ran every lift",
                         (last_due - datetime.now(UTC)).total_seconds() + LIFT_LAG, c.bots)
    except AssertionError as exc:  # say how far they got: a slow machine, or a stall?
        done = await c.count(ScheduledAction, status=ActionStatus.DONE, **lifts)
        raise AssertionError(f"{done} of {LIFTS} lifts done\n{exc}") from None
    print(f"{LIFTS} lifts done {(datetime.now(UTC) - last_due).total_seconds():.1f} s "
          "after the last fell due")
    invites = Counter(str(call.get("users")) for call in c.slack.called("conversations.invite"))
    assert {u: invites[u] for u in users} == dict.fromkeys(users, 1)
    assert c.store is not None
    async with c.store.transaction() as tx:
        runs = await tx.find(ScheduledAction, **lifts)
        audited = Counter(e.subject_id for e in await tx.find(
            AuditEntry, action="sanction.lifted"))
        told = Counter(m.recipient.id for m in await tx.find(
            OutboxMessage, notice_kind=NoticeKind.LIFT_DM.value) if m.recipient)
    assert len(runs) == LIFTS and all(run.attempts == 1 for run in runs)
    assert len(audited) == LIFTS and set(audited.values()) == {1}
    assert {u: told[u] for u in users} == dict.fromkeys(users, 1)  # one DM each, queued


async def _all_done(c: Cluster) -> bool:
    kind = ActionKind.LIFT_SANCTION
    return await c.count(ScheduledAction, kind=kind, status__ne=ActionStatus.DONE) == 0


async def _saved_sequence(c: Cluster) -> int:
    assert c.store is not None
    async with c.store.transaction() as tx:
        row = await tx.get(PlatformState, session_key(0))
    session = GatewaySession.decode(row.value) if row is not None and row.value else None
    return session.sequence if session is not None else -1


async def _card(c: Cluster, note: str) -> dict[str, object]:
    """Post a card number and wait until the bot removed it and recorded the incident.

    Waiting for the record too keeps the kill that may follow from landing between the
    removal and its record: the removal is a call to Discord, the record a transaction
    after it, and a SIGKILL between the two loses the record (the message is gone either
    way). On PostgreSQL under load that window is wide enough to hit."""
    message = await c.discord.say(c.bob, c.general, f"{CARD} ({note})")
    await c.discord.wait_for(lambda: c.discord.find("DELETE", f"/messages/{message['id']}"),
                             f"removed the card ({note})", limit=DEADLINE)
    key = f"discord:{c.discord.guild_id}:{c.general}:{message['id']}"

    async def recorded() -> bool:
        return key in await _incidents(c, PlatformName.DISCORD)
    await wait_until(recorded, f"recorded the card ({note})", DEADLINE, c.bots)
    return message


async def _kill_and_resume(c: Cluster) -> tuple[list[dict[str, object]], BotProcess]:
    """SIGKILL the owner; a standby takes the shard within 15 s and RESUMEs its session."""
    owner = await _owner(c)
    seen = await _card(c, "seen by the owner")
    last = int(c.discord.sent_events[-1]["s"])

    async def saved() -> bool:  # the owner saves twice a second (a real one had minutes)
        return await _saved_sequence(c) >= last
    await wait_until(saved, "saved the session in the database", DEADLINE, c.bots)
    old_session = c.discord.sessions[next(reversed(c.discord.sessions))].id
    owner.kill()
    await wait_until(lambda: not c.discord.connected, "saw the owner's socket close",
                     DEADLINE)
    gap = await c.discord.say(c.bob, c.general, CARD + " (posted while nobody watched)")
    successor = await _owner(c, not_pid=owner.pid)
    await wait_until(lambda: c.discord.resumed, "resumed the session", TAKEOVER, c.bots)
    assert c.discord.resumed[-1][0] == old_session and c.discord.resumed[-1][2] >= 1
    await c.discord.wait_for(lambda: c.discord.find("DELETE", f"/messages/{gap['id']}"),
                             "removed the card posted during the fail-over", limit=DEADLINE)
    return [seen, gap], successor


async def _hand_over_on_sigterm(c: Cluster, owner: BotProcess) -> BotProcess:
    """A clean stop gives the lease up: a standby takes over at once (no lease to wait
    out) and resumes, so a rolling restart loses nothing."""
    resumes = len(c.discord.resumed)
    assert await owner.stop() == 0, owner.output()[-3000:]
    assert c.store is not None
    async with c.store.transaction() as tx:  # given up, not left to expire
        row = await tx.get(PlatformState, LEASE_PREFIX + lease_name(0))
    lease = Lease.decode(lease_name(0), row.value) if row is not None else None
    assert lease is None or lease.expires_at <= datetime.now(UTC) \
        or int(lease.holder.split(":")[1]) != owner.pid, "the stopped owner kept its lease"
    successor = await _owner(c, not_pid=owner.pid)
    await wait_until(lambda: len(c.discord.resumed) > resumes, "resumed after the hand-over",
                     TAKEOVER, c.bots)
    return successor


async def _kill_with_resume_refused(c: Cluster, owner: BotProcess) -> dict[str, object]:
    """The session can no longer be resumed: the next owner identifies afresh and reads
    back what was posted in the gap from the channel's history."""
    c.discord.refuse_resume = True
    owner.kill()
    await wait_until(lambda: not c.discord.connected, "saw the owner's socket close",
                     DEADLINE)
    missed = c.discord.post_message(c.general, c.bob, CARD + " (read back)")
    identifies = len(c.discord.identifies)
    await _owner(c, not_pid=owner.pid)
    await wait_until(lambda: len(c.discord.identifies) > identifies,
                     "identified afresh after the refused resume", TAKEOVER, c.bots)
    await c.discord.wait_for(lambda: c.discord.find("DELETE", f"/messages/{missed['id']}"),
                             "read back the card posted during the gap", limit=DEADLINE)
    return missed


async def _discord_fail_over(c: Cluster) -> None:
    cards, owner = await _kill_and_resume(c)
    cards.append(await _card(c, "before the hand-over"))
    owner = await _hand_over_on_sigterm(c, owner)
    cards.append(await _card(c, "after the hand-over"))
    await c.add("delta")  # two processes died: one more, so a standby is left
    cards.append(await _kill_with_resume_refused(c, owner))

    async def recorded() -> bool:  # the removal comes first, the incident right after it
        return len(await _incidents(c, PlatformName.DISCORD)) >= len(cards)
    await wait_until(recorded, "recorded every incident", DEADLINE, c.bots)
    keys = await _incidents(c, PlatformName.DISCORD)
    assert sorted(keys) == sorted({f"discord:{c.discord.guild_id}:{c.general}:{m['id']}"
                                   for m in cards}), keys


async def _owner(c: Cluster, not_pid: int | None = None) -> BotProcess:
    found: list[BotProcess] = []

    async def check() -> bool:
        owner = await c.shard_owner()
        if owner is not None and owner.pid != not_pid:
            found.append(owner)
        return bool(found) and c.discord.connected
    await wait_until(check, "owned the Discord shard", TAKEOVER + 45, c.bots)
    return found[-1]


@pytest.mark.slow
async def test_three_processes_share_the_work_and_survive_losing_the_shard_owner(
        cluster: Cluster) -> None:
    await _slack_round_robin(cluster)
    await _lifts_run_once(cluster)
    await _discord_fail_over(cluster)
    assert cluster.store is not None
    async with cluster.store.transaction() as tx:  # escalations raced in three processes
        opened = Counter(case.subject.key for case in await tx.find(Case))
    assert opened and set(opened.values()) == {1}, opened
