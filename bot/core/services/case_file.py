"""Case files: everything the record holds about one committee case, in one document.

"A record of the incident and response": the case file is what the committee, counsel or
the Executive Committee hand on (to an appeal, to a successor, to the person who asks).
It is built from the stored records only, as plain JSON values, with the schema in
``docs/case-file.schema.json``; ``bot/records/case_html.py`` renders the same document as
a page. An anonymous reporter (or appellant) appears only as their pseudonym, and the
sealed fields are never copied. Every vote is listed with whether it counted, by the same
rule the tally uses (eligible, not recused, the voter's latest ballot).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any

from bot.core.errors import DeliveryFailed, InvalidState, NotPermitted, PlatformError
from bot.core.identity import MessageRef, PersonRef, PlaceRef, is_sealed, pseudonym
from bot.core.models import (
    Actor,
    Appeal,
    AuditEntry,
    Case,
    Incident,
    Motion,
    Recusal,
    RelayMessage,
    Report,
    Role,
    Sanction,
    Vote,
)
from bot.core.ports import Attachment, Notice, NoticeKind, Tx
from bot.core.rules.voting import Ballot, tally
from bot.core.services._committee import panel_for, reading_refusal
from bot.core.services._context import UNNAMED, Context, audit, identity_of
from bot.core.services.cases import UNHEARD_ACTION, UNHEARD_DUE_PREFIX, load_case
from bot.core.services.evidence import EvidenceService

SCHEMA_ID = "https://coc-bot.invalid/schemas/case-file/1"
FORMAT_VERSION = 1
SEALED_FIELDS = frozenset({"reporter_sealed", "reporter_tag", "appellant_sealed",
                           "appellant_tag"})
"""Never copied: the sealed identity, and the tag that would link reports together."""
JSON = dict[str, Any]
CasePage = Callable[[JSON], str]
"""Renders a case file as a readable page (``bot.records.case_html.render``), given by the
composition root so the domain imports no presentation code."""
FILE_HOLDERS = frozenset({Role.STAFF, Role.COMMITTEE, Role.COUNSEL})
"""Who may receive a case file (``/case file``), each unless a party to the case. Staff:
the protocols have staff "create a record of the incident and response" and the Community
Engagement Manager liaise with and convene the committee, so staff keep the record. The
committee decides the case "in coordination with legal counsel". The Executive Committee
"will oversee the appeal process", so it receives the file of an appealed case only."""


def plain(value: object) -> object:
    """A stored value as JSON: times as ISO 8601 UTC, references by key, enums by value;
    a sealed person by pseudonym."""
    if isinstance(value, PersonRef):
        return pseudonym(value.id) if is_sealed(value) else value.key
    if isinstance(value, PlaceRef | MessageRef):
        return value.key
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | frozenset | list):
        return [plain(item) for item in value]
    return value


def record(entity: object, *, drop: frozenset[str] = frozenset()) -> JSON:
    """Every field of a stored record but the sealed ones (and ``drop``)."""
    assert dataclasses.is_dataclass(entity)
    return {field.name: plain(getattr(entity, field.name))
            for field in dataclasses.fields(entity)
            if field.name not in SEALED_FIELDS | drop}


NAMED_REPORTER = "named (shown to staff only)"


def _hide_named_reporters(document: JSON) -> None:
    """A named report shows its reporter to staff and to nobody else: the committee,
    counsel and the Executive read the file with the reporter's account replaced (their
    words stay; who wrote them does not travel beyond staff)."""
    named = {row["reporter"] for row in (document["case"], *document["reports"])
             if row.get("reporter")}
    for row in (document["case"], *document["reports"]):
        if row.get("reporter"):
            row["reporter"] = NAMED_REPORTER
    for appeal in document["appeals"]:  # the reporter may appeal too
        if appeal.get("appellant") in named:
            appeal["appellant"] = NAMED_REPORTER


def _with_pseudonym(row: JSON, tag: str | None, field: str) -> JSON:
    row[field] = pseudonym(tag) if tag else None
    return row


class CaseFileService:
    def __init__(self, ctx: Context, evidence: EvidenceService,
                 page: CasePage | None = None) -> None:
        self._ctx = ctx
        self._evidence = evidence
        self._page = page

    async def send_by_dm(self, actor: Actor, ref: str) -> str:
        """``/case file``: the case file (JSON and the page) as attachments of a DM to
        ``actor``, if they may have it; returns the case id. Recorded on the audit log
        before it leaves (a file never goes out unrecorded); a DM that fails is recorded
        too, and nothing was sent."""
        say = self._ctx.messages.render
        if not actor.roles & (FILE_HOLDERS | {Role.EXECUTIVE}):
            raise NotPermitted(say("case_file_not_permitted"))  # before the case is looked up
        if self._page is None:
            raise InvalidState("Case files cannot be sent from this process (no page "
                               "renderer was given); use coc-bot export case.")
        platform = self._ctx.platforms.get(actor.person.platform)
        async with self._ctx.storage.transaction() as tx:
            case = await load_case(tx, ref)
            await self._may_have(tx, actor, case)
            document = await self.build(tx, case.id)
            if not actor.is_staff:
                _hide_named_reporters(document)
            await audit(tx, self._ctx, "case.exported", "case", case.id, actor=actor.person,
                        details=f"sent by direct message on {platform.name.value}")
        files = (Attachment(f"{case.id}.json", "application/json",
                            (json.dumps(document, indent=2, ensure_ascii=False) + "\n")
                            .encode()),
                 Attachment(f"{case.id}.html", "text/html", self._page(document).encode()))
        try:
            await platform.send_dm(actor.person, Notice(
                NoticeKind.INFO, say("case_file_dm", case=case.id), case.id,
                attachments=files))
        except PlatformError as exc:
            async with self._ctx.storage.transaction() as tx:
                await audit(tx, self._ctx, "case.export_undelivered", "case", case.id,
                            actor=actor.person, details=type(exc).__name__)
            raise DeliveryFailed(say("case_file_undelivered", case=case.id)) from exc
        return case.id

    async def _may_have(self, tx: Tx, actor: Actor, case: Case) -> None:
        """The one conflict rule (subject, reporter, appellant, recused), then the
        Executive Committee's limit to appealed cases."""
        say = self._ctx.messages.render
        refusal = await reading_refusal(tx, self._ctx, case, actor.person,
                                        "case_file_conflicted")
        if refusal is not None:
            raise refusal
        if not actor.roles & FILE_HOLDERS and not await tx.find(Appeal, case_id=case.id):
            raise NotPermitted(say("case_file_no_appeal", case=case.id))

    async def export(self, ref: str, how: str) -> JSON:
        """The case file, with the export itself on the audit log (same transaction: an
        export that is not recorded does not happen). ``how`` says who asked and how."""
        async with self._ctx.storage.transaction() as tx:
            document = await self.build(tx, ref)
            await audit(tx, self._ctx, "case.exported", "case", document["case"]["id"],
                        actor=UNNAMED, details=how)
        return document

    async def build(self, tx: Tx, ref: str) -> JSON:
        """The whole case file (``NotFound`` for an unknown reference)."""
        case = await load_case(tx, ref)
        reports = await self._reports(tx, case)
        incidents = await tx.find(Incident, case_id=case.id, order_by="created_at")
        motions = [await self._motion(tx, case, m) for m in
                   await tx.find(Motion, case_id=case.id, order_by="opened_at")]
        recusals = await tx.find(Recusal, case_id=case.id, order_by="declared_at")
        appeals = await tx.find(Appeal, case_id=case.id, order_by="filed_at")
        sanctions = await tx.find(Sanction, case_id=case.id, order_by="starts_at")
        evidence = [record(row) for row in await self._evidence.of_case(tx, case)]
        relayed = await tx.find(RelayMessage, case_id=case.id, order_by="at")
        unheard = await tx.find(AuditEntry, action=UNHEARD_ACTION, subject_type="case",
                                subject_id=case.id, order_by="at")
        document: JSON = {
            "$schema": SCHEMA_ID, "format_version": FORMAT_VERSION,
            "generated_at": plain(self._ctx.now()),
            "case": _with_pseudonym(record(case), case.reporter_tag, "reporter_pseudonym"),
            "reports": [_with_pseudonym(record(r), r.reporter_tag, "reporter_pseudonym")
                        for r in reports],
            "incidents": [record(i) for i in incidents],
            "evidence": evidence,
            "statements": _statements(case),
            "decided_without_statement": [_unheard(entry) for entry in unheard],
            "conversation": [record(m, drop=frozenset({"case_id"})) for m in relayed],
            "motions": motions,
            "recusals": [record(r) for r in recusals],
            "appeals": [_with_pseudonym(record(a), a.appellant_tag, "appellant_pseudonym")
                        for a in appeals],
            "sanctions": [record(s) for s in sanctions],
        }
        document["timeline"] = _timeline(document)
        return document

    @staticmethod
    async def _reports(tx: Tx, case: Case) -> list[Report]:
        found = {r.id: r for r in await tx.find(Report, case_id=case.id)}
        if case.report_id and case.report_id not in found:
            report = await tx.get(Report, case.report_id)
            if report is not None:
                found[report.id] = report
        return sorted(found.values(), key=lambda r: r.created_at)

    async def _motion(self, tx: Tx, case: Case, motion: Motion) -> JSON:
        """The motion with every ballot and whether it counted, and the tally."""
        day = (motion.closed_at or self._ctx.now()).date()
        panel = await panel_for(tx, case, day)
        votes = sorted(await tx.find(Vote, motion_id=motion.id), key=lambda v: v.cast_at)
        identities = [await identity_of(tx, v.voter) for v in votes]
        latest: dict[str, int] = {}
        for index, who in enumerate(identities):  # votes are in casting order
            if who in panel.eligible and who not in panel.recused:
                latest[who] = index
        ballots = [Ballot(who, v.choice, v.cast_at) for v, who in zip(votes, identities,
                                                                       strict=True)]
        result = tally(ballots, panel.eligible, panel.recused, self._ctx.policy.quorum)
        row = record(motion)
        row["votes"] = [{**record(v, drop=frozenset({"motion_id"})),
                         "counted": latest.get(who) == index,
                         "why_not_counted": None if latest.get(who) == index else
                         _why_not(who, panel.eligible, panel.recused)}
                        for index, (v, who) in enumerate(zip(votes, identities, strict=True))]
        row["tally"] = {"yes": result.yes, "no": result.no, "abstain": result.abstain,
                        "quorum": result.quorum, "quorum_met": result.quorum_met,
                        "carried": result.carried}
        return row


