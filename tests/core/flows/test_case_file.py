"""Case files: one document with the whole record of a case, valid against its schema,
every vote with whether it counted, anonymous reporters by pseudonym only, and escaped
when shown as a page."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.core.errors import NotFound
from bot.core.identity import pseudonym
from bot.core.models import Actor, AppealStatus, AuditEntry, Case, CaseOrigin, Role, VoteChoice
from bot.core.services import ProposedSanction, ReportDraft
from bot.records.case_html import render
from tests.core.harness import STAFF, Harness, committee_actor, person

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "docs" /
                     "case-file.schema.json").read_text(encoding="utf-8"))
SUBJECT = person("subject")
REPORTER = person("whistle42")
EXECUTIVE = Actor(person("exec"), frozenset({Role.EXECUTIVE}))


async def decided_case(h: Harness) -> tuple[Case, str]:
    """An anonymous report with kept context, escalated; a motion with a sanction carried
    4-1 with one recused member's vote not counted; decided, communicated, appealed and
    the appeal upheld; the sanction applied and lifted."""
    members = await h.seat_committee()
    h.platform.write("555", REPORTER, "please <b>stop</b>")
    said = h.platform.write("555", SUBJECT, "<script>alert(1)</script> call 312-555-0199")
    report = await h.services.reports.submit(REPORTER, ReportDraft(
        reason="threats & <insults>", anonymous=True, target=SUBJECT, message=said))
    case = await h.services.reports.escalate(STAFF, report.id)
    await h.hear(case.id)
    motion = await h.services.cases.propose(committee_actor(members[0]), case.id,
                                            "Suspend for 30 days",
                                            ProposedSanction("30d", "no-harassment"))
    await h.services.cases.vote(members[5], motion.id, VoteChoice.YES)
    await h.services.cases.recuse(committee_actor(members[5]), case.id, "works with them")
    await h.services.cases.vote(members[4], motion.id, VoteChoice.NO)
    for member in members[:4]:
        h.clock.advance(timedelta(minutes=1))
        await h.services.cases.vote(member, motion.id, VoteChoice.YES)
    await h.services.decisions.decide(committee_actor(members[1]), case.id)
    sanction = await h.services.decisions.apply_sanction(STAFF, motion.id)
    h.clock.advance(timedelta(days=2))
    appeal = await h.services.appeals.file(SUBJECT, case.id, "I was provoked, see the thread.")
    await h.services.appeals.decide(EXECUTIVE, appeal.id, AppealStatus.UPHELD,
                                    "The decision stands.")
    await h.services.sanctions.lift(STAFF, sanction.id, "served")
    return await h.services.cases.get(case.id), report.reporter_tag or ""


async def test_the_case_file_holds_the_whole_record_and_fits_its_schema(
        harness: Harness) -> None:
    case, tag = await decided_case(harness)
    document = await harness.services.case_files.export(case.id, "test")
    jsonschema.validate(document, SCHEMA)
    # it survives a JSON round trip unchanged and still validates
    again = json.loads(json.dumps(document))
    assert again == document
    jsonschema.validate(again, SCHEMA)

    assert document["case"]["id"] == case.id and document["case"]["status"] == "final"
    assert document["case"]["reporter"] is None
    assert document["case"]["reporter_pseudonym"] == pseudonym(tag)
    assert document["reports"][0]["reporter_pseudonym"] == pseudonym(tag)
    motion = document["motions"][0]
    votes = {(v["voter"], v["choice"]): (v["counted"], v["why_not_counted"])
             for v in motion["votes"]}
    assert len(motion["votes"]) == 6
    assert votes[(person("c6").key, "yes")] == (False, "recused")
    assert votes[(person("c5").key, "no")] == (True, None)
    assert motion["tally"] == {"yes": 4, "no": 1, "abstain": 0, "quorum": 4,
                               "quorum_met": True, "carried": True}
    assert document["recusals"][0]["reason"] == "works with them"
    assert document["appeals"][0]["status"] == "upheld"
    assert document["sanctions"][0]["lifted_at"] is not None
    assert document["sanctions"][0]["lift_reason"] == "served"
    texts = [e["text"] for e in document["evidence"]]
    assert "<script>alert(1)</script> call [phone removed]" in texts
    events = [e["event"] for e in document["timeline"]]
    for expected in ("report filed", "case opened", "motion proposed", "member recused",
                     "motion closed", "decision communicated", "decision final", "appeal filed",
                     "appeal decided", "sanction started", "sanction lifted"):
        assert expected in events
    assert [e["at"] for e in document["timeline"]] == sorted(
        (e["at"] for e in document["timeline"]),
        key=lambda at: at)  # ISO UTC text sorts as time


async def test_a_reported_message_its_author_deleted_is_in_the_case_file_with_context(
        harness: Harness) -> None:
    """The author deletes the reported message (and the bot can no longer read it): the
    case file still holds it, masked, with the messages around it, in order."""
    harness.platform.write("555", REPORTER, "please stop")
    said = harness.platform.write("555", SUBJECT, "you will regret this, 312-555-0199")
    harness.platform.write("555", REPORTER, "reporting this")
    report = await harness.services.reports.submit(REPORTER, ReportDraft(
        reason="a threat", target=SUBJECT, message=said))
    await harness.platform.delete_message(said)
    case = await harness.services.reports.escalate(STAFF, report.id)
    document = await harness.services.case_files.export(case.id, "test")
    jsonschema.validate(document, SCHEMA)
    kept = [(e["position"], e["text"]) for e in document["evidence"]]
    assert kept == [(-1, "please stop"), (0, "you will regret this, [phone removed]"),
                    (1, "reporting this")]
    assert "312-555-0199" not in json.dumps(document)


async def test_the_anonymous_reporter_is_nowhere_in_it(harness: Harness) -> None:
    case, tag = await decided_case(harness)
    document = await harness.services.case_files.export(case.id, "test")
    text = json.dumps(document) + render(document)
    assert REPORTER.id not in text and tag not in text
    assert "sealed" not in json.dumps(sorted(_keys(document)))


async def test_the_page_escapes_what_members_wrote(harness: Harness) -> None:
    case, _ = await decided_case(harness)
    page = render(await harness.services.case_files.export(case.id, "test"))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "threats &amp; &lt;insults&gt;" in page and "<b>stop</b>" not in page
    assert page.startswith("<!DOCTYPE html>") and "Motion" in page and "counted" in page


async def test_every_export_is_audited_and_an_unknown_case_changes_nothing(
        harness: Harness) -> None:
    case, _ = await decided_case(harness)
    await harness.services.case_files.export(case.id, "command line")
    async with harness.storage.transaction() as tx:
        before = await tx.count(AuditEntry)
        entries = await tx.find(AuditEntry, action="case.exported")
    assert [(e.subject_id, e.details, e.actor) for e in entries] == [
        (case.id, "command line", None)]
    with pytest.raises(NotFound, match="no case 'C-NOPE'"):
        await harness.services.case_files.export("C-NOPE", "command line")
    async with harness.storage.transaction() as tx:
        assert await tx.count(AuditEntry) == before


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


async def test_a_decision_made_without_the_subjects_statement_is_in_the_case_file(
        harness: Harness) -> None:
    """The committee may decide before the subject's deadline only with a reason; the case
    file (what counsel and the Executive Committee read on appeal) must show that it did,
    who did, why, and which deadline it came before, not only the audit log."""
    members = await harness.seat_committee()
    case = await harness.services.cases.open(STAFF.person, SUBJECT, "threats in #general",
                                             origin=CaseOrigin.STAFF)
    motion = await harness.services.cases.propose(committee_actor(members[0]), case.id,
                                                  "Suspend for 30 days", None)
    for member in members[:4]:
        await harness.services.cases.vote(member, motion.id, VoteChoice.YES)
    reason = "They told staff by e-mail <they> will not answer"
    await harness.services.decisions.decide(committee_actor(members[1]), case.id,
                                            without_statement=reason)

    document = await harness.services.case_files.export(case.id, "test")
    jsonschema.validate(document, SCHEMA)
    (entry,) = document["decided_without_statement"]
    assert entry["by"] == members[1].key and entry["reason"] == reason
    due = case.statement_due_at
    assert due is not None and entry["statement_due"] == due.isoformat()
    assert {"at": entry["at"], "event": "decided without the subject's statement",
            "ref": members[1].key} in document["timeline"]
    page = render(document)
    assert "Decided without the subject&#x27;s statement" in page
    assert "&lt;they&gt;" in page and "<they>" not in page


async def test_a_case_decided_after_hearing_the_subject_lists_no_such_decision(
        harness: Harness) -> None:
    case, _ = await decided_case(harness)
    document = await harness.services.case_files.export(case.id, "test")
    assert document["decided_without_statement"] == []
    assert "decided without the subject's statement" not in \
        [e["event"] for e in document["timeline"]]
