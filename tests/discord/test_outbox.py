"""The outbox against the fake Discord: the real client, a platform that fails for a while,
and a worker that dies between Discord's answer and its own commit."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.core.identity import PlatformName
from bot.core.models import OutboxMessage, OutboxStatus
from bot.core.services.outbox import OutboxService, notice_of
from bot.core.services.outbox_worker import UNPACED, OutboxWorker
from tests.discord.conftest import World, settled


def background(world: World, name: str) -> OutboxWorker:
    """A worker as the bot runs it (a task of its own), on the world's database."""
    ctx = world.app.services.ctx
    service = OutboxService(ctx, name)
    for purpose, outcome in world.app.services.outbox.outcomes.items():
        service.on_outcome(purpose, outcome)
    worker = OutboxWorker(ctx, service, default_pace=UNPACED, sweep_seconds=0.2)
    ctx.outbox = worker
    world.app.platforms.on_ready(worker.platform_ready)
    worker.start()
    return worker


async def publish(world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.staff, "code-admin", "publish", summary="Please accept")
    await fake.wait_for(lambda: fake.reply_texts(token), "answered the publisher")
    await settled(world)


async def drained(worker: OutboxWorker) -> None:
    async with asyncio.timeout(15):
        await worker.drained()


def humans(world: World) -> list[int]:
    return [m.id for m in world.fake.members.values() if not m.bot]


async def test_dms_arrive_exactly_once_after_the_platform_recovers(world: World) -> None:
    fake = world.fake
    worker = background(world, "w1")
    try:
        fake.fail_next("POST", "/messages", 503, times=4)
        fake.fail_next("POST", "/users/@me/channels", 429, times=7)  # past discord.py's 5
        await publish(world)
        await drained(worker)  # nothing more is due now: the failed ones wait for later
        assert fake.find("POST", "/messages"), "the outbox never tried"
        world.clock.advance(timedelta(minutes=10))
        await worker.kick()
        await drained(worker)
        world.clock.advance(timedelta(minutes=10))
        await worker.kick()
        await drained(worker)
        for member in humans(world):
            prompts = [t for t in fake.dms_to(fake.members[member]) if "Please accept" in t]
            assert len(prompts) == 1, (fake.members[member].name, prompts)
        assert await world.app.services.outbox.depth() == 0
        assert await world.app.services.outbox.oldest_pending_age() is None
    finally:
        await worker.stop()


async def test_a_new_process_resumes_a_half_sent_outbox_without_double_dms(
        world: World) -> None:
    """The first worker 'dies' twice over: one DM claimed and never sent, one sent to
    Discord but never recorded (the at-least-once window). The next process sends the
    first and Discord's enforced nonce answers the second with the message it has."""
    fake, app = world.fake, world.app
    ctx = app.services.ctx
    ctx.outbox = _Silent()  # queue only: the 'old process' sends nothing by itself
    await publish(world)
    dead = OutboxService(ctx, "dead-process")
    rows = await dead.due(limit=100)
    dms = [r for r in rows if r.recipient is not None]
    assert len(dms) == len(humans(world))
    claimed = await dead.claim(dms[0])
    sent_but_not_recorded = await dead.claim(dms[1])
    platform = app.platforms.get(PlatformName.DISCORD)
    assert sent_but_not_recorded[0].recipient is not None
    await platform.send_dm(sent_but_not_recorded[0].recipient, notice_of(sent_but_not_recorded[0]))
    assert claimed and sent_but_not_recorded
    world.clock.advance(dead.lease + timedelta(seconds=1))  # the dead claims expire
    worker = background(world, "new-process")
    try:
        await worker.kick()
        await drained(worker)
        for member in humans(world):
            prompts = [t for t in fake.dms_to(fake.members[member]) if "Please accept" in t]
            assert len(prompts) == 1, (fake.members[member].name, prompts)
        async with app.storage.transaction() as tx:
            statuses = {r.status for r in await tx.find(OutboxMessage)}
        assert statuses == {OutboxStatus.SENT}
    finally:
        await worker.stop()


class _Silent:
    async def kick(self) -> None:
        return None
