"""Abuse of reporting is a violation by itself: an incident at the threshold, named or not.

On main three bad-faith dismissals left only a count (and a DM at two); nothing counted
toward escalation. An anonymous reporter must come out of it still anonymous to everyone.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.identity import is_sealed, pseudonym
from bot.core.models import AuditEntry, Case, CaseOrigin, Incident, IncidentKind, Report
from bot.core.ports import Audience
from bot.core.services import IncidentDraft, ReportDraft
from tests.core.harness import STAFF, Harness, person

REPORTER = person("4242424242")  # distinctive, so a leak anywhere is found
SUBJECT = person("subject")


async def dismiss(h: Harness, *, anonymous: bool, times: int = 1) -> list[Report]:
    made = []
    for _ in range(times):
        h.clock.advance(timedelta(hours=1))  # under the rate limit for reports
        report = await h.services.reports.submit(REPORTER, ReportDraft(
            "They insulted me", anonymous=anonymous, target=SUBJECT))
        made.append(await h.services.reports.dismiss(STAFF, report.id, bad_faith=True))
    return made


async def abuse_incidents(h: Harness) -> list[Incident]:
    async with h.storage.transaction() as tx:
        return await tx.find(Incident, clause_id="abuse-of-reporting")


def seen_by_people(h: Harness, posts_from: int = 0) -> str:
    """Every post to staff, committee or a channel, and every DM except the reporter's."""
    posts = [n.text for _, n in h.platform.posts[posts_from:]]
    dms = [n.text for p, n in h.platform.dms if p != REPORTER]
    return "\n".join([*posts, *dms])


async def test_named_reporter_gets_an_incident_at_the_third_dismissal(harness: Harness) -> None:
    await dismiss(harness, anonymous=False, times=2)
    assert await abuse_incidents(harness) == [] and harness.platform.dms_to(REPORTER) == []
    await dismiss(harness, anonymous=False)
    [incident] = await abuse_incidents(harness)
    assert incident.subject == REPORTER and incident.kind is IncidentKind.WARNING
    assert incident.actor == STAFF.person and incident.dm_delivered is True
    assert incident.note == "3 reports dismissed in bad faith within 180 days"
    [dm] = harness.platform.dms_to(REPORTER)
    assert "3 of your reports" in dm and "abuse the reporting process" in dm
    [summary] = harness.platform.posted_to(Audience.COMMITTEE)
    assert f"Incident {incident.id}" in summary and "<@4242424242>" in summary
    assert "abuse-of-reporting" in summary
    history = await harness.services.people.history(STAFF, REPORTER)
    assert [i.id for i in history.incidents] == [incident.id]


async def test_each_incident_answers_its_own_run_of_dismissals(harness: Harness) -> None:
    await dismiss(harness, anonymous=False, times=3)
    await dismiss(harness, anonymous=False, times=2)
    assert len(await abuse_incidents(harness)) == 1
    await dismiss(harness, anonymous=False)
    assert len(await abuse_incidents(harness)) == 2


async def test_dismissals_older_than_the_window_do_not_count(harness: Harness) -> None:
    await dismiss(harness, anonymous=False, times=2)
    harness.clock.advance(timedelta(days=181))
    await dismiss(harness, anonymous=False)
    assert await abuse_incidents(harness) == []
    await dismiss(harness, anonymous=False, times=2)
    assert len(await abuse_incidents(harness)) == 1


async def test_anonymous_reporter_is_held_to_account_under_a_pseudonym(
        harness: Harness) -> None:
    reports = await dismiss(harness, anonymous=True, times=3)
    [incident] = await abuse_incidents(harness)
    assert is_sealed(incident.subject) and incident.subject.id == reports[0].reporter_tag
    assert incident.dm_delivered is True
    [dm] = harness.platform.dms_to(REPORTER)  # the machine unsealed them to explain
    assert "3 of your reports" in dm
    name = pseudonym(reports[0].reporter_tag or "")
    [summary] = harness.platform.posted_to(Audience.COMMITTEE)
    assert f"anonymous reporter {name}" in summary
    assert "4242424242" not in seen_by_people(harness)
    # No staff command shows it against the person, nor does the audit log name them.
    history = await harness.services.people.history(STAFF, REPORTER)
    assert history.incidents == [] and history.bad_faith_reports == 0
    async with harness.storage.transaction() as tx:
        entries = await tx.find(AuditEntry)
    assert not any("4242424242" in f"{e.actor} {e.reason} {e.details}" for e in entries)


async def test_named_and_anonymous_dismissals_are_counted_apart(harness: Harness) -> None:
    await dismiss(harness, anonymous=True, times=2)
    await dismiss(harness, anonymous=False, times=2)
    assert await abuse_incidents(harness) == []
    assert harness.platform.dms_to(REPORTER) == []


async def test_a_sealed_incident_counts_toward_escalation_and_the_case_names_no_one(
        harness: Harness) -> None:
    """Two named incidents, then abuse of reporting under a pseudonym: the machine counts
    three and opens a case against the pseudonym; nobody learns who it is."""
    await harness.seat_committee()
    for _ in range(2):
        await harness.services.incidents.handle(STAFF, IncidentDraft(
            REPORTER, IncidentKind.WARNING, "no-harassment", note="heated"))
    async with harness.storage.transaction() as tx:
        assert await tx.count(Case) == 0
    named_posts = len(harness.platform.posts)  # the named incidents' summaries name them
    reports = await dismiss(harness, anonymous=True, times=3)
    async with harness.storage.transaction() as tx:
        [case] = await tx.find(Case)
    assert case.origin is CaseOrigin.ESCALATION and is_sealed(case.subject)
    assert case.subject.id == reports[0].reporter_tag
    assert f"anonymous reporter {pseudonym(case.subject.id)}" in case.summary
    thread = harness.platform.posted_to(Audience.COMMITTEE)
    assert any(f"anonymous reporter {pseudonym(case.subject.id)}" in t for t in thread)
    assert "4242424242" not in seen_by_people(harness, named_posts)
    history = await harness.services.people.history(STAFF, REPORTER)
    assert history.cases == [] and len(history.incidents) == 2


async def test_a_named_count_leaves_sealed_incidents_out(harness: Harness) -> None:
    """Otherwise the case's count would tell the committee they report anonymously."""
    await dismiss(harness, anonymous=True, times=3)
    for _ in range(2):
        await harness.services.incidents.handle(STAFF, IncidentDraft(
            REPORTER, IncidentKind.WARNING, "no-harassment", note="heated"))
    async with harness.storage.transaction() as tx:
        assert await tx.count(Case) == 0


async def test_a_committee_member_held_to_account_anonymously_is_off_the_panel(
        harness: Harness) -> None:
    """The one conflict rule holds for a sealed subject: compared by tag, never shown."""
    members = await harness.seat_committee()
    member = members[0]
    for _ in range(2):
        await harness.services.incidents.handle(STAFF, IncidentDraft(
            member, IncidentKind.WARNING, "no-harassment", note="heated", confirmed=True))
    for _ in range(3):
        harness.clock.advance(timedelta(hours=1))
        report = await harness.services.reports.submit(member, ReportDraft(
            "They insulted me", anonymous=True, target=SUBJECT))
        await harness.services.reports.dismiss(STAFF, report.id, bad_faith=True)
    async with harness.storage.transaction() as tx:
        [case] = await tx.find(Case)
    assert is_sealed(case.subject)
    [(_, invited)] = harness.platform.threads
    assert member not in invited and len(invited) >= 6
