"""Evidence with context: a reported or removed message is kept with the messages around
it, its attachments and its later edits, masked, even after the author deletes it."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.core.flows.cases import CaseFlows
from bot.core.identity import MessageRef, is_sealed, pseudonym, sealed_person
from bot.core.models import Evidence, EvidenceKind, IncidentKind
from bot.core.services import IncidentDraft, ReportDraft, WatchedMessage
from tests.core.harness import STAFF, Harness, person

SUBJECT = person("subject")
REPORTER = person("whistle42")
CHANNEL = "555"


def conversation(h: Harness, before: int = 7, after: int = 7) -> MessageRef:
    """A channel where the subject's message sits among others; returns that message."""
    for n in range(before):
        h.platform.write(CHANNEL, person(f"p{n % 3}"), f"earlier {n}")
    target = h.platform.write(CHANNEL, SUBJECT, "call me on 555-867-5309, you idiot",
                              attachments=(("proof.png", "https://cdn.example/proof.png"),))
    for n in range(after):
        h.platform.write(CHANNEL, person(f"p{n % 3}"), f"later {n}")
    return target


async def kept(h: Harness, subject_id: str) -> list[Evidence]:
    async with h.storage.transaction() as tx:
        rows = await tx.find(Evidence, subject_id=subject_id)
    return sorted(rows, key=lambda r: (r.position, r.captured_at))


def removal(message: MessageRef) -> IncidentDraft:
    return IncidentDraft(subject=SUBJECT, kind=IncidentKind.REMOVAL,
                         clause_id="no-harassment", message=message,
                         excerpt="call me on 555-867-5309, you idiot")


async def test_removal_keeps_the_message_and_five_either_side_read_before_deleting(
        harness: Harness) -> None:
    target = conversation(harness)
    outcome = await harness.services.incidents.handle(STAFF, removal(target))
    # read first, then deleted: the message itself is in what was kept
    assert harness.platform.context_reads == [(target, 5, 5)]
    assert harness.platform.deleted == [target]
    rows = await kept(harness, outcome.incident.id)
    assert [r.position for r in rows] == list(range(-5, 6))
    assert [r.text for r in rows if r.position < 0] == [f"earlier {n}" for n in range(2, 7)]
    assert [r.text for r in rows if r.position > 0] == [f"later {n}" for n in range(5)]
    message = rows[5]
    assert message.kind is EvidenceKind.MESSAGE and message.message == target
    assert message.author == SUBJECT and message.subject_type == "incident"
    assert message.text == "call me on [phone removed], you idiot"   # masked
    assert message.attachments == ("proof.png <https://cdn.example/proof.png>",)
    assert all(r.kind is EvidenceKind.CONTEXT for r in rows if r.position)


async def test_window_follows_the_policy(harness: Harness) -> None:
    harness.ctx.policy = dataclasses.replace(harness.ctx.policy, evidence_before=2,
                                             evidence_after=0)
    target = conversation(harness)
    outcome = await harness.services.incidents.handle(STAFF, removal(target))
    assert [r.position for r in await kept(harness, outcome.incident.id)] == [-2, -1, 0]


async def test_a_stalled_platform_does_not_hold_up_the_removal(harness: Harness) -> None:
    harness.ctx.policy = dataclasses.replace(harness.ctx.policy,
                                             evidence_timeout=timedelta(milliseconds=20))
    harness.platform.hang_reads = True
    target = conversation(harness)
    outcome = await harness.services.incidents.handle(STAFF, removal(target))
    assert harness.platform.deleted == [target]
    rows = await kept(harness, outcome.incident.id)
    # only what the removal was given, masked
    assert [(r.kind, r.text) for r in rows] == [
        (EvidenceKind.MESSAGE, "call me on [phone removed], you idiot")]


async def test_a_report_keeps_the_message_its_author_deletes_later(harness: Harness) -> None:
    target = conversation(harness, before=2, after=1)
    report = await harness.services.reports.submit(REPORTER, ReportDraft(
        reason="threats", target=SUBJECT, message=target, message_excerpt="call me"))
    await harness.platform.delete_message(target)   # the author deletes everything
    rows = await kept(harness, report.id)
    assert [r.position for r in rows] == [-2, -1, 0, 1]
    assert rows[2].text == "call me on [phone removed], you idiot"
    assert rows[2].subject_type == "report"


async def test_an_anonymous_reporters_own_messages_carry_only_the_pseudonym(
        harness: Harness) -> None:
    harness.platform.write(CHANNEL, REPORTER, "please stop")
    target = harness.platform.write(CHANNEL, SUBJECT, "no")
    report = await harness.services.reports.submit(REPORTER, ReportDraft(
        reason="ongoing", anonymous=True, target=SUBJECT, message=target))
    rows = await kept(harness, report.id)
    assert rows[0].text == "please stop"
    assert rows[0].author is not None and is_sealed(rows[0].author)
    assert rows[0].author == sealed_person(REPORTER.platform, report.reporter_tag or "")
    assert rows[1].author == SUBJECT
    assert all(REPORTER.id not in repr(r) for r in rows)


async def test_edits_of_kept_messages_are_kept_too(harness: Harness) -> None:
    target = conversation(harness, before=1, after=1)
    report = await harness.services.reports.submit(REPORTER, ReportDraft(
        reason="threats", target=SUBJECT, message=target))
    watched = WatchedMessage(author=SUBJECT, message=target, text="sorry, at 555-867-5309",
                             sent_at=harness.clock.now(), edited=True)
    await harness.services.moderation.watch(watched)
    await harness.services.moderation.watch(watched)   # the same text again: nothing new
    other = WatchedMessage(author=SUBJECT, message=MessageRef(
        target.platform, target.space, CHANNEL, "99999"), text="unrelated",
        sent_at=harness.clock.now(), edited=True)
    await harness.services.moderation.watch(other)      # not evidence: nothing kept
    edits = [r for r in await kept(harness, report.id) if r.kind is EvidenceKind.EDIT]
    assert [(e.position, e.text, e.author) for e in edits] == [
        (0, "sorry, at [phone removed]", SUBJECT)]
    async with harness.storage.transaction() as tx:
        assert await tx.count(Evidence, message=other.message) == 0


async def test_case_show_summarises_the_evidence_for_readers(harness: Harness) -> None:
    target = conversation(harness, before=3, after=2)
    report = await harness.services.reports.submit(REPORTER, ReportDraft(
        reason="threats", target=SUBJECT, message=target))
    case = await harness.services.reports.escalate(STAFF, report.id)
    text = (await CaseFlows(harness.services).show(STAFF, case.id)).text
    assert f"report {report.id}" in text and "6 messages" in text
    assert "[phone removed]" in text and "867-5309" not in text


async def test_case_show_names_a_sealed_author_by_pseudonym(harness: Harness) -> None:
    target = harness.platform.write(CHANNEL, REPORTER, "they said it to me")
    report = await harness.services.reports.submit(REPORTER, ReportDraft(
        reason="about my thread", anonymous=True, target=SUBJECT, message=target))
    case = await harness.services.reports.escalate(STAFF, report.id)
    text = (await CaseFlows(harness.services).show(STAFF, case.id)).text
    assert pseudonym(report.reporter_tag or "") in text
    assert REPORTER.id not in text and (report.reporter_tag or "x") not in text
