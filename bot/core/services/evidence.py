"""Evidence with context: the reported or removed message, the messages around it, its
attachments and later edits, kept with the report or incident.

"Give significant weight to context and impact": a removal or a report is judged with the
conversation it was part of, even after the author deletes everything. What is kept is
masked like every personal datum the bot stores (``mask_personal``): the words, their
tone and what they answered travel to the committee; phone numbers, addresses, e-mail
addresses and card numbers do not. Authors are kept (who said what is the context), and
an anonymous reporter's own messages in the window are kept under their sealed
pseudonym, so the case file never names them.

Capture never blocks or fails the action it serves: it is bounded by
``policy.evidence_timeout`` and a platform error is logged, not raised.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from bot.core.automod import mask_personal
from bot.core.errors import PlatformError, SealError
from bot.core.identity import MessageRef, PersonRef, sealed_person
from bot.core.models import Case, Evidence, EvidenceKind, Incident
from bot.core.ports import ContextMessage, Tx
from bot.core.services._context import Context

log = logging.getLogger(__name__)

MAX_TEXT = 4000
MAX_ATTACHMENTS = 10


@dataclass(frozen=True, slots=True)
class Capture:
    """What a platform showed around one message, read before anything was deleted."""

    center: MessageRef
    seen: tuple[ContextMessage, ...]


class EvidenceService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    async def read(self, message: MessageRef) -> Capture | None:
        """Read the window around ``message`` now, within the policy's time bound.

        None (logged) when the platform is not connected, refuses, or is too slow: the
        removal or report goes ahead and keeps what its own excerpt says."""
        ctx = self._ctx
        policy = ctx.policy
        if not ctx.platforms.has(message.platform):
            return None
        platform = ctx.platforms.get(message.platform)
        try:
            seen = await asyncio.wait_for(
                platform.read_context(message, policy.evidence_before, policy.evidence_after),
                timeout=policy.evidence_timeout.total_seconds())
        except TimeoutError:
            log.warning("context of message %s not kept: the platform took too long",
                        message.key)
            return None
        except PlatformError as exc:
            log.warning("context of message %s not kept: %s", message.key, exc)
            return None
        return Capture(message, tuple(seen))

    async def keep(self, tx: Tx, subject_type: str, subject_id: str, message: MessageRef,
                   capture: Capture | None, *, excerpt: str | None = None,
                   author: PersonRef | None = None, reporter_tag: str | None = None) -> int:
        """Store a capture (or, without one, the excerpt the action had) as evidence rows;
        the number stored."""
        rows = self.rows(tx, subject_type, subject_id, message, capture, excerpt=excerpt,
                         author=author, reporter_tag=reporter_tag)
        await tx.insert_all(rows)
        return len(rows)

    def rows(self, tx: Tx, subject_type: str, subject_id: str, message: MessageRef,
             capture: Capture | None, *, excerpt: str | None = None,
             author: PersonRef | None = None,
             reporter_tag: str | None = None) -> list[Evidence]:
        """The rows :meth:`keep` stores, for a batch that stores many subjects' rows in
        one statement (a raid's)."""
        rows = self._rows(subject_type, subject_id, message, capture, reporter_tag, tx)
        if not any(row.kind is EvidenceKind.MESSAGE for row in rows) and excerpt:
            rows.append(self._row(subject_type, subject_id, EvidenceKind.MESSAGE, 0, message,
                                  excerpt, author, None, ()))
        return rows

    async def capture(self, subject_type: str, subject_id: str, message: MessageRef, *,
                      excerpt: str | None = None, author: PersonRef | None = None,
                      reporter_tag: str | None = None) -> int:
        """Read and keep in one go (a report: nothing is deleted, so order is free)."""
        capture = await self.read(message)
        async with self._ctx.storage.transaction() as tx:
            return await self.keep(tx, subject_type, subject_id, message, capture,
                                   excerpt=excerpt, author=author, reporter_tag=reporter_tag)

    async def record_edit(self, message: MessageRef, text: str) -> int:
        """A kept message was edited (automod saw the edit): keep the new version with
        every report or incident that kept the old one. Unchanged text (Slack re-sends a
        message when a link preview appears) adds nothing."""
        added = 0
        async with self._ctx.storage.transaction() as tx:
            kept = await tx.find(Evidence, message=message)
            if not kept:  # the common case on the per-edit path: nothing to mask or add
                return 0
            masked = _mask(text)
            kept.sort(key=lambda row: (row.captured_at, row.kind is EvidenceKind.EDIT))
            latest: dict[tuple[str, str], Evidence] = {}
            texts: dict[tuple[str, str], set[str]] = {}
            for row in kept:  # the newest version(s) of the message for each subject
                key = (row.subject_type, row.subject_id)
                if key not in latest or latest[key].captured_at < row.captured_at:
                    texts[key] = set()
                latest[key] = row
                texts[key].add(row.text)
            for key, row in latest.items():
                if masked in texts[key]:
                    continue
                await tx.insert(self._row(row.subject_type, row.subject_id, EvidenceKind.EDIT,
                                          row.position, message, masked, row.author,
                                          self._ctx.now(), row.attachments, masked=True))
                added += 1
        return added

    async def of_case(self, tx: Tx, case: Case) -> list[Evidence]:
        """Everything kept for a case: its report's evidence and its incidents'."""
        found: list[Evidence] = []
        if case.report_id:
            found += await self.of_subject(tx, "report", case.report_id)
        for incident in await tx.find(Incident, case_id=case.id, order_by="created_at"):
            found += await self.of_subject(tx, "incident", incident.id)
        return found

    async def by_source(self, case: Case) -> list[tuple[str, list[Evidence]]]:
        """A case's evidence grouped by the report or incident it was kept with."""
        async with self._ctx.storage.transaction() as tx:
            rows = await self.of_case(tx, case)
        groups: dict[str, list[Evidence]] = {}
        for row in rows:
            groups.setdefault(f"{row.subject_type} {row.subject_id}", []).append(row)
        return list(groups.items())

    @staticmethod
    async def of_subject(tx: Tx, subject_type: str, subject_id: str) -> list[Evidence]:
        rows = await tx.find(Evidence, subject_type=subject_type, subject_id=subject_id)
        return sorted(rows, key=lambda row: (row.position, row.captured_at, row.id))

    def _rows(self, subject_type: str, subject_id: str, center: MessageRef,
              capture: Capture | None, reporter_tag: str | None, tx: Tx) -> list[Evidence]:
        if capture is None:
            return []
        rows = []
        for position, seen in positioned(center, capture.seen):
            kind = EvidenceKind.MESSAGE if position == 0 else EvidenceKind.CONTEXT
            author = _hide_reporter(tx, seen.author, reporter_tag)
            files = tuple(f"{mask_personal(name)} <{link}>"
                          for name, link in seen.attachments[:MAX_ATTACHMENTS])
            rows.append(self._row(subject_type, subject_id, kind, position, seen.message,
                                  seen.text, author, seen.sent_at, files))
        return rows

    def _row(self, subject_type: str, subject_id: str, kind: EvidenceKind, position: int,
             message: MessageRef, text: str, author: PersonRef | None,
             sent_at: datetime | None, attachments: tuple[str, ...], *,
             masked: bool = False) -> Evidence:
        return Evidence(
            id=uuid.uuid4().hex, subject_type=subject_type, subject_id=subject_id, kind=kind,
            position=position, message=message, captured_at=self._ctx.now(),
            text=text if masked else _mask(text), author=author,
            sent_at=sent_at,
            attachments=attachments)


def _mask(text: str) -> str:
    return mask_personal(text or "")[:MAX_TEXT]


def _hide_reporter(tx: Tx, author: PersonRef | None, reporter_tag: str | None,
                   ) -> PersonRef | None:
    """An anonymous reporter's own messages in the window carry their pseudonym."""
    if author is None or reporter_tag is None:
        return author
    try:
        if tx.sealer.tag(author) == reporter_tag:
            return sealed_person(author.platform, reporter_tag)
    except SealError:  # pragma: no cover - an anonymous report was sealed, so a sealer exists
        return None
    return author


def _order(message_id: str) -> tuple[Decimal, str]:
    """Discord snowflakes and Slack timestamps both sort as numbers."""
    try:
        return Decimal(message_id), message_id
    except InvalidOperation:
        return Decimal(0), message_id


def positioned(center: MessageRef, seen: Iterable[ContextMessage],
               ) -> list[tuple[int, ContextMessage]]:
    """Each message with its place around ``center`` (0 itself, -1 just before, 1 just
    after), counted even when the center itself is already gone."""
    pivot = _order(center.id)
    ordered = sorted({m.message.id: m for m in seen}.values(),
                     key=lambda m: _order(m.message.id))
    earlier = [m for m in ordered if _order(m.message.id) < pivot]
    later = [m for m in ordered if _order(m.message.id) > pivot]
    same = [m for m in ordered if m.message.id == center.id]
    out = [(index - len(earlier), m) for index, m in enumerate(earlier)]
    out += [(0, m) for m in same]
    out += [(index + 1, m) for index, m in enumerate(later)]
    return out


def summary_lines(rows: Sequence[Evidence]) -> tuple[int, int, Evidence | None]:
    """(messages kept, edits kept, the latest version of the message itself)."""
    messages = sum(1 for row in rows if row.kind is not EvidenceKind.EDIT)
    edits = sum(1 for row in rows if row.kind is EvidenceKind.EDIT)
    centre = [row for row in rows if row.position == 0]
    return messages, edits, centre[-1] if centre else None
