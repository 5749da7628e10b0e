"""The outbox against the fake Slack: the real slack_sdk client, a Slack that answers 429
then 5xx for a long while, and a worker that dies between Slack's answer and its commit.

Slack has no idempotency key: each queued message carries its row id in its metadata,
and a send that may already have happened looks for it in the conversation first."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.core.identity import PlatformName
from bot.core.models import OutboxMessage, OutboxStatus
from bot.core.services.outbox import OutboxService, notice_of
from bot.core.services.outbox_worker import UNPACED, OutboxWorker
from tests.slack.conftest import QUEUE, REPORTER, SUBJECT, SlackWorld

PROMPT = "Please accept the reviewed Code"


def background(world: SlackWorld, name: str) -> OutboxWorker:
    """A worker as the bot runs it (a task of its own), on the world's database; Slack's
    message times follow the bot's clock, as they do in life."""
    world.fake.clock = world.clock.now
    ctx = world.app.services.ctx
    service = OutboxService(ctx, name)
    for purpose, outcome in world.app.services.outbox.outcomes.items():
        service.on_outcome(purpose, outcome)
    worker = OutboxWorker(ctx, service, default_pace=UNPACED, sweep_seconds=0.2)
    ctx.outbox = worker
    worker.start()
    return worker


async def drained(worker: OutboxWorker) -> None:
    async with asyncio.timeout(20):
        await worker.drained()


async def later(world: SlackWorld, worker: OutboxWorker, minutes: int) -> None:
    world.clock.advance(timedelta(minutes=minutes))
    await worker.kick()
    await drained(worker)


def prompts_to(world: SlackWorld, user: str) -> list[str]:
    return [str(m["text"]) for (channel, _), m in world.fake.messages.items()
            if channel == f"D{user}" and PROMPT in str(m.get("text"))]


def queue_posts(world: SlackWorld) -> list[str]:
    """What staff see in their queue, in the order Slack shows it (by ts)."""
    found = [(float(ts), str(m["text"])) for (channel, ts), m in world.fake.messages.items()
             if channel == QUEUE]
    return [text for _, text in sorted(found)]


async def rows(world: SlackWorld) -> list[OutboxMessage]:
    async with world.app.storage.transaction() as tx:
        return await tx.find(OutboxMessage)


async def test_a_long_outage_delays_the_wave_and_loses_and_repeats_nothing(
        world: SlackWorld) -> None:
    fake = world.fake
    worker = background(world, "w1")
    try:
        fake.fail_next("chat.postMessage", 429, times=3)  # past the client's own 2 retries
        fake.outage("chat.postMessage", 500)
        await world.command("/code", f"publish {PROMPT}")
        for n in range(4):  # a second apart: rows made at one instant have no order
            world.clock.advance(timedelta(seconds=1))
            await world.command("/report", f"<@{SUBJECT}> insult number {n}", user=REPORTER)
        await drained(worker)
        for minutes in (1, 5, 30, 60):  # an outage of well over an hour
            await later(world, worker, minutes)
        assert [c.status for c in fake.called("chat.postMessage")][:3] == [429, 429, 429]
        assert {c.status for c in fake.called("chat.postMessage")} == {429, 500}
        assert not fake.messages, "nothing can have been posted during the outage"
        waiting = await rows(world)
        assert waiting and all(r.status is OutboxStatus.PENDING for r in waiting)
        assert all(r.attempts >= 4 for r in waiting if r.recipient), "it kept trying"
        first, *held = sorted((r for r in waiting if r.audience), key=lambda r: r.created_at)
        assert first.attempts >= 4 and all(r.due_at >= first.due_at for r in held), \
            "the queue's younger posts wait behind its oldest, so none overtakes it"

        fake.recover()
        await later(world, worker, 10)
        for user in fake.users:
            assert len(prompts_to(world, user)) == 1, (user, prompts_to(world, user))
        posts = [p for p in queue_posts(world) if "insult number" in p]
        assert len(posts) == 4, queue_posts(world)
        numbers = [next(n for n in range(4) if f"insult number {n}" in p) for p in posts]
        assert numbers == [0, 1, 2, 3], "the queue shows the reports in the order made"
        assert {r.status for r in await rows(world)} <= {OutboxStatus.SENT,
                                                         OutboxStatus.MERGED}
        assert await world.app.services.outbox.depth() == 0
    finally:
        await worker.stop()


