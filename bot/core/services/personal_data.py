"""A person's rights over their data: everything stored about them, and its erasure.

Which fields hold a person is read from the models themselves (every ``PersonRef``
field of every stored record, ``ENTITY_TYPES``), so a new table is covered the day it is
added. What else goes with a person is declared once, in ``THEIR_WORDS``: the free text
that is theirs, or about them, when a given person field is them (the reason of a report
they filed, the excerpt of a message of theirs that was removed, their statement). A test
holds every person field and every text field of every record to a declaration.

Erasure keeps the integrity of the record: no report, incident, vote, decision or audit
entry disappears, so counts, tallies and "that an action happened" stay true. Their
accounts become one opaque pseudonymous person (space ``erased``), their words become
``[erased]``, their account ids are scrubbed from every text field of every record, and
their account links are removed; all in one transaction, itself on the audit log.
"""

from __future__ import annotations

import dataclasses
import typing
import uuid
from collections.abc import Iterable
from typing import Any

from bot.core.errors import InvalidInput, NotFound, SealError
from bot.core.identity import PersonRef
from bot.core.models import (
    ENTITY_TYPES,
    Acceptance,
    AcceptancePrompt,
    Appeal,
    Appointment,
    AuditEntry,
    Case,
    CaseContact,
    CaseOrigin,
    CodeVersion,
    EmailAddress,
    Entity,
    Evidence,
    Incident,
    Motion,
    OutboxMessage,
    PersonLink,
    Recusal,
    RelayMessage,
    Report,
    Sanction,
    Vote,
)
from bot.core.ports import Tx
from bot.core.services._context import UNNAMED, Context, accounts_of, audit
from bot.core.services.case_file import JSON, record

ERASED_SPACE = "erased"
ERASED_TEXT = "[erased]"
MIN_ID_LENGTH = 6  # shorter account ids are not scrubbed from free text (too many hits)

THEIR_WORDS: dict[type, dict[str, frozenset[str]]] = {
    Report: {"reporter": frozenset({"reason"}),
             "target": frozenset({"reason", "message_excerpt", "resolution_note"}),
             "handled_by": frozenset({"resolution_note"})},
    Incident: {"subject": frozenset({"note", "excerpt"}), "actor": frozenset({"note"}),
               "reversed_by": frozenset()},
    Sanction: {"subject": frozenset({"reason", "lift_reason"}), "actor": frozenset({"reason"}),
               "lifted_by": frozenset({"lift_reason"})},
    Case: {"subject": frozenset({"summary", "subject_statement"}), "opened_by": frozenset(),
           "reporter": frozenset({"reporter_wishes", "reporter_wishes_note"})},
    Motion: {"proposed_by": frozenset(), "overruled_by": frozenset(),
             "statement_published_by": frozenset()},
    Vote: {"voter": frozenset()},
    Recusal: {"member": frozenset({"reason"})},
    Appeal: {"appellant": frozenset({"reason"}), "decided_by": frozenset()},
    CodeVersion: {"published_by": frozenset()},
    Acceptance: {"person": frozenset()},
    AcceptancePrompt: {"person": frozenset()},
    Appointment: {"person": frozenset({"end_reason"}), "appointed_by": frozenset()},
    AuditEntry: {"actor": frozenset({"reason", "details"})},
    PersonLink: {"person": frozenset({"identity"}), "linked_by": frozenset()},
    Evidence: {"author": frozenset({"text", "attachments"})},
    CaseContact: {"subject": frozenset({"end_note"}), "opened_by": frozenset(),
                  "ended_by": frozenset({"end_note"})},
    RelayMessage: {"author": frozenset({"text"})},
    # A DM still waiting in the outbox is about its recipient (sent ones hold no text).
    OutboxMessage: {"recipient": frozenset({"text", "title"})},
    # Their e-mail address (the whole row is removed by an erasure).
    EmailAddress: {"person": frozenset({"address"})},
}
"""Per record type and person field: the text erased with that person."""

