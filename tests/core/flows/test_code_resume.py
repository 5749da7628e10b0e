"""A Code publish is a job: a crash while its prompts are being queued is resumed by the
next process, and every member is asked exactly once, with progress told once, right."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.errors import AlreadyDone
from bot.core.models import AcceptancePrompt, ActionStatus, OutboxMessage, ScheduledAction
from bot.core.ports import Audience, NoticeKind, Storage
from bot.core.services import code as code_service
from bot.core.services import code_progress
from bot.core.services.code import JOB_LEASE, job_key
from bot.core.services.outbox import Progress
from tests.core.harness import STAFF, Harness, build_harness, person
from tests.waiting import DEADLINE

MEMBERS = [person(f"m{n}") for n in range(1, 36)]  # 4 chunks of 10: 10, 10, 10, 5
CHUNK = 10


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(code_service, "PROMPT_CHUNK", CHUNK)


def prompt_dms(*worlds: Harness) -> dict[object, int]:
    counts: dict[object, int] = {}
    for world in worlds:
        for who, notice in world.platform.dms:
            if notice.kind is NoticeKind.CODE_ACCEPT_PROMPT:
                counts[who] = counts.get(who, 0) + 1
    return counts


def staff_posts(*worlds: Harness) -> list[str]:
    return [n.text for w in worlds for audience, n in w.platform.posts
            if audience is Audience.STAFF and "Code v1" in n.text]


async def crash_after(world: Harness, chunks: int) -> None:
    """Publish from ``world`` and kill it once ``chunks`` chunks are committed: the kick
    that follows the last of them never returns (its rows are not sent), then the task is
    cancelled, as a SIGKILL would stop it."""
    kicks = 0
    stuck = asyncio.Event()

    async def kick() -> None:
        nonlocal kicks
        kicks += 1
        if kicks == chunks:
            stuck.set()
            await asyncio.Event().wait()

    world.ctx.outbox.kick = kick  # type: ignore[method-assign]
    # the text the bot recorded at start-up, announced (a restart keeps the same text)
    await world.services.code.publish(STAFF, "Be kind")
    task = asyncio.create_task(world.services.code.prompt(MEMBERS, by=STAFF.person))
    await asyncio.wait_for(stuck.wait(), DEADLINE)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def restart(clock: FakeClock, storage: Storage) -> Harness:
    """A new process on the same database, its platform listing the same members."""
    world = await build_harness(clock, storage)
    world.platform.people = list(MEMBERS)
    return world


async def test_a_publish_killed_halfway_is_resumed_and_asks_everyone_once(
        clock: FakeClock, storage: Storage) -> None:
    first = await build_harness(clock, storage)
    await crash_after(first, chunks=2)
    async with storage.transaction() as tx:
        assert await tx.count(AcceptancePrompt, version_id="v1") == 2 * CHUNK
    assert prompt_dms(first) == {}  # the kick never ran: those rows wait in the outbox
    # publishing again is refused as before: the job, not a person, finishes the work
    second = await restart(clock, storage)
    with pytest.raises(AlreadyDone, match="has not changed since v1"):
        await second.services.code.publish(STAFF, "Again")
    assert await second.run_due() == 0  # the dead process's lease has not lapsed yet
    clock.advance(JOB_LEASE)
    assert await second.run_due() == 1  # the job, resumed: members listed again
    counts = prompt_dms(first, second)
    assert set(counts) == set(MEMBERS) and set(counts.values()) == {1}
    async with storage.transaction() as tx:
        prompts = await tx.find(AcceptancePrompt, version_id="v1")
        job = await tx.get(ScheduledAction, job_key("v1", STAFF.person))
        rows = await tx.count(OutboxMessage, batch="code/v1")
    assert len(prompts) == len(MEMBERS) and all(p.delivered for p in prompts)
    assert rows == len(MEMBERS)
    assert job is not None and job.status is ActionStatus.DONE
    # progress: told once at the end, with the whole count (never "everyone" early)
    done = [t for t in staff_posts(first, second) if "every member has been asked" in t]
    assert len(done) == 1 and f"{len(MEMBERS)} DMs delivered; 0" in done[0]
    assert [n.text for who, n in second.platform.dms if who == STAFF.person] == done
    # nothing more to do, however often the sweep runs
    clock.advance(timedelta(days=1))
    await second.run_due()
    assert prompt_dms(first, second) == counts


async def test_a_resumed_job_killed_again_is_retaken_after_its_lease(
        clock: FakeClock, storage: Storage) -> None:
    first = await build_harness(clock, storage)
    await crash_after(first, chunks=1)
    clock.advance(JOB_LEASE)
    second = await restart(clock, storage)
    await crash_during_resume(second)
    async with storage.transaction() as tx:
        job = await tx.get(ScheduledAction, job_key("v1", STAFF.person))
        assert await tx.count(AcceptancePrompt, version_id="v1") == 2 * CHUNK
    assert job is not None and job.status is ActionStatus.RUNNING
    third = await restart(clock, storage)
    assert await third.run_due() == 0  # the second process's claim still holds
    clock.advance(third.timed.lease)
    assert await third.run_due() == 1
    counts = prompt_dms(first, second, third)
    assert set(counts) == set(MEMBERS) and set(counts.values()) == {1}
    done = [t for t in staff_posts(first, second, third) if "every member" in t]
    assert len(done) == 1 and f"{len(MEMBERS)} DMs delivered" in done[0]


async def crash_during_resume(world: Harness) -> None:
    """The scheduler of ``world`` takes the job and dies after one more chunk."""
    stuck = asyncio.Event()
    kicks = 0

    async def kick() -> None:
        nonlocal kicks
        kicks += 1
        if kicks == 1:
            stuck.set()
            await asyncio.Event().wait()

    world.ctx.outbox.kick = kick  # type: ignore[method-assign]
    task = asyncio.create_task(world.timed.run_due())
    await asyncio.wait_for(stuck.wait(), DEADLINE)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_publish_that_finishes_closes_its_job(harness: Harness) -> None:
    harness.platform.people = list(MEMBERS)
    await harness.services.code.publish(STAFF, "Be kind")
    result = await harness.services.code.prompt(MEMBERS, by=STAFF.person)
    assert result.queued == len(MEMBERS)
    async with harness.storage.transaction() as tx:
        job = await tx.get(ScheduledAction, job_key("v1", STAFF.person))
    assert job is not None and job.status is ActionStatus.DONE
    harness.platform.down = True  # the job must not list the members again
    harness.clock.advance(JOB_LEASE * 2)
    assert await harness.run_due() == 0
    assert set(prompt_dms(harness).values()) == {1}


async def test_progress_waits_for_the_last_chunk(harness: Harness) -> None:
    """Rows sent while later chunks are still being queued are not "everyone"."""
    await harness.services.code.publish(STAFF, "Be kind")
    kicks = 0
    real_kick = harness.ctx.outbox.kick

    async def kick() -> None:
        nonlocal kicks
        kicks += 1
        await real_kick()
        if kicks == 1:  # the first chunk is all sent, three more to queue
            assert not [t for t in staff_posts(harness) if "Code v1" in t]

    harness.ctx.outbox.kick = kick  # type: ignore[method-assign]
    await harness.services.code.prompt(MEMBERS, by=STAFF.person)
    assert kicks >= 4  # a kick per chunk, then the ones the progress notices make
    done = [t for t in staff_posts(harness) if "every member" in t]
    assert len(done) == 1 and f"{len(MEMBERS)} DMs delivered" in done[0]


async def test_progress_is_counted_every_few_prompts_and_still_told_once_each(
        clock: FakeClock, storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting a job's rows reads all of them, so it is done every ``CHECK_EVERY``
    prompts, not after each: each quarter is still told once, and the end at once."""
    monkeypatch.setattr(code_progress, "CHECK_EVERY", 4)
    world = await restart(clock, storage)
    counted = 0
    progress = world.services.outbox.progress

    async def counting(batch: str) -> Progress:
        nonlocal counted
        counted += 1
        return await progress(batch)

    world.services.outbox.progress = counting  # type: ignore[method-assign]
    send = world.ctx.outbox.kick

    async def hold() -> None:  # the prompts are queued, not sent yet
        return None

    world.ctx.outbox.kick = hold  # type: ignore[method-assign]
    await world.services.code.publish(STAFF, "Be kind")
    await world.services.code.prompt(MEMBERS, by=STAFF.person)
    counted = 0
    world.ctx.outbox.kick = send  # type: ignore[method-assign]
    await world.ctx.outbox.kick()  # the 35 prompts go, and the notices they bring
    assert set(prompt_dms(world).values()) == {1} and len(prompt_dms(world)) == len(MEMBERS)
    posts = staff_posts(world)
    quarters = [t for t in posts if "so far" in t]
    done = [t for t in posts if "every member has been asked" in t]
    assert len(quarters) == 3 and len(set(quarters)) == 3, posts
    assert len(done) == 1 and f"{len(MEMBERS)} DMs delivered; 0" in done[0]
    # every 4th prompt, and the last ones (sends in flight together may each see the end)
    assert counted < len(MEMBERS) // 2
