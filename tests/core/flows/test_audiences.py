"""A matter never goes to a channel the person it is about reads (``services/audiences.py``).

A report about someone in the staff queue's audience goes to the committee as a case;
a case about someone in the committee's channel is discussed in a place apart; a staff
alert about such a case goes to the case's private place. Linked accounts are one
person; a lookup that fails keeps the matter away.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.identity import PersonRef
from bot.core.models import (
    AuditEntry,
    Case,
    CaseOrigin,
    Office,
    Report,
    ReportStatus,
    Severity,
)
from bot.core.ports import Audience
from bot.core.services import ReportDraft
from tests.core.flows.test_appeals import EXECUTIVE, decided_case
from tests.core.flows.test_appeals import REASON as APPEAL
from tests.core.flows.test_appeals import SUBJECT as APPELLANT_SUBJECT
from tests.core.harness import STAFF, Harness, person

REPORTER = person("reporter")
MODERATOR = person("moderator")
MEMBER = person("member")
REASON = "The moderator mocked my accent in the voice channel"


async def report(h: Harness, subject: PersonRef, *, anonymous: bool = False) -> Report:
    return await h.services.reports.submit(REPORTER, ReportDraft(
        reason=REASON, target=subject, anonymous=anonymous))


async def stored(h: Harness) -> tuple[list[Report], list[Case], list[AuditEntry]]:
    async with h.storage.transaction() as tx:
        return await tx.find(Report), await tx.find(Case), await tx.find(AuditEntry)


def staff_posts(h: Harness) -> str:
    return "\n".join(h.platform.posted_to(Audience.STAFF))


@pytest.mark.parametrize("anonymous", [False, True])
async def test_a_report_about_staff_goes_to_the_committee_never_to_the_queue(
        harness: Harness, anonymous: bool) -> None:
    await harness.seat_committee()
    harness.platform.audiences[Audience.STAFF] = {MODERATOR}
    filed = await report(harness, MODERATOR, anonymous=anonymous)
    assert harness.platform.posted_to(Audience.STAFF) == []
    (saved,), (case,), audit = await stored(harness)
    assert saved.status is ReportStatus.ESCALATED and saved.case_id == case.id
    assert case.subject == MODERATOR and case.origin is CaseOrigin.REPORT
    assert case.report_id == filed.id and case.summary == REASON
    # The reporter stays off the case, sealed when anonymous.
    if anonymous:
        assert case.reporter is None and case.reporter_tag == filed.reporter_tag
    else:
        assert case.reporter == REPORTER
    escalated = [e for e in audit if e.action == "report.escalated"]
    assert len(escalated) == 1 and escalated[0].automated and escalated[0].actor is None
    assert escalated[0].reason == "the report concerns a member of staff"
    # The committee's private thread has it, with why it came straight there.
    (_, members), = harness.platform.threads
    assert MODERATOR not in members and REPORTER not in members
    thread = "\n".join(n.text for p, n in harness.platform.posts if p == case.thread)
    assert REASON in thread and "not through the staff queue" in thread
    # The acknowledgement is the one every report gets.
    ack = harness.services.reports.acknowledgement(saved)
    assert ack.startswith(f"Thank you. Your report **{filed.id}** was received")
    assert "committee" not in ack.lower()
    # Nothing the moderator can read holds the reporter's words or name.
    seen = harness.platform.all_text_seen_by(MODERATOR) + staff_posts(harness)
    assert REASON not in seen and f"<@{REPORTER.id}>" not in seen
    if anonymous:  # nothing names the anonymous reporter: no post, no DM to another, no audit
        assert REPORTER.id not in repr(harness.platform.posts)
        assert all(REPORTER.id not in n.text for p, n in harness.platform.dms if p != REPORTER)
        assert all(e.actor != REPORTER and REPORTER.id not in (e.details or "")
                   for e in audit)


async def test_a_report_about_anyone_else_reaches_the_queue_as_before(
        harness: Harness) -> None:
    harness.platform.audiences[Audience.STAFF] = {MODERATOR}
    filed = await report(harness, MEMBER)
    (queued,) = harness.platform.posted_to(Audience.STAFF)
    assert filed.id in queued and REASON in queued and f"<@{REPORTER.id}>" in queued
    (saved,), cases, _ = await stored(harness)
    assert saved.status is ReportStatus.OPEN and cases == []


async def test_a_linked_account_on_the_staff_makes_the_person_staff(harness: Harness) -> None:
    """Staff linked ``MEMBER`` with an account in another server where it moderates."""
    await harness.seat_committee()
    elsewhere = person("member-b", space="200")
    await harness.services.people.link(STAFF, MEMBER, elsewhere)
    harness.platform.audiences[Audience.STAFF] = {elsewhere}
    await report(harness, MEMBER)
    assert harness.platform.posted_to(Audience.STAFF) == []
    (saved,), (case,), _ = await stored(harness)
    assert saved.status is ReportStatus.ESCALATED and case.subject == MEMBER


async def test_a_failed_lookup_keeps_the_report_out_of_the_queue(harness: Harness) -> None:
    await harness.seat_committee()
    harness.platform.unknowable = {MEMBER}
    await report(harness, MEMBER)
    assert harness.platform.posted_to(Audience.STAFF) == []
    (saved,), (case,), audit = await stored(harness)
    assert saved.status is ReportStatus.ESCALATED
    (escalated,) = [e for e in audit if e.action == "report.escalated"]
    assert escalated.reason is not None and "could not be checked" in escalated.reason
    # Its case is discussed apart too: whether they read the committee's channel is
    # not known either.
    assert harness.platform.separate == [f"Case {case.id}"]


async def test_the_subject_unreachable_alert_stays_out_of_the_staff_queue(
        harness: Harness) -> None:
    await harness.seat_committee()
    harness.platform.audiences[Audience.STAFF] = {MODERATOR}
    harness.platform.closed_dms = {MODERATOR}  # the statement request cannot reach them
    await report(harness, MODERATOR)
    (case,) = (await stored(harness))[1]
    assert case.subject_unreachable_at is not None
    assert harness.platform.posted_to(Audience.STAFF) == []
    thread = [n.text for p, n in harness.platform.posts if p == case.thread]
    assert any("another way" in t for t in thread), thread


async def test_a_staff_alert_about_anyone_else_still_goes_to_the_queue(
        harness: Harness) -> None:
    await harness.seat_committee()
    harness.platform.closed_dms = {MEMBER}
    case = await harness.services.cases.open_by_staff(
        STAFF, MEMBER, "Threats in #general", severity=Severity.SERIOUS)
    assert any(case.id in t for t in harness.platform.posted_to(Audience.STAFF))


async def test_a_case_about_someone_in_the_committee_channel_is_held_apart(
        harness: Harness) -> None:
    members = await harness.seat_committee()
    harness.platform.audiences[Audience.COMMITTEE] = {members[6]}
    case = await harness.services.cases.open_by_staff(
        STAFF, members[6], "Threats in the committee channel", severity=Severity.SERIOUS)
    assert harness.platform.separate == [f"Case {case.id}"]
    (_, invited), = harness.platform.threads
    assert members[6] not in invited and person("counsel") in invited


async def test_a_case_about_someone_outside_the_committee_channel_uses_its_thread(
        harness: Harness) -> None:
    await harness.seat_committee()
    await harness.services.cases.open_by_staff(
        STAFF, MEMBER, "Threats in #general", severity=Severity.SERIOUS)
    assert harness.platform.separate == []


async def test_an_appeal_on_a_case_about_an_executive_member_is_held_apart(
        harness: Harness) -> None:
    """The reporter appeals a decision about a member of the Executive: the appeal (the
    reporter's reasons) goes to a private place with the other Executive members, never
    to the Executive's channel the subject reads."""
    other = person("treasurer")
    await harness.services.roster.appoint(STAFF, other, Office.EXECUTIVE,
                                          term_start=date(2025, 7, 1))
    await harness.services.roster.appoint(STAFF, APPELLANT_SUBJECT, Office.EXECUTIVE,
                                          term_start=date(2025, 7, 1))
    harness.platform.audiences[Audience.EXECUTIVE] = {APPELLANT_SUBJECT}
    case = await decided_case(harness)
    appeal = await harness.services.appeals.file(person("reporter"), case.id, APPEAL)
    assert harness.platform.posted_to(Audience.EXECUTIVE) == []
    title, members = harness.platform.threads[-1]
    assert title == f"Appeal {appeal.id}" and harness.platform.separate[-1] == title
    assert set(members) == {EXECUTIVE.person, other}
    opened = [n.text for p, n in harness.platform.posts if not isinstance(p, Audience)]
    assert any(APPEAL in t for t in opened)
    assert APPEAL not in harness.platform.all_text_seen_by(APPELLANT_SUBJECT)


async def test_an_appeal_goes_to_the_executive_channel_as_before(harness: Harness) -> None:
    case = await decided_case(harness)
    await harness.services.appeals.file(APPELLANT_SUBJECT, case.id, APPEAL)
    (posted,) = harness.platform.posted_to(Audience.EXECUTIVE)
    assert APPEAL in posted and harness.platform.separate == []


async def test_counsel_who_is_a_party_is_not_added_to_the_case(harness: Harness) -> None:
    await harness.seat_committee()
    counsel = person("counsel")
    await harness.services.cases.open_by_staff(STAFF, counsel, "Threats in #general",
                                               severity=Severity.SERIOUS)
    (_, invited), = harness.platform.threads
    assert counsel not in invited and len(invited) == 7


async def test_a_case_reported_by_someone_in_the_committee_channel_is_held_apart(
        harness: Harness) -> None:
    """A committee member who reported (by name) must not read the deliberation on their
    own report, which a Slack thread of the committee's channel would show them."""
    members = await harness.seat_committee()
    harness.platform.audiences[Audience.COMMITTEE] = set(members)
    filed = await harness.services.reports.submit(members[2], ReportDraft(
        reason=REASON, target=MEMBER))
    case = await harness.services.reports.escalate(STAFF, filed.id)
    assert harness.platform.separate == [f"Case {case.id}"]
    (_, invited), = harness.platform.threads
    assert members[2] not in invited


@pytest.mark.parametrize("reporter_in_channel", [False, True])
async def test_every_case_from_an_anonymous_report_is_held_apart_wherever_its_reporter_sits(
        harness: Harness, reporter_in_channel: bool) -> None:
    """Whether an anonymous reporter reads the committee's channel must not show: a case
    from an anonymous report is discussed apart whether or not they are in it."""
    members = await harness.seat_committee()
    reporter = members[3] if reporter_in_channel else REPORTER
    harness.platform.audiences[Audience.COMMITTEE] = set(members)
    filed = await harness.services.reports.submit(reporter, ReportDraft(
        reason=REASON, target=MEMBER, anonymous=True))
    case = await harness.services.reports.escalate(STAFF, filed.id)
    assert harness.platform.separate == [f"Case {case.id}"]
    (_, invited), = harness.platform.threads
    assert reporter not in invited
