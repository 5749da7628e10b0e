"""E-mail reach: notices the protocols require in writing, for people DMs cannot reach.

A removal explanation, a suspension, a decision or an appeal's outcome must reach the
person. When their DMs are closed (the platform refuses the DM for good), and the operator
has mapped their account to an address (``coc-bot addresses import``), the same text goes
by e-mail. It is not a second queue: the e-mail is an outbox row (``channel='email'``)
written when the DM is refused (``try_dm`` for direct sends, the outbox worker for queued
ones), sent by the same worker with the same lease, backoff and exactly-once settling.
The row keeps the person (sealed, for an anonymous reporter), never the address, which is
read at send time. While an e-mail is on its way staff are not asked to reach the person
another way; an e-mail that fails for good (a 5xx reply, or a server down for
``EMAIL_ATTEMPTS``) is reported to staff, as a refused DM is. A decision or an appeal's
outcome is recorded as communicated (``via=email``) when the mail server accepts it: the
handlers registered with :meth:`AddressBook.on_sent`.

The address book is personal data: exported and erased with the person
(``personal_data.py``), listed and removed by the operator's CLI.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot.core.errors import InvalidInput, NotFound
from bot.core.identity import PersonRef
from bot.core.models import EmailAddress, OutboxMessage
from bot.core.ports import Audience, Notice, NoticeKind
from bot.core.services._context import (
    EMAIL_INSTEAD_PURPOSE,
    EMAIL_PURPOSE,
    UNNAMED,
    Context,
    audit,
    mention,
    queue_post,
)


@dataclass(frozen=True, slots=True)
class AddressEntry:
    """One validated line of an import: an account and its (normalised) address."""

    person: PersonRef
    address: str


Sent = Callable[[str, PersonRef], Awaitable[object]]
"""Told that the mail server accepted an e-mail: (its notice's subject id, recipient)."""


class AddressBook:
    """The operator's map from accounts to e-mail addresses; every change is audited."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._sent: dict[str, Sent] = {}

    def on_sent(self, kind: NoticeKind, handler: Sent) -> None:
        """Who records that an e-mail of ``kind`` was accepted (a decision communicated)."""
        self._sent[kind.value] = handler

    async def put(self, entries: Iterable[AddressEntry], how: str) -> tuple[int, int]:
        """Add or replace addresses in one transaction: (added, replaced)."""
        added = replaced = 0
        async with self._ctx.storage.transaction() as tx:
            for entry in entries:
                row = EmailAddress(id=entry.person.key, person=entry.person,
                                   address=entry.address, added_at=self._ctx.now())
                if await tx.get(EmailAddress, row.id) is None:
                    await tx.insert(row)
                    added += 1
                else:
                    await tx.update(row)
                    replaced += 1
            if added or replaced:
                await audit(tx, self._ctx, "email.addresses_imported", "email_addresses",
                            "-", actor=UNNAMED, details=f"{how}: {added} added, "
                                                     f"{replaced} replaced")
        return added, replaced

    async def entries(self) -> list[EmailAddress]:
        async with self._ctx.storage.transaction() as tx:
            return list(await tx.find(EmailAddress, order_by="id"))

    async def remove(self, ref: str, how: str) -> None:
        try:
            person = PersonRef.parse(ref.strip())
        except ValueError as exc:
            raise InvalidInput(f"'{ref}' is not an account reference ({exc}).") from None
        async with self._ctx.storage.transaction() as tx:
            if await tx.get(EmailAddress, person.key) is None:
                raise NotFound(f"No e-mail address is stored for {person.key}.")
            await tx.delete(EmailAddress, person.key)
            await audit(tx, self._ctx, "email.address_removed", "email_addresses", "-",
                        actor=UNNAMED, details=how)

    async def settled(self, row: OutboxMessage, delivered: bool) -> None:
        """An e-mail sent as well as a delivered DM: only a failure is told."""
        await self._settled(row, delivered, counts=False)

    async def settled_instead(self, row: OutboxMessage, delivered: bool) -> None:
        """An e-mail sent because the DM was refused: it alone reaches the person."""
        await self._settled(row, delivered, counts=True)

    async def _settled(self, row: OutboxMessage, delivered: bool, *, counts: bool) -> None:
        """The outbox's word on an e-mail: an accepted one is recorded where it counts (a
        decision communicated); a final failure is reported to staff (who can reach the
        person another way), as a refused DM is."""
        if row.recipient is None:
            return
        handler = self._sent.get(row.notice_kind) if counts else None
        if delivered:
            if handler is not None and row.subject_id:
                await handler(row.subject_id, row.recipient)
            return
        ctx = self._ctx
        async with ctx.storage.transaction() as tx:  # as settled: with its last error
            row = await tx.get(OutboxMessage, row.id) or row
        error = (row.last_error or "refused")[:200]
        if counts and row.notice_kind == NoticeKind.DECISION_DM.value and row.subject_id:
            text = ctx.messages.render("email_failed_decision", case=row.subject_id,
                                       subject=mention(ctx, row.recipient), error=error)
        else:
            text = ctx.messages.render("email_failed", subject=mention(ctx, row.recipient),
                                       ref=row.subject_id or row.title or row.notice_kind,
                                       error=error)
        notice = Notice(NoticeKind.STAFF_ALERT, text, subject_id=row.subject_id)
        async with ctx.storage.transaction() as tx:
            await queue_post(tx, ctx, row.recipient, Audience.STAFF, notice,
                             key=f"email-failed/{row.id}")
        await ctx.outbox.kick()


__all__ = ["EMAIL_INSTEAD_PURPOSE", "EMAIL_PURPOSE", "AddressBook", "AddressEntry"]
