"""Sealed anonymity: what an anonymous reporter leaves behind, attacked from every side.

Each "leak" test below failed on main before sealing: the audit log named the reporter,
``/history`` counted their bad-faith dismissal, the case thread counted and listed the
members taking part, and the Executive Committee was told who appealed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.errors import RateLimited
from bot.core.identity import PersonRef
from bot.core.models import (
    Actor,
    Appeal,
    AppealStatus,
    AuditEntry,
    Case,
    Office,
    Report,
    ReportStatus,
    VoteChoice,
)
from bot.core.policy import Policy
from bot.core.ports import Audience, NoticeKind, Storage
from bot.core.services import ReportDraft
from bot.core.services._committee import pseudonym, reporter_matches
from tests.core.harness import STAFF, Harness, build_harness, committee_actor, person

REPORTER = person("4242424242")  # distinctive, so a leak anywhere is found
SUBJECT = person("subject")
EXECUTIVE = Actor(person("president"))
APPEAL_REASON = "The committee's decision was too lenient given what happened."


def anonymous(**kw: object) -> ReportDraft:
    values: dict[str, object] = {"reason": "They insulted me", "target": SUBJECT,
                                 "anonymous": True}
    values.update(kw)
    return ReportDraft(**values)  # type: ignore[arg-type]


async def audit_of(h: Harness, subject_id: str) -> list[AuditEntry]:
    async with h.storage.transaction() as tx:
        return await tx.find(AuditEntry, subject_id=subject_id)


async def stored(h: Harness, report: Report) -> Report:
    async with h.storage.transaction() as tx:
        found = await tx.get(Report, report.id)
    assert found is not None
    return found


# The four leaks found on main --------------------------------------------------------


async def test_audit_log_never_names_the_anonymous_reporter(harness: Harness) -> None:
    report = await harness.services.reports.submit(REPORTER, anonymous())
    [filed] = await audit_of(harness, report.id)
    assert filed.action == "report.filed"
    # By a person (not the bot), who is not named.
    assert filed.actor is None and filed.automated is False
    named = await harness.services.reports.submit(REPORTER, anonymous(anonymous=False))
    [named_entry] = await audit_of(harness, named.id)
    assert named_entry.actor == REPORTER


async def test_history_does_not_count_anonymous_bad_faith(harness: Harness) -> None:
    report = await harness.services.reports.submit(REPORTER, anonymous())
    await harness.services.reports.dismiss(STAFF, report.id, bad_faith=True)
    history = await harness.services.people.history(STAFF, REPORTER)
    assert history.bad_faith_reports == 0
    named = await harness.services.reports.submit(REPORTER, anonymous(anonymous=False))
    await harness.services.reports.dismiss(STAFF, named.id, bad_faith=True)
    assert (await harness.services.people.history(STAFF, REPORTER)).bad_faith_reports == 1


async def test_member_who_reported_anonymously_is_not_singled_out(harness: Harness) -> None:
    members = await harness.seat_committee()
    reporter = members[2]
    report = await harness.services.reports.submit(reporter, anonymous())
    case = await harness.services.reports.escalate(STAFF, report.id)
    [(_, added)] = harness.platform.threads
    assert reporter not in added and len(added) == 7  # six members and counsel
    [(_, opened)] = [(p, n) for p, n in harness.platform.posts
                     if n.kind is NoticeKind.CASE_OPENED]
    after_summary = opened.text.split("They insulted me")[1]
    assert "6" not in after_summary and "Eligible" not in opened.text
    assert f"<@{reporter.id}>" not in opened.text
    # The case carries the sealed reporter only, and still keeps them off the case.
    assert case.reporter is None and case.reporter_sealed and case.reporter_tag
    async with harness.storage.transaction() as tx:
        assert await reporter_matches(tx, case, reporter)
        assert not await reporter_matches(tx, case, members[0])
    motion = await harness.services.cases.propose(committee_actor(members[0]), case.id,
                                                  "Suspend for 30 days")
    outcome = await harness.services.cases.vote(reporter, motion.id, VoteChoice.YES)
    # Refused, with the reason told to the voter alone (it says they reported the case).
    assert not outcome.counted and "You reported this case" in outcome.reason


async def decided_anonymous_case(h: Harness) -> Case:
    members = await h.seat_committee()
    await h.services.roster.appoint(STAFF, EXECUTIVE.person, Office.EXECUTIVE,
                                    term_start=date(2025, 7, 1))
    report = await h.services.reports.submit(REPORTER, anonymous())
    case = await h.services.reports.escalate(STAFF, report.id)
    await h.hear(case.id)
    motion = await h.services.cases.propose(committee_actor(members[0]), case.id,
                                            "A written warning")
    for member in members[:4]:
        await h.services.cases.vote(member, motion.id, VoteChoice.YES)
    decided, _ = await h.services.decisions.decide(STAFF, case.id)
    return decided


async def test_appeal_by_the_anonymous_reporter_does_not_name_them(harness: Harness) -> None:
    case = await decided_anonymous_case(harness)
    appeal = await harness.services.appeals.file(REPORTER, case.id, APPEAL_REASON)
    [executive] = harness.platform.posted_to(Audience.EXECUTIVE)
    assert "the reporter (anonymous)" in executive and REPORTER.id not in executive
    assert appeal.appellant is None and appeal.appellant_sealed and appeal.appellant_tag
    [filed] = [e for e in await audit_of(harness, appeal.id) if e.action == "appeal.filed"]
    assert filed.actor is None and not filed.automated
    # A second appeal by the same (sealed) person is still recognised as theirs.
    with pytest.raises(Exception, match="already with the Executive"):
        await harness.services.appeals.file(REPORTER, case.id, APPEAL_REASON)
    # The decision still reaches them: the machine opens the seal to address the DM.
    await harness.services.appeals.decide(EXECUTIVE, appeal.id, AppealStatus.UPHELD,
                                          "The decision stands.")
    assert any(appeal.id in text for text in harness.platform.dms_to(REPORTER))
    history = await harness.services.people.history(STAFF, REPORTER)
    assert history.appeals == []


# Pseudonym, threshold, rate limit ----------------------------------------------------


async def test_bad_faith_counts_against_a_pseudonym_staff_can_see(harness: Harness) -> None:
    other = person("someone-else")
    first = await harness.services.reports.submit(REPORTER, anonymous())
    assert first.reporter_tag is not None
    name = pseudonym(first.reporter_tag)
    done = await harness.services.reports.dismiss(STAFF, first.id, bad_faith=True)
    confirmation = await harness.services.reports.bad_faith_record(done)
    assert f"Anonymous reporter {name}: 1 dismissed in bad faith" in confirmation
    second = await harness.services.reports.submit(REPORTER, anonymous())
    queue = harness.platform.posted_to(Audience.STAFF)[-1]
    assert f"{name}: 1 dismissed in bad faith" in queue and second.id in queue
    done = await harness.services.reports.dismiss(STAFF, second.id, bad_faith=True)
    assert f"{name}: 2 dismissed" in await harness.services.reports.bad_faith_record(done)
    # Another anonymous reporter has their own pseudonym and a clean record.
    theirs = await harness.services.reports.submit(other, anonymous())
    assert theirs.reporter_tag is not None and pseudonym(theirs.reporter_tag) != name
    assert "dismissed in bad faith" not in harness.platform.posted_to(Audience.STAFF)[-1]
    plain = await harness.services.reports.dismiss(STAFF, theirs.id, bad_faith=False)
    assert await harness.services.reports.bad_faith_record(plain) == ""
    for text in harness.platform.posted_to(Audience.STAFF):
        assert REPORTER.id not in text


async def test_the_bot_warns_the_reporter_privately_at_the_threshold(
        harness: Harness) -> None:
    assert harness.ctx.policy.bad_faith_warning_threshold == 3
    for _ in range(2):
        report = await harness.services.reports.submit(REPORTER, anonymous())
        await harness.services.reports.dismiss(STAFF, report.id, bad_faith=True)
    assert harness.platform.dms_to(REPORTER) == []
    # A named report is counted apart (counting it together would tie the name to the
    # pseudonym); the third anonymous one reaches the threshold.
    named = await harness.services.reports.submit(REPORTER, anonymous(anonymous=False))
    await harness.services.reports.dismiss(STAFF, named.id, bad_faith=True)
    assert harness.platform.dms_to(REPORTER) == []
    third = await harness.services.reports.submit(REPORTER, anonymous())
    await harness.services.reports.dismiss(STAFF, third.id, bad_faith=True)
    [warning] = harness.platform.dms_to(REPORTER)
    assert "3 of your reports" in warning
    assert "abuse the reporting process" in warning
    # Staff were told nothing about who got it.
    assert not any("abuse" in text for text in harness.platform.posted_to(Audience.STAFF))


async def test_rate_limit_still_applies_to_anonymous_reporters(harness: Harness) -> None:
    for n in range(5):
        await harness.services.reports.submit(REPORTER, anonymous(anonymous=n % 2 == 0))
    with pytest.raises(RateLimited):
        await harness.services.reports.submit(REPORTER, anonymous())
    with pytest.raises(RateLimited):
        await harness.services.reports.submit(REPORTER, anonymous(anonymous=False))
    # Someone else is not limited by it.
    await harness.services.reports.submit(person("another"), anonymous())
    harness.clock.advance(timedelta(hours=1, minutes=1))
    await harness.services.reports.submit(REPORTER, anonymous())


async def test_linked_accounts_match_a_sealed_reporter(harness: Harness) -> None:
    slack = PersonRef.parse("slack:T1:U4242")
    await harness.services.people.link(STAFF, REPORTER, slack)
    report = await harness.services.reports.submit(slack, anonymous())
    case = await harness.services.reports.escalate(STAFF, report.id)
    async with harness.storage.transaction() as tx:
        assert await reporter_matches(tx, case, REPORTER)
        assert not await reporter_matches(tx, case, SUBJECT)


async def test_a_bad_report_from_an_anonymous_reporter_stores_nothing(
        harness: Harness) -> None:
    with pytest.raises(Exception, match="describe what happened"):
        await harness.services.reports.submit(REPORTER, anonymous(reason=" "))
    async with harness.storage.transaction() as tx:
        assert await tx.find(Report) == []
        assert await tx.find(AuditEntry, subject_type="report") == []


async def test_threshold_follows_the_policy(clock: FakeClock, storage: Storage) -> None:
    h = await build_harness(clock, storage, Policy(bad_faith_warning_threshold=1))
    report = await h.services.reports.submit(REPORTER, anonymous())
    await h.services.reports.dismiss(STAFF, report.id, bad_faith=True)
    assert len(h.platform.dms_to(REPORTER)) == 1
    assert (await stored(h, report)).status is ReportStatus.DISMISSED_BAD_FAITH


async def test_stored_reports_hold_no_plain_reporter(harness: Harness) -> None:
    report = await harness.services.reports.submit(REPORTER, anonymous())
    found = await stored(harness, report)
    assert found.reporter is None and REPORTER.key not in repr(replace(found, reason=""))
    async with harness.storage.transaction() as tx:
        assert await tx.find(Appeal) == []