async def test_a_send_slack_took_but_never_recorded_is_not_posted_again(
        world: SlackWorld) -> None:
    """The first worker 'dies' twice over: one DM claimed and never sent, one posted to
    Slack but never recorded. The next process sends the first, and finds the second in
    the DM's history by the row id in its metadata instead of posting it again."""
    fake, app = world.fake, world.app
    world.fake.clock = world.clock.now
    ctx = app.services.ctx
    ctx.outbox = _Silent()  # queue only: the 'old process' sends nothing by itself
    await world.command("/code", f"publish {PROMPT}")
    dead = OutboxService(ctx, "dead-process")
    dms = [r for r in await dead.due(limit=100) if r.recipient is not None]
    assert len(dms) == len(fake.users)
    claimed = await dead.claim(dms[0])
    posted = await dead.claim(dms[1])
    assert claimed and posted and posted[0].recipient is not None
    platform = app.platforms.get(PlatformName.SLACK)
    first = await platform.send_dm(posted[0].recipient, notice_of(posted[0]))
    world.clock.advance(dead.lease + timedelta(seconds=1))  # the dead claims expire
    worker = background(world, "new-process")
    try:
        await worker.kick()
        await drained(worker)
        for user in fake.users:
            assert len(prompts_to(world, user)) == 1, (user, prompts_to(world, user))
        done = {r.id: r for r in await rows(world)}
        assert {r.status for r in done.values()} == {OutboxStatus.SENT}
        assert done[posted[0].id].message == first, "recorded as the message Slack has"
        looked = fake.called("conversations.history", channel=first.channel)
        assert looked and looked[-1].get("include_all_metadata") in ("1", "true", True)
        retaken = {f"D{r.recipient.id}" for r in (*claimed, *posted) if r.recipient}
        assert {c.get("channel") for c in fake.called("conversations.history")} == retaken, \
            "only the two retaken rows look; the rest are sent at once"
    finally:
        await worker.stop()


async def test_an_answer_lost_after_slack_posted_is_not_posted_again(
        world: SlackWorld) -> None:
    """Slack posts the message but its answer is a 502: the row waits, and the retry finds
    the message instead of posting a second copy."""
    fake = world.fake
    worker = background(world, "w1")
    try:
        fake.fail_next("chat.postMessage", 502, times=1, applied=True)
        await world.command("/report", f"<@{SUBJECT}> a single insult", user=REPORTER)
        await drained(worker)
        assert len(queue_posts(world)) == 1  # Slack has it; the bot does not know
        [row] = [r for r in await rows(world) if r.audience is not None]
        assert row.status is OutboxStatus.PENDING and row.claimed_at is not None
        await later(world, worker, 5)
        assert len(queue_posts(world)) == 1, queue_posts(world)
        [row] = [r for r in await rows(world) if r.audience is not None]
        assert row.status is OutboxStatus.SENT and row.message is not None
        assert (QUEUE, row.message.id) in fake.messages
    finally:
        await worker.stop()


async def test_a_message_is_posted_again_only_when_slack_does_not_have_it(
        world: SlackWorld) -> None:
    """A 503 that did not post: the retry looks, finds nothing, and posts (once)."""
    fake = world.fake
    worker = background(world, "w1")
    try:
        fake.fail_next("chat.postMessage", 503, times=1)
        await world.command("/report", f"<@{SUBJECT}> a single insult", user=REPORTER)
        await drained(worker)
        assert not queue_posts(world)
        await later(world, worker, 5)
        assert len(queue_posts(world)) == 1
        assert fake.called("conversations.history", channel=QUEUE)
        meta = fake.called("chat.postMessage", channel=QUEUE)[-1].get("metadata")
        assert meta["event_type"] == "coc_outbox" and meta["event_payload"]["outbox_id"]
    finally:
        await worker.stop()


class _Silent:
    async def kick(self) -> None:
        return None