def _why_not(who: str, eligible: frozenset[str], recused: frozenset[str]) -> str:
    if who in recused:
        return "recused"
    if who not in eligible:
        return "not eligible"
    return "replaced by a later vote"


def _unheard(entry: AuditEntry) -> JSON:
    """A decision communicated before the subject's deadline without their statement:
    who decided so and why (the reason they had to give), and the deadline it overrode."""
    due = (entry.details or "").removeprefix(UNHEARD_DUE_PREFIX) or None
    return {"at": plain(entry.at), "by": plain(entry.actor), "reason": entry.reason or "",
            "statement_due": due}


def _statements(case: Case) -> list[JSON]:
    if not case.subject_statement:
        return []
    return [{"by": plain(case.subject), "text": case.subject_statement,
             "at": plain(case.statement_at)}]


_EVENTS: tuple[tuple[str, str, str, str], ...] = (
    # (section, time field, event, id field)
    ("reports", "created_at", "report filed", "id"),
    ("reports", "handled_at", "report handled", "id"),
    ("incidents", "created_at", "incident recorded", "id"),
    ("incidents", "reversed_at", "incident reversed", "id"),
    ("motions", "opened_at", "motion proposed", "id"),
    ("motions", "closed_at", "motion closed", "id"),
    ("recusals", "declared_at", "member recused", "member"),
    ("appeals", "filed_at", "appeal filed", "id"),
    ("appeals", "decided_at", "appeal decided", "id"),
    ("appeals", "communicated_at", "appeal outcome communicated", "id"),
    ("sanctions", "starts_at", "sanction started", "id"),
    ("sanctions", "lifted_at", "sanction lifted", "id"),
    ("conversation", "at", "message relayed", "contact_id"),
    ("decided_without_statement", "at", "decided without the subject's statement", "by"),
)


def _timeline(document: JSON) -> list[JSON]:
    """Every dated event of the case, oldest first."""
    case = document["case"]
    events: list[JSON] = [{"at": case["opened_at"], "event": "case opened", "ref": case["id"]}]
    for field, event in (("statement_at", "statement given"),
                         ("subject_unreachable_at", "subject could not be reached"),
                         ("communicated_at", "decision communicated"),
                         ("final_at", "decision final")):
        if case.get(field):
            events.append({"at": case[field], "event": event, "ref": case["id"]})
    for section, moment, event, ref in _EVENTS:
        for row in document[section]:
            if row.get(moment):
                events.append({"at": row[moment], "event": event, "ref": row[ref]})
    for motion in document["motions"]:
        for vote in motion["votes"]:
            events.append({"at": vote["cast_at"], "event": f"vote {vote['choice']}",
                           "ref": motion["id"]})
    return sorted(events, key=lambda e: (datetime.fromisoformat(e["at"]), e["event"]))

