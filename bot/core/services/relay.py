"""The committee's private conversation with a case's subject, relayed by the bot.

"A member of the Committee will directly contact the member who violated the Code of
Conduct." A seated member free of conflict opens a conversation; while it is open, what the
subject writes to the bot in a DM goes to the case's thread, and what members send with
``/case reply`` reaches the subject as "the Member Review Committee", so no member has to
expose a personal account. Every message, both ways, is kept with the case. Either side
ends it; after that nothing more is relayed, and the subject is told.

A subject has at most one open conversation (on one case), so a DM to the bot is never
ambiguous about where it goes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.errors import InvalidInput, InvalidState, NotPermitted
from bot.core.identity import PersonRef
from bot.core.markup import Trusted
from bot.core.models import (
    Actor,
    Case,
    CaseContact,
    CaseStatus,
    ContactStatus,
    Office,
    RelayDirection,
    RelayMessage,
)
from bot.core.ports import Notice, NoticeKind, Tx
from bot.core.refs import new_ref
from bot.core.rules.conflicts import CaseAction
from bot.core.services._committee import ensure_free_to_act, holds_office
from bot.core.services._context import Context, audit, identity_of, mention, try_dm
from bot.core.services.hearing import (
    HearingService,
    announce,
    case_by_ref,
    statement_lines,
)

RELAY_LIMIT = 4000
"""Characters in one relayed message, either way (a Slack or Discord message fits it)."""


@dataclass(frozen=True, slots=True)
class Relayed:
    """What happened to one message: the conversation it went through, and whether it
    reached its reader."""

    contact: CaseContact
    delivered: bool = True


def _text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("Only written text is passed on; please write your message.")
    if len(cleaned) > RELAY_LIMIT:
        raise InvalidInput(f"That message is {len(cleaned)} characters long; the limit is "
                           f"{RELAY_LIMIT}. Please split or shorten it; nothing was passed on.")
    return cleaned


class RelayService:
    def __init__(self, ctx: Context, hearing: HearingService) -> None:
        self._ctx = ctx
        self._hearing = hearing

    async def _require_member(self, tx: Tx, case: Case, person: PersonRef) -> None:
        """A seated committee member with no conflict in the case (the one rule)."""
        if not await holds_office(tx, person, Office.COMMITTEE, self._ctx.now().date()):
            raise NotPermitted("Only seated members of the Member Review Committee can speak "
                               "with a case's subject through the bot.")
        await ensure_free_to_act(tx, self._ctx, case, person, CaseAction.CONTACT)

    async def open_for(self, tx: Tx, person: PersonRef) -> CaseContact | None:
        """The open conversation of the person behind ``person`` (any linked account)."""
        identity = await identity_of(tx, person)
        for contact in await tx.find(CaseContact, status=ContactStatus.OPEN):
            if await identity_of(tx, contact.subject) == identity:
                return contact
        return None

    async def open(self, actor: Actor, ref: str) -> Relayed:
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            case = await case_by_ref(tx, ref)
            if case.status is CaseStatus.CLOSED:
                raise InvalidState(f"Case {case.id} was closed without a decision; a "
                                   "conversation about it cannot be opened.")
            await self._require_member(tx, case, actor.person)
            existing = await self.open_for(tx, case.subject)
            if existing is not None:
                raise InvalidState(
                    f"A conversation with the subject of case {existing.case_id} is already "
                    "open" + (" on this case." if existing.case_id == case.id else
                              "; it must end before another one starts."))
            contact = CaseContact(id=new_ref("K"), case_id=case.id, subject=case.subject,
                                  opened_by=actor.person, opened_at=ctx.now())
            await tx.insert(contact)
            await audit(tx, ctx, "contact.opened", "case", case.id, actor=actor.person,
                        details=contact.id)
        text = ctx.messages.render("contact_opened_dm", case=case.id, limit=RELAY_LIMIT)
        if not await try_dm(ctx, case.subject, Notice(NoticeKind.CONTACT_OPENED, text,
                                                      subject_id=case.id,
                                                      title=f"Case {case.id}")):
            ended = await self._close(contact, None, "the subject could not be reached")
            await self._hearing.unreachable(case, "the committee's request to talk")
            return Relayed(ended, delivered=False)
        await announce(ctx, case, Notice(NoticeKind.INFO, ctx.messages.render(
            "contact_opened_thread", case=case.id, member=mention(ctx, actor.person)),
            subject_id=case.id))
        return Relayed(contact)

    async def from_subject(self, person: PersonRef, text: str) -> Relayed | None:
        """A DM the bot received: relayed if its author has an open conversation, else None
        (nothing is stored and nothing is passed on)."""
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            contact = await self.open_for(tx, person)
            if contact is None:
                return None
            body = _text(text)
            case = await case_by_ref(tx, contact.case_id)
            await tx.insert(RelayMessage(
                id=uuid.uuid4().hex, contact_id=contact.id, case_id=case.id,
                direction=RelayDirection.FROM_SUBJECT, author=person, text=body,
                at=ctx.now()))
        await announce(ctx, case, Notice(NoticeKind.INFO, ctx.messages.render(
            "relay_from_subject", case=case.id, text=body), subject_id=case.id))
        return Relayed(contact)

    async def reply(self, actor: Actor, ref: str, text: str) -> Relayed:
        """A member writes to the subject on the committee's behalf."""
        ctx = self._ctx
        body = _text(text)
        async with ctx.storage.transaction() as tx:
            case = await case_by_ref(tx, ref)
            await self._require_member(tx, case, actor.person)
            contact = await self._open_on(tx, case)
            message = RelayMessage(id=uuid.uuid4().hex, contact_id=contact.id,
                                   case_id=case.id, direction=RelayDirection.TO_SUBJECT,
                                   author=actor.person, text=body, at=ctx.now(),
                                   delivered=False)
            await tx.insert(message)
        notice = Notice(NoticeKind.CONTACT_OPENED, ctx.messages.render(
            "relay_to_subject", case=case.id, text=body), subject_id=case.id,
            title="Member Review Committee")
        delivered = await try_dm(ctx, case.subject, notice)
        async with ctx.storage.transaction() as tx:
            await tx.update(replace(message, delivered=delivered))
        await announce(ctx, case, Notice(NoticeKind.INFO, ctx.messages.render(
            "relay_to_subject_thread", case=case.id, member=mention(ctx, actor.person),
            text=body, undelivered="" if delivered else ctx.messages.render(
                "relay_undelivered")), subject_id=case.id))
        if not delivered:
            await self._hearing.unreachable(case, "a message from the committee")
        return Relayed(contact, delivered)

    async def end(self, person: PersonRef, ref: str) -> CaseContact:
        """The subject, or a member who may speak for the committee, ends the conversation."""
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            case = await case_by_ref(tx, ref)
            by_subject = await identity_of(tx, person) == await identity_of(tx, case.subject)
            if not by_subject:
                await self._require_member(tx, case, person)
            contact = await self._open_on(tx, case)
        ended = await self._close(contact, person, "ended by the subject" if by_subject
                                  else "ended by the committee")
        who: Trusted = ctx.messages.render("contact_by_subject") if by_subject \
            else mention(ctx, person)
        await try_dm(ctx, case.subject, Notice(NoticeKind.INFO, ctx.messages.render(
            "contact_ended_dm", case=case.id), subject_id=case.id))
        await announce(ctx, case, Notice(NoticeKind.INFO, ctx.messages.render(
            "contact_ended_thread", case=case.id, by=who), subject_id=case.id))
        return ended

    async def _open_on(self, tx: Tx, case: Case) -> CaseContact:
        found = await tx.find(CaseContact, case_id=case.id, status=ContactStatus.OPEN, limit=1)
        if not found:
            raise InvalidState(f"There is no open conversation with the subject of case "
                               f"{case.id}; a committee member can open one with "
                               f"/case contact {case.id}.")
        return found[0]

    async def _close(self, contact: CaseContact, person: PersonRef | None,
                     note: str) -> CaseContact:
        ctx = self._ctx
        ended = replace(contact, status=ContactStatus.ENDED, ended_at=ctx.now(),
                        ended_by=person, end_note=note)
        async with ctx.storage.transaction() as tx:
            if not await tx.update_if(ended, status=ContactStatus.OPEN):
                raise InvalidState("That conversation has already ended.")
            await audit(tx, ctx, "contact.ended", "case", contact.case_id, actor=person,
                        details=f"{contact.id}: {note}")
        return ended

    async def describe(self, case: Case, format_time: Callable[[datetime], str],
                       shown: int = 3) -> Trusted:
        """The hearing part of ``/case show``: the statement, whether the subject could be
        reached, the conversation and its last ``shown`` messages (staff and committee
        only; every text masked and neutralised)."""
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:
            messages = await tx.find(RelayMessage, case_id=case.id, order_by="at")
            contacts = await tx.find(CaseContact, case_id=case.id, order_by="opened_at")
        lines = statement_lines(ctx, case, format_time)
        if contacts:
            last = contacts[-1]
            lines.append(ctx.messages.render(
                "case_view_contact", state=last.status.value, by=mention(ctx, last.opened_by),
                at=Trusted(format_time(last.opened_at)), count=len(messages)))
        for message in messages[-shown:]:
            who = ctx.messages.render("contact_by_subject") \
                if message.direction is RelayDirection.FROM_SUBJECT else \
                ctx.messages.render("case_view_by_committee", member=mention(ctx, message.author))
            lines.append(ctx.messages.render(
                "case_view_relayed", at=Trusted(format_time(message.at)), who=who,
                text=message.text[:300], undelivered="" if message.delivered else
                ctx.messages.render("case_view_undelivered")))
        return Trusted("\n".join(lines))
