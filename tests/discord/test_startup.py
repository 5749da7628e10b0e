"""Start-up order: timed actions wait for Discord to be ready instead of failing.

Before the fix the scheduler ran an overdue lift before the gateway was up; it failed with
``PlatformUnavailable`` and was retried 30 s later (in the fake clock here, never), so the
person stayed suspended after every restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

import pytest

from bot.core.identity import PlatformName
from bot.core.models import ActionKind, ActionStatus, Sanction, ScheduledAction
from bot.discord_io.client import CocBot
from bot.scheduler import SWEEP_SECONDS
from tests.discord.conftest import World, connect, disconnect, settled
from tests.waiting import DEADLINE, eventually


async def _lift(world: World) -> ScheduledAction:
    async with world.app.storage.transaction() as tx:
        [sanction] = await tx.find(Sanction)
        action = await tx.get(ScheduledAction,
                              ScheduledAction.key_for(ActionKind.LIFT_SANCTION, sanction.id))
    assert action is not None
    return action


async def _parked(world: World, action_id: str) -> None:
    """Wait for the scheduler to have looked at the action and parked it."""
    await eventually(lambda: action_id in world.app.timed.parked,
                     "the overdue lift to be tried before Discord connected")


async def test_an_overdue_lift_runs_within_seconds_of_ready_after_a_restart(
        world: World) -> None:
    fake, bob = world.fake, world.bob
    token = await fake.slash(world.staff, "suspend", member=bob, duration="1h",
                             scope="server", reason="cooling off")
    await fake.wait_for(lambda: fake.reply_texts(token), "suspended")
    assert await disconnect(world.bot, world.task) is None  # the process stops ...
    world.clock.advance(timedelta(hours=2))  # ... and comes back after the lift was due

    started = time.monotonic()
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
    # READY woke it: a retry never comes (the fake clock stands still), and the only other
    # way it could run is the scheduler's periodic sweep, whose first turn is a full
    # SWEEP_SECONDS after the start (a bound on meaning, not on the machine's speed).
    assert untimed[0].at - started < SWEEP_SECONDS, "the lift waited for the periodic sweep"
    assert untimed[0].at > fake.ready_at
    await fake.wait_for(lambda: "ended" in fake.dms_to(bob)[-1], "the DM that it ended")
    async def finished() -> ScheduledAction | None:  # marked after the handler returns
        found = await _lift(world)
        return found if found.status is not ActionStatus.RUNNING else None
    done = await eventually(finished, "the lift to be marked done")
    assert done.status is ActionStatus.DONE and done.attempts == 1
    assert fake.timeouts[bob.id] is None
    # No failure alert: nothing failed.
    assert not any("could not" in text.lower() for text in fake.channel_texts(world.staff_queue))


async def test_a_server_still_unavailable_at_ready_is_checked_and_trusted_once_it_arrives(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """READY names the server; its contents (GUILD_CREATE) may come after discord.py has
    stopped waiting for them (an outage, a slow machine). Until they do, Discord is not
    ready for timed actions, and the set-up check waits for them instead of reporting
    every role and channel missing."""
    fake, settings = world.fake, world.app.settings.discord
    assert settings is not None
    assert await disconnect(world.bot, world.task) is None
    caplog.set_level(logging.INFO)
    fake.withheld_guilds.add(fake.guild_id)
    world.bot = CocBot(world.app, settings, guild_ready_timeout=0.05)
    world.task = asyncio.create_task(world.bot.start("fake-token"))
    await asyncio.wait_for(world.bot.wait_until_ready(), DEADLINE)
    await settled(world)  # on_ready has run
    assert not world.app.platforms.is_ready(PlatformName.DISCORD)
    fake.withheld_guilds.clear()
    await fake.dispatch("GUILD_CREATE", fake.guild_json(fake.guild_id))
    await eventually(lambda: world.app.platforms.is_ready(PlatformName.DISCORD),
                     "Discord to be ready once the server arrived")
    await settled(world)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
