"""Start-up order: timed actions wait for Discord to be ready instead of failing.

Before the fix the scheduler ran an overdue lift before the gateway was up; it failed with
``PlatformUnavailable`` and was retried 30 s later (in the fake clock here, never), so the
person stayed suspended after every restart.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.core.identity import PlatformName
from bot.core.models import ActionKind, ActionStatus, Sanction, ScheduledAction
from tests.discord.conftest import World, connect, disconnect


async def _lift(world: World) -> ScheduledAction:
    async with world.app.storage.transaction() as tx:
        [sanction] = await tx.find(Sanction)
        action = await tx.get(ScheduledAction,
                              ScheduledAction.key_for(ActionKind.LIFT_SANCTION, sanction.id))
    assert action is not None
    return action


async def _parked(world: World, action_id: str) -> None:
    """Wait for the scheduler to have looked at the action and parked it."""
    for _ in range(500):
        if action_id in world.app.timed.parked:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the overdue lift was never tried before Discord connected")


async def test_an_overdue_lift_runs_within_seconds_of_ready_after_a_restart(
        world: World) -> None:
    fake, bob = world.fake, world.bob
    token = await fake.slash(world.staff, "suspend", member=bob, duration="1h",
                             scope="server", reason="cooling off")
    await fake.wait_for(lambda: fake.reply_texts(token), "suspended")
    assert await disconnect(world.bot, world.task) is None  # the process stops ...
    world.clock.advance(timedelta(hours=2))  # ... and comes back after the lift was due

    await world.app.start_scheduler()  # as run() does: before any front-end connects
    lift = await _lift(world)
    await _parked(world, lift.id)
    waiting = await _lift(world)
    assert waiting.status is ActionStatus.PENDING and waiting.attempts == 0
    assert waiting.last_error is None and waiting.due_at == lift.due_at
    assert not world.app.platforms.is_ready(PlatformName.DISCORD)

    world.bot, world.task = await connect(world.app)
    untimed = await fake.wait_for(
        lambda: [c for c in fake.find("PATCH", f"/members/{bob.id}")
                 if c.body.get("communication_disabled_until", "") is None], "the lift")
    assert fake.ready_at is not None
    assert untimed[0].at - fake.ready_at < 5.0, "the lift waited for a retry"
    assert untimed[0].at > fake.ready_at
    await fake.wait_for(lambda: "ended" in fake.dms_to(bob)[-1], "the DM that it ended")
    for _ in range(500):  # the runner marks it done after the handler returns
        if (done := await _lift(world)).status is not ActionStatus.RUNNING:
            break
        await asyncio.sleep(0.01)
    assert done.status is ActionStatus.DONE and done.attempts == 1
    assert fake.timeouts[bob.id] is None
    # No failure alert: nothing failed.
    assert not any("could not" in text.lower() for text in fake.channel_texts(world.staff_queue))
