"""The outbox's promises in the core: sealed reporters stay sealed in the table, a wave of
explanations is one DM, a failure waits and is retried, figures for operators."""

from __future__ import annotations

from datetime import timedelta

from bot.core.identity import PlatformName, sealed_person
from bot.core.models import OutboxMessage, OutboxStatus
from bot.core.ports import Notice, NoticeKind
from bot.core.services import ReportDraft
from bot.core.services._context import queue_dm
from bot.core.services.outbox import OutboxService
from storage import SqliteStorage
from tests.core.harness import Harness, person

REPORTER = person("4242424242")  # distinctive, so a leak anywhere is found
SUBJECT = person("subject")


async def raw_outbox(harness: Harness) -> str:
    """Every value of every outbox row, read from the table itself."""
    assert isinstance(harness.storage, SqliteStorage)
    async with harness.storage._conn.execute("SELECT * FROM outbox") as cursor:
        rows = await cursor.fetchall()
    assert rows
    return "\n".join(str(value) for row in rows for value in row)


async def test_a_sealed_reporters_dm_is_queued_and_kept_sealed(harness: Harness) -> None:
    report = await harness.services.reports.submit(REPORTER, ReportDraft(
        "They insulted me", anonymous=True, target=SUBJECT))
    assert report.reporter_tag is not None
    sealed = sealed_person(PlatformName.DISCORD, report.reporter_tag)
    harness.platform.down = True
    ctx = harness.ctx
    async with ctx.storage.transaction() as tx:
        await queue_dm(tx, ctx, sealed, Notice(NoticeKind.INFO, "About your report"))
    await ctx.outbox.kick()
    assert REPORTER.id not in await raw_outbox(harness)  # waiting: the sealed ref only
    harness.platform.down = False
    harness.clock.advance(timedelta(minutes=1))
    await ctx.outbox.kick()
    assert [(p, n.text) for p, n in harness.platform.dms] == [(REPORTER, "About your report")]
    stored = await raw_outbox(harness)
    assert REPORTER.id not in stored and "dm-" not in stored  # nor its DM channel, once sent


async def test_a_wave_of_explanations_to_one_person_is_one_dm(harness: Harness) -> None:
    ctx = harness.ctx
    ctx.dm_wave = timedelta(seconds=3)
    for n in range(3):
        async with ctx.storage.transaction() as tx:
            await queue_dm(tx, ctx, SUBJECT, Notice(NoticeKind.REMOVAL_DM, f"removal {n}"),
                           mergeable=True)
        await ctx.outbox.kick()
        harness.clock.advance(timedelta(seconds=1))
    assert [n.text for _, n in harness.platform.dms] == []  # the wave is still growing
    assert await harness.services.outbox.depth() == 3
    harness.clock.advance(timedelta(seconds=1))  # the first one's hold is over
    await ctx.outbox.kick()
    [(who, notice)] = harness.platform.dms
    assert who == SUBJECT and "3 notices" in notice.text
    assert all(f"removal {n}" in notice.text for n in range(3))
    async with ctx.storage.transaction() as tx:
        rows = await tx.find(OutboxMessage, order_by="created_at")
    assert [r.status for r in rows] == [OutboxStatus.SENT, OutboxStatus.MERGED,
                                        OutboxStatus.MERGED]
    assert {r.message for r in rows} == {rows[0].message} and all(r.text == "" for r in rows)


async def test_a_platform_outage_keeps_the_message_and_retries_it(harness: Harness) -> None:
    ctx = harness.ctx
    harness.platform.down = True
    async with ctx.storage.transaction() as tx:
        await queue_dm(tx, ctx, SUBJECT, Notice(NoticeKind.INFO, "hello"))
    await ctx.outbox.kick()
    assert await harness.services.outbox.depth() == 1
    harness.clock.advance(timedelta(minutes=2))
    age = await harness.services.outbox.oldest_pending_age()
    assert age == timedelta(minutes=2)
    harness.platform.down = False
    await ctx.outbox.kick()
    assert [n.text for _, n in harness.platform.dms] == ["hello"]
    assert await harness.services.outbox.depth() == 0
    assert await harness.services.outbox.oldest_pending_age() is None


async def test_a_closed_dm_fails_for_good_and_is_not_retried(harness: Harness) -> None:
    ctx = harness.ctx
    harness.platform.closed_dms.add(SUBJECT)
    async with ctx.storage.transaction() as tx:
        await queue_dm(tx, ctx, SUBJECT, Notice(NoticeKind.INFO, "hello"))
    await ctx.outbox.kick()
    harness.clock.advance(timedelta(hours=1))
    await ctx.outbox.kick()
    async with ctx.storage.transaction() as tx:
        [row] = await tx.find(OutboxMessage)
    assert row.status is OutboxStatus.FAILED and row.attempts == 1
    assert row.last_error and "does not accept" in row.last_error


async def test_a_merged_dm_retaken_from_a_dead_worker_is_sent_whole_under_its_first_id(
        harness: Harness) -> None:
    """A worker took a wave of three DMs as one message and died. The next takes exactly
    those three again, as one message under the same id (so the platform can recognise a
    copy it already has), and a DM queued since goes on its own, after it."""
    ctx = harness.ctx
    for n in range(3):
        async with ctx.storage.transaction() as tx:
            await queue_dm(tx, ctx, SUBJECT, Notice(NoticeKind.REMOVAL_DM, f"removal {n}"),
                           mergeable=True)
        harness.clock.advance(timedelta(seconds=1))
    dead = OutboxService(ctx, "dead-process")
    wave = await dead.claim((await dead.due(limit=10))[0])
    assert len(wave) == 3
    async with ctx.storage.transaction() as tx:
        await queue_dm(tx, ctx, SUBJECT, Notice(NoticeKind.REMOVAL_DM, "removal 3"),
                       mergeable=True)
    harness.clock.advance(dead.lease + timedelta(seconds=1))
    await ctx.outbox.kick()
    [(_, again), (_, alone)] = harness.platform.dms
    assert [again.text.index(f"removal {n}") for n in range(3)] == sorted(
        again.text.index(f"removal {n}") for n in range(3))
    assert "removal 3" not in again.text and alone.text == "removal 3"
    assert again.nonce == wave[0].id[:25] and again.maybe_sent_since == wave[0].created_at
    assert alone.maybe_sent_since is None, "only a send that may have happened looks first"
