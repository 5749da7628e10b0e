"""The wishes of the person harmed: asked privately, shown to the committee only.

The Code calls for "approaches that ... make amends, where possible and depending on the
wishes of the individuals involved". When a case opens from a report, the reporter is
asked by DM which outcomes they would welcome. An anonymous reporter is reached the same
way, their sealed account opened in the machine only to address the message: nobody
learns who received it. Only the case's reporter can answer (``reporter_matches``, the
one comparison with a reporter anywhere). The answer goes to the committee's thread and
``/case show``, never to the subject, and never with the reporter's name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from enum import StrEnum

from bot.core.errors import InvalidInput, InvalidState, NotFound, NotPermitted, PlatformError
from bot.core.identity import PersonRef
from bot.core.markup import Trusted
from bot.core.models import Case, CaseOrigin, CaseStatus
from bot.core.ports import Audience, Notice, NoticeKind, Tx
from bot.core.refs import normalise_ref
from bot.core.services._committee import reporter_matches
from bot.core.services._context import UNNAMED, Context, audit, identity_of, try_dm

log = logging.getLogger(__name__)
NOTE_LIMIT = 1000


class Wish(StrEnum):
    APOLOGY = "apology"
    CONVERSATION = "conversation"
    NO_CONTACT = "no_contact"
    NOTHING = "nothing_further"
    OTHER = "other"


WISH_LABELS = {Wish.APOLOGY: "An apology", Wish.CONVERSATION: "A conversation",
               Wish.NO_CONTACT: "No contact with the person",
               Wish.NOTHING: "Nothing further", Wish.OTHER: "Something else (write it)"}


def parse_wishes(values: Sequence[str]) -> tuple[Wish, ...]:
    """The chosen outcomes; an unknown one, none, or "nothing further" with others is refused."""
    try:
        wishes = tuple(dict.fromkeys(Wish(value) for value in values))
    except ValueError as exc:
        raise InvalidInput("That choice is not one of the offered outcomes; please choose "
                           "again from the list.") from exc
    if not wishes:
        raise InvalidInput("Please choose at least one outcome (or 'Nothing further').")
    if Wish.NOTHING in wishes and len(wishes) > 1:
        raise InvalidInput("'Nothing further' cannot be combined with other outcomes; "
                           "please choose again.")
    return wishes


def describe(case: Case) -> str | None:
    """The committee's view of the wishes, or None if the reporter has not answered."""
    if case.wishes_at is None:
        return None
    chosen = [WISH_LABELS[Wish(v)].removesuffix(" (write it)")
              for v in (case.reporter_wishes or "").split(",") if v]
    text = ", ".join(chosen) or "(no outcome chosen)"
    if case.reporter_wishes_note:
        text += f". In their words: {case.reporter_wishes_note}"
    return text


async def ask_wishes(ctx: Context, case: Case) -> bool:
    """DM the case's reporter the question; False if there is none or it was not delivered."""
    if case.origin is not CaseOrigin.REPORT:
        return False
    async with ctx.storage.transaction() as tx:
        reporter = case.reporter
        if reporter is None and case.reporter_sealed is not None:
            reporter = tx.sealer.open(case.reporter_sealed)
    if reporter is None:
        return False
    profile = ctx.profiles.for_place(None, f"{reporter.platform.value}:{reporter.space}")
    text = ctx.messages.render("wishes_prompt", case=case.id,
                               space_name=Trusted(profile.space_name))
    delivered = await try_dm(ctx, reporter, Notice(
        NoticeKind.WISHES_PROMPT, text, subject_id=case.id, title="What would you welcome?"),
        sealed=case.reporter is None)
    async with ctx.storage.transaction() as tx:
        await audit(tx, ctx, "case.wishes_asked", "case", case.id, actor=None,
                    details="delivered" if delivered else "not delivered")
    return delivered


class WishService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def choose(self, person: PersonRef, ref: str, values: Sequence[str]) -> Case:
        """The reporter's chosen outcomes (replacing an earlier answer)."""
        wishes = parse_wishes(values)
        return await self._record(person, ref, lambda c: replace(
            c, reporter_wishes=",".join(wishes),
            reporter_wishes_note=c.reporter_wishes_note if Wish.OTHER in wishes else None))

    async def write(self, person: PersonRef, ref: str, note: str) -> Case:
        """The reporter's own words ("something else"), added to their choices."""
        cleaned = note.strip()
        if not cleaned:
            raise InvalidInput("Please write what you would welcome.")
        if len(cleaned) > NOTE_LIMIT:
            raise InvalidInput(f"Please keep it to {NOTE_LIMIT} characters "
                               f"(this has {len(cleaned)}).")

        def update(case: Case) -> Case:
            chosen = [v for v in (case.reporter_wishes or "").split(",")
                      if v and v != Wish.NOTHING]
            return replace(case, reporter_wishes=",".join(dict.fromkeys([*chosen, Wish.OTHER])),
                           reporter_wishes_note=cleaned)
        return await self._record(person, ref, update)

    async def _record(self, person: PersonRef, ref: str,
                      change: Callable[[Case], Case]) -> Case:
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            case = await _load(tx, ref)
            if not await reporter_matches(tx, case, person):
                raise NotPermitted("Only the person whose report opened this case can answer "
                                   "this question.")
            if case.status in (CaseStatus.FINAL, CaseStatus.CLOSED):
                raise InvalidState(f"Case {case.id} is {case.status.value}, so your answer "
                                   "can no longer inform it. Thank you all the same.")
            updated = replace(change(case), wishes_at=ctx.now())
            await tx.update(updated)
            await audit(tx, ctx, "case.wishes", "case", case.id,
                        actor=person if case.reporter is not None else UNNAMED)
        await self._tell_committee(updated)
        return updated

    async def _tell_committee(self, case: Case) -> None:
        text = self._ctx.messages.render("wishes_recorded", case=case.id,
                                         wishes=describe(case))
        notice = Notice(NoticeKind.INFO, text, subject_id=case.id)
        home = self._ctx.platforms.home
        try:
            if case.thread is not None:
                await home.post_in(case.thread, notice)
            else:
                await home.post(Audience.COMMITTEE, notice)
        except PlatformError as exc:
            log.warning("case %s: wishes not posted to the committee: %s", case.id, exc)

    async def shown_to(self, viewer: PersonRef, case: Case) -> str | None:
        """The wishes as ``viewer`` may see them in ``/case show``: never the subject's."""
        async with self._ctx.storage.transaction() as tx:
            if await identity_of(tx, viewer) == await identity_of(tx, case.subject):
                return None
        return describe(case)


async def _load(tx: Tx, ref: str) -> Case:
    case = await tx.get(Case, normalise_ref(ref))
    if case is None:
        raise NotFound(f"There is no case '{ref}'.")
    return case
