"""Progress of a Code re-acceptance job, told as the outbox sends its prompts.

A job is the batch ``code/<version>`` of outbox rows. As each row is settled, the prompt
records whether it arrived, and staff are told at each quarter and at the end (the
publisher too, by DM). Only once the job has queued its last chunk (the ``QUEUED`` audit
entry): before that, an empty queue means the rows sent so far, not everyone, and a
quarter of the rows queued so far is not a quarter of the members. Each notice is
queued under a key made of the version and the milestone, so two workers settling the
last rows at once, or a restart, cannot tell anyone twice.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.models import (
    AcceptancePrompt,
    AuditEntry,
    CodeVersion,
    OutboxMessage,
    OutboxStatus,
)
from bot.core.ports import Audience, Notice, NoticeKind
from bot.core.services._context import Context, queue_dm, queue_post
from bot.core.services.outbox import OutboxService, Progress

PROMPT_PURPOSE = "code_prompt"
QUARTERS = (25, 50, 75)
QUEUED = "code.prompts_queued"
"""Audit action written after a prompt job's last chunk (subject ``code_prompts``)."""
CHECK_EVERY = 100
"""Prompts one process settles between two counts of a job's progress. Counting reads
every row of the job (tens of milliseconds at 50,000 members, on the connection every
send waits for), so counting after each prompt cost more than sending it. The end is
never late: a prompt after which no row of the job is waiting (a probe that stops at the
first row) is always counted; a quarter is told at most this many prompts late."""
_WAITING = [OutboxStatus.PENDING, OutboxStatus.SENDING]


class CodePromptProgress:
    def __init__(self, ctx: Context, outbox: OutboxService) -> None:
        self._ctx = ctx
        self._outbox = outbox
        self._uncounted: dict[str, int] = {}  # job batch -> prompts settled since a count
        outbox.on_outcome(PROMPT_PURPOSE, self.settled)

    async def settled(self, row: OutboxMessage, delivered: bool) -> None:
        """One prompt reached its member (or could not): record it, report milestones."""
        ctx = self._ctx
        version_id = (row.batch or "").removeprefix("code/")
        batch = row.batch
        async with ctx.storage.transaction() as tx:
            if row.recipient is not None:
                prompt = await tx.get(AcceptancePrompt, f"{version_id}/{row.recipient.key}")
                if prompt is not None and prompt.delivered != delivered:
                    await tx.update(replace(prompt, delivered=delivered))
            if batch is None:
                return
            uncounted = self._uncounted.get(batch, 0) + 1
            due = uncounted >= CHECK_EVERY or not await tx.exists(
                OutboxMessage, batch=batch, status__in=_WAITING)
        self._uncounted[batch] = 0 if due else uncounted
        if due:
            await self.check(version_id)

    async def check(self, version_id: str) -> None:
        """Tell staff how far the prompts of ``version_id`` have come, if a milestone was
        reached since (each milestone is told once: its notice is keyed)."""
        if not await self._queued_all(version_id):
            return
        progress = await self._outbox.progress(f"code/{version_id}")
        if progress.total == 0:
            return
        if progress.waiting == 0:
            await self._finished(version_id, progress)
            return
        done = (progress.sent + progress.failed) * 100 // max(1, progress.total)
        reached = [q for q in QUARTERS if done >= q]
        if reached:
            await self._milestone(version_id, progress, reached[-1])

    async def _queued_all(self, version_id: str) -> bool:
        async with self._ctx.storage.transaction() as tx:
            return bool(await tx.find(AuditEntry, subject_type="code_prompts",
                                      subject_id=version_id, action=QUEUED, limit=1))

    async def _milestone(self, version_id: str, progress: Progress, quarter: int) -> None:
        text = self._ctx.messages.render(
            "code_prompt_progress", version=version_id, sent=progress.sent,
            failed=progress.failed, total=progress.total)
        async with self._ctx.storage.transaction() as tx:
            await queue_post(tx, self._ctx, None, Audience.STAFF,
                             Notice(NoticeKind.INFO, text, subject_id=version_id),
                             key=f"code-progress/{version_id}/{quarter}")
        await self._ctx.outbox.kick()

    async def _finished(self, version_id: str, progress: Progress) -> None:
        ctx = self._ctx
        text = ctx.messages.render("code_prompt_done", version=version_id,
                                   sent=progress.sent, failed=progress.failed)
        notice = Notice(NoticeKind.INFO, text, subject_id=version_id)
        async with ctx.storage.transaction() as tx:
            await queue_post(tx, ctx, None, Audience.STAFF, notice,
                             key=f"code-done/{version_id}")
            version = await tx.get(CodeVersion, version_id)
            if version is not None and version.published_by is not None:
                await queue_dm(tx, ctx, version.published_by, notice,
                               key=f"code-done-dm/{version_id}")
        await ctx.outbox.kick()