SEALED: dict[type, tuple[str, str, frozenset[str]]] = {
    Report: ("reporter_sealed", "reporter_tag", frozenset({"reason"})),
    Case: ("reporter_sealed", "reporter_tag",
           frozenset({"reporter_wishes", "reporter_wishes_note"})),
    Appeal: ("appellant_sealed", "appellant_tag", frozenset({"reason"})),
}
"""Where an anonymous person is kept sealed: (sealed box, tag, their words)."""


_FIELDS: dict[tuple[type, str], tuple[str, ...]] = {}


def person_fields(cls: type) -> tuple[str, ...]:
    """The fields of ``cls`` that hold a person, read from its type hints."""
    return _fields_of(cls, "person")


def text_fields(cls: type) -> tuple[str, ...]:
    """The fields of ``cls`` that hold free text (``str``, or a tuple of them)."""
    return _fields_of(cls, "text")


def _fields_of(cls: type, what: str) -> tuple[str, ...]:
    found = _FIELDS.get((cls, what))
    if found is None:
        hints = typing.get_type_hints(cls)
        text = (str, str | None, tuple[str, ...])
        found = _FIELDS[(cls, what)] = tuple(
            f.name for f in dataclasses.fields(cls)
            if (PersonRef in (hints[f.name], *typing.get_args(hints[f.name]))
                if what == "person" else hints[f.name] in text))
    return found


class PersonalDataService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def export(self, ref: str, how: str) -> JSON:
        """Everything stored about the person (all their linked accounts), audited."""
        async with self._ctx.storage.transaction() as tx:
            accounts, tags = await self._accounts(tx, ref)
            records: dict[str, list[JSON]] = {}
            for cls in ENTITY_TYPES:
                rows = [self._exported(row, accounts, tags)
                        for row in await _all(tx, cls) if _involves(row, accounts, tags)]
                if rows:
                    records[_table(cls)] = rows
            if not records:
                raise NotFound(f"Nothing is stored about {ref}.")
            await audit(tx, self._ctx, "person.exported", "person", min(accounts).key,
                        actor=UNNAMED, details=how)
        return {"person": sorted(a.key for a in accounts), "generated_at":
                self._ctx.now().isoformat(), "records": records}

    @staticmethod
    def _exported(row: object, accounts: frozenset[PersonRef], tags: frozenset[str]) -> JSON:
        """A row as the person may see it: who reported them is never in it, nor the
        reporter's own words (a report's reason, the summary of the case it became, an
        appeal the reporter filed), which could name them, nor the time of day a report
        about them was filed (the day only)."""
        data = record(row)
        if isinstance(row, Report) and row.reporter not in accounts:
            mine = row.reporter_tag is not None and row.reporter_tag in tags
            for name in ("reporter", "queue_message", *(() if mine else ("reason",))):
                data.pop(name, None)
            if mine:
                data["reporter"] = "you (anonymously)"
            else:  # the day, not the minute: "two minutes after you wrote to X" names X
                data["created_at"] = row.created_at.date().isoformat()
        if isinstance(row, Evidence) and row.subject_type == "report":
            data["captured_at"] = row.captured_at.date().isoformat()  # kept as it was filed
        if isinstance(row, Case) and row.reporter not in accounts and not (
                row.reporter_tag is not None and row.reporter_tag in tags):
            for name in ("reporter", "reporter_wishes", "reporter_wishes_note", "wishes_at"):
                data.pop(name, None)  # the harmed person's wishes are the committee's only
            if row.origin is CaseOrigin.REPORT:
                data.pop("summary", None)  # the report's reason, in the reporter's words
        if isinstance(row, Appeal) and row.appellant not in accounts:
            mine = row.appellant_tag is not None and row.appellant_tag in tags
            if not mine:
                data.pop("appellant", None)
                data.pop("reason", None)
        return data

    async def erase(self, ref: str, reason: str, how: str) -> dict[str, int]:
        """Erase the person's data everywhere, in one transaction; the rows changed per
        table. The audit entry names the erasure by an opaque token, not the person."""
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please give the reason for the erasure (--reason); it goes "
                               "on the record.")
        async with self._ctx.storage.erasure() as tx:
            accounts, tags = await self._accounts(tx, ref)
            token = uuid.uuid4().hex[:16]
            eraser = _Eraser(accounts, tags, token)
            changed: dict[str, int] = {}
            for cls in ENTITY_TYPES:
                count = 0
                for row in await _all(tx, cls):
                    count += await eraser.apply(tx, row)
                if count:
                    changed[_table(cls)] = count
            if not changed:
                raise NotFound(f"Nothing is stored about {ref}.")
            await audit(tx, self._ctx, "person.erased", "erasure", token, actor=UNNAMED,
                        reason=eraser.scrub(reason), details=how)
        return changed

    async def _accounts(self, tx: Tx, ref: str) -> tuple[frozenset[PersonRef], frozenset[str]]:
        person = PersonRef.parse(ref.strip())
        accounts = frozenset(await accounts_of(tx, person))
        try:
            tags = frozenset(tx.sealer.tag(a) for a in accounts)
        except SealError:  # no seal key: sealed reports cannot be theirs to find
            tags = frozenset()
        return accounts, tags


