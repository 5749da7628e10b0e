"""Versions of the Code, and members' acceptance of the current one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from bot.core.errors import AlreadyDone, InvalidState, NotFound
from bot.core.identity import PersonRef, PlaceRef
from bot.core.markup import Trusted, neutralise
from bot.core.models import (
    Acceptance,
    AcceptancePrompt,
    ActionKind,
    ActionStatus,
    Actor,
    CodeVersion,
    Role,
    ScheduledAction,
)
from bot.core.ports import Notice, NoticeKind, Tx
from bot.core.services._context import (
    Context,
    after_commit,
    audit,
    queue_dm,
    require,
    schedule,
)
from bot.core.services.code_progress import PROMPT_PURPOSE, QUEUED, CodePromptProgress

PROMPT_CHUNK = 500
"""Members queued per transaction: short enough not to hold the database's write lock
while automod records incidents, long enough that 50,000 members take seconds."""

JOB_LEASE = timedelta(seconds=60)
"""How long a publish's prompt job may go without committing a chunk before the scheduler
takes it over (the process that started it has died): renewed by every chunk."""

def job_subject(version_id: str, space: PlaceRef | PersonRef) -> str:
    """The prompt job of one version in one space (``v2|discord:123``)."""
    return f"{version_id}|{space.platform.value}:{space.space}"


def job_key(version_id: str, space: PlaceRef | PersonRef) -> str:
    return ScheduledAction.key_for(ActionKind.CODE_PROMPTS, job_subject(version_id, space))


@dataclass(frozen=True, slots=True)
class AcceptanceStatus:
    version: CodeVersion
    accepted: list[PersonRef]
    pending: list[PersonRef]


@dataclass(frozen=True, slots=True)
class PromptResult:
    version: CodeVersion
    queued: int  # the outbox sends them at the platform's pace
    already: int


class CodeService:
    def __init__(self, ctx: Context, progress: CodePromptProgress) -> None:
        self._ctx = ctx
        self._progress = progress

    async def current(self) -> CodeVersion | None:
        async with self._ctx.storage.transaction() as tx:
            latest = await tx.find(CodeVersion, order_by="number", descending=True, limit=1)
        return latest[0] if latest else None

    async def ensure_published(self) -> CodeVersion:
        """At start-up: the text in config is version 1, or a newer one if it changed."""
        current = await self.current()
        if current is not None and current.digest == self._ctx.code.digest():
            return current
        return await self._publish(None, "Code of Conduct text updated from configuration"
                                   if current else "Initial version")

    async def publish(self, actor: Actor, summary: str) -> CodeVersion:
        require(actor, Role.STAFF, "publish a new version of the Code")
        current = await self.current()
        if current is not None and current.digest == self._ctx.code.digest():
            if current.published_by is None:
                # The bot recorded this text by itself at start-up (first run, or the file
                # was edited while it was down); nobody has been asked to accept it yet.
                return await self._announce(actor.person, current, summary)
            raise AlreadyDone(f"The Code has not changed since {current.id}; edit the Code "
                              "file in the configuration first, then publish.")
        return await self._publish(actor.person, summary.strip() or "Updated Code of Conduct")

    async def _announce(self, by: PersonRef, version: CodeVersion, summary: str) -> CodeVersion:
        announced = replace(version, published_by=by, summary=summary.strip() or version.summary)
        async with self._ctx.storage.transaction() as tx:
            if not await tx.update_if(announced, published_by=None):
                raise AlreadyDone(f"{version.id} was just published by someone else.")
            await audit(tx, self._ctx, "code.announced", "code", version.id, actor=by,
                        reason=announced.summary)
            job = await self._schedule_job(tx, version, by)
        after_commit(self._ctx, job)
        return announced

    async def _publish(self, by: PersonRef | None, summary: str) -> CodeVersion:
        async with self._ctx.storage.transaction() as tx:
            latest = await tx.find(CodeVersion, order_by="number", descending=True, limit=1)
            if by is None and latest and latest[0].digest == self._ctx.code.digest():
                return latest[0]  # another process starting beside this one recorded it
            number = latest[0].number + 1 if latest else 1
            version = CodeVersion(id=f"v{number}", number=number, digest=self._ctx.code.digest(),
                                  published_at=self._ctx.now(), published_by=by, summary=summary)
            if not await tx.insert_new(version):  # the number is the claim
                won = await tx.get(CodeVersion, version.id)
                if by is None and won is not None and won.digest == version.digest:
                    return won
                raise AlreadyDone(f"{version.id} was just published by someone else; look "
                                  "at the current version before publishing again.")
            await audit(tx, self._ctx, "code.published", "code", version.id, actor=by,
                        reason=summary)
            job = await self._schedule_job(tx, version, by) if by is not None else None
        after_commit(self._ctx, job)
        return version

    async def _schedule_job(self, tx: Tx, version: CodeVersion,
                            by: PersonRef) -> ScheduledAction:
        """The prompt job, committed with the version it announces: if the process dies
        while queueing (or before it starts), the scheduler runs the job once its lease
        lapses, so a publish can never be left half-announced."""
        return await schedule(tx, self._ctx, ActionKind.CODE_PROMPTS,
                              job_subject(version.id, by), self._ctx.now() + JOB_LEASE)

    async def prompt(self, members: Sequence[PersonRef], by: PersonRef | None = None,
                     job: str | None = None) -> PromptResult:
        """Queue a DM to everyone who has neither accepted nor been asked about the current
        version; the outbox sends them at the platform's pace.

        Each chunk of members is one transaction: the prompt record, its reminder and its
        outbox row together, the row keyed by version and person, so a prompt is queued
        once however often this runs (a resumed or repeated publish adds nothing). The
        publish's job (``by``'s space, or ``job`` when the scheduler runs it) is renewed by
        every chunk and closed with the last one; if this process dies on the way, the
        scheduler resumes the job and queues only who is missing. Progress is reported as
        rows are sent (``CodePromptProgress``).
        """
        ctx = self._ctx
        version = await self._require_current()
        job = job or (job_key(version.id, by) if by is not None else None)
        async with ctx.storage.transaction() as tx:
            done = {a.person for a in await tx.find(Acceptance, version_id=version.id)}
            done |= {p.person for p in await tx.find(AcceptancePrompt, version_id=version.id)}
        fresh = list(dict.fromkeys(m for m in members if m not in done))
        for start in range(0, len(fresh), PROMPT_CHUNK):
            async with ctx.storage.transaction() as tx:
                actions = [await self._queue_prompt(tx, version, person, by)
                           for person in fresh[start:start + PROMPT_CHUNK]]
                await self._renew(tx, job)
            after_commit(ctx, *actions)
            await ctx.outbox.kick()
        async with ctx.storage.transaction() as tx:
            await audit(tx, ctx, QUEUED, "code_prompts", version.id, actor=None,
                        reason=f"{len(fresh)} members queued, {len(members) - len(fresh)} "
                               "already asked or accepted")
            await self._renew(tx, job, finished=True)
        await self._progress.check(version.id)
        return PromptResult(version, len(fresh), len(members) - len(fresh))

    async def _renew(self, tx: Tx, job: str | None, finished: bool = False) -> None:
        """Hold (or close) a job this process runs inline: its due time moves a lease
        ahead, so the scheduler takes it only after the chunks stop coming. A job the
        scheduler itself runs is ``running`` and left to it."""
        action = await tx.get(ScheduledAction, job) if job else None
        if action is None or action.status is not ActionStatus.PENDING:
            return
        now = self._ctx.now()
        held = replace(action, status=ActionStatus.DONE, finished_at=now) if finished \
            else replace(action, due_at=now + JOB_LEASE)
        await tx.update_if(held, status=ActionStatus.PENDING, attempts=action.attempts)

    async def resume(self, action: ScheduledAction, members: Sequence[PersonRef]) -> None:
        """Scheduler entry point: a publish's prompt job whose process died; nothing is
        asked twice (the prompts are keyed by version and member). A job of a version
        that is no longer current has nothing left to do."""
        version_id = action.subject_id.partition("|")[0]
        current = await self.current()
        if current is None or current.id != version_id:
            return
        await self.prompt(members, job=action.id)

    async def _queue_prompt(self, tx: Tx, version: CodeVersion, person: PersonRef,
                            by: PersonRef | None) -> ScheduledAction | None:
        ctx = self._ctx
        key = Acceptance.key_for(version.id, person)
        if not await tx.insert_new(AcceptancePrompt(id=key, version_id=version.id,
                                                    person=person, prompted_at=ctx.now(),
                                                    delivered=False)):
            return None
        profile = ctx.profiles.for_place(f"{person.platform.value}:{person.space}")
        text = ctx.messages.render("code_accept_prompt", version=version.id,
                                   # staff wrote it for members: inert, not masked
                                   summary=Trusted(neutralise(version.summary)),
                                   space_name=Trusted(profile.space_name))
        await queue_dm(tx, ctx, person, Notice(NoticeKind.CODE_ACCEPT_PROMPT, text,
                                               subject_id=version.id),
                       purpose=PROMPT_PURPOSE, batch=f"code/{version.id}", key=f"code/{key}")
        return await schedule(tx, ctx, ActionKind.ACCEPTANCE_REMINDER, key,
                              ctx.now() + ctx.policy.acceptance_reminder_after)

    async def accept(self, person: PersonRef, version_id: str) -> Acceptance:
        ctx = self._ctx
        version = await self._require_current()
        if version_id != version.id:
            raise InvalidState(f"{version_id} is no longer the current Code; please read and "
                               f"accept {version.id} (use /code).")
        key = Acceptance.key_for(version.id, person)
        async with ctx.storage.transaction() as tx:
            existing = await tx.get(Acceptance, key)
            if existing is not None:
                return existing
            acceptance = Acceptance(id=key, version_id=version.id, person=person,
                                    accepted_at=ctx.now())
            await tx.insert(acceptance)
            await audit(tx, ctx, "code.accepted", "code", version.id, actor=person)
        return acceptance

    @staticmethod
    def require_tracker(actor: Actor) -> None:
        """Only staff see who has accepted the Code; checked before the members are listed,
        which costs platform calls."""
        require(actor, Role.STAFF, "see who has accepted the Code")

    async def status(self, actor: Actor, members: Sequence[PersonRef]) -> AcceptanceStatus:
        self.require_tracker(actor)
        version = await self._require_current()
        async with self._ctx.storage.transaction() as tx:
            accepted_keys = {a.person for a in await tx.find(Acceptance, version_id=version.id)}
        accepted = [m for m in members if m in accepted_keys]
        pending = [m for m in members if m not in accepted_keys]
        return AcceptanceStatus(version, accepted, pending)

    async def remind(self, prompt_key: str) -> bool:
        """Scheduler entry point: remind a member who has not accepted after N days."""
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            prompt = await tx.get(AcceptancePrompt, prompt_key)
            if prompt is None or prompt.reminded_at is not None:
                return False
            if await tx.get(Acceptance, prompt_key) is not None:
                return False
            current = await tx.find(CodeVersion, order_by="number", descending=True, limit=1)
            if not current or current[0].id != prompt.version_id:
                return False
        profile = ctx.profiles.for_place(f"{prompt.person.platform.value}:{prompt.person.space}")
        text = ctx.messages.render("acceptance_reminder", version=prompt.version_id,
                                   space_name=Trusted(profile.space_name))
        async with ctx.storage.transaction() as tx:
            await tx.update(replace(prompt, reminded_at=ctx.now()))
            await queue_dm(tx, ctx, prompt.person, Notice(NoticeKind.CODE_ACCEPT_PROMPT, text,
                                                          subject_id=prompt.version_id),
                           key=f"code-reminder/{prompt_key}")
        await ctx.outbox.kick()
        return True

    async def _require_current(self) -> CodeVersion:
        version = await self.current()
        if version is None:
            raise NotFound("No version of the Code has been published yet.")
        return version