async def _all(tx: Tx, cls: type) -> list[Any]:
    return list(await tx.find(typing.cast(type[Entity], cls)))


def _table(cls: type) -> str:
    return str(cls.__dict__["TABLE"])


def _involves(row: object, accounts: frozenset[PersonRef], tags: frozenset[str]) -> bool:
    cls = type(row)
    if isinstance(row, Evidence):
        return row.author in accounts
    if any(getattr(row, name) in accounts for name in person_fields(cls)):
        return True
    sealed = SEALED.get(cls)
    return sealed is not None and getattr(row, sealed[1]) in tags


class _Eraser:
    def __init__(self, accounts: frozenset[PersonRef], tags: frozenset[str],
                 token: str) -> None:
        self.accounts = accounts
        self.tags = tags
        self.replacements = {a: PersonRef(a.platform, ERASED_SPACE, token) for a in accounts}
        self.texts = sorted({(a.key, self.replacements[a].key) for a in accounts}
                            | {(a.id, token) for a in accounts
                               if len(a.id) >= MIN_ID_LENGTH},
                            key=lambda pair: -len(pair[0]))

    def scrub(self, text: str) -> str:
        for old, new in self.texts:
            text = text.replace(old, new)
        return text

    async def apply(self, tx: Tx, row: Any) -> int:
        """Erase from one row; 1 if it changed."""
        cls = type(row)
        if isinstance(row, PersonLink | EmailAddress) and row.person in self.accounts:
            await tx.delete(cls, row.id)  # a link or an address is nothing but theirs
            return 1
        changes: dict[str, object] = {}
        words: set[str] = set()
        for name in person_fields(cls):
            value = getattr(row, name)
            if value in self.accounts:
                changes[name] = self.replacements[value]
                words |= THEIR_WORDS[cls][name]
        sealed = SEALED.get(cls)
        if sealed is not None and getattr(row, sealed[1]) in self.tags:
            changes[sealed[0]] = changes[sealed[1]] = None
            words |= sealed[2]
        for name in words:
            changes[name] = _blank(getattr(row, name))
        for name in text_fields(cls):
            value = changes.get(name, getattr(row, name))
            scrubbed = self._scrub_value(value)
            if scrubbed != value:
                changes[name] = scrubbed
        if not changes:
            return 0
        new = dataclasses.replace(row, **changes)
        if new.id != row.id:
            await tx.delete(cls, row.id)
            await tx.insert(new)
        else:
            await tx.rewrite(new)
        return 1

    def _scrub_value(self, value: object) -> object:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, tuple):
            return tuple(self.scrub(v) if isinstance(v, str) else v for v in value)
        return value


def _blank(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, tuple):
        return ()
    return ERASED_TEXT


def declared_text(cls: type) -> Iterable[str]:
    """Every text field some declaration names for ``cls`` (for the coverage test)."""
    for words in THEIR_WORDS.get(cls, {}).values():
        yield from words
    if cls in SEALED:
        yield from SEALED[cls][2]
