"""Reports: intake, confidentiality, rate limit, triage, and the next-business-day clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import InvalidInput, NotPermitted, RateLimited
from bot.core.identity import MessageRef, PlatformName
from bot.core.models import ActionKind, Actor, Report, ReportStatus, ScheduledAction
from bot.core.ports import Audience
from bot.core.services import ReportDraft
from tests.core.harness import STAFF, Harness, person

REPORTER = person("reporter")
SUBJECT = person("subject")
MSG = MessageRef(PlatformName.DISCORD, "100", "555", "777")


def draft(**kw: object) -> ReportDraft:
    values: dict[str, object] = {"reason": "They insulted me", "target": SUBJECT}
    values.update(kw)
    return ReportDraft(**values)  # type: ignore[arg-type]


async def stored_reports(h: Harness) -> list[Report]:
    async with h.storage.transaction() as tx:
        return await tx.find(Report)


async def test_report_is_queued_for_staff_and_due_next_business_day(harness: Harness) -> None:
    report = await harness.services.reports.submit(REPORTER, draft(message=MSG,
                                                                   message_excerpt="you idiot"))
    # Monday 14:00 Chicago -> due Tuesday 17:00 Chicago
    assert report.due_at == datetime(2026, 1, 6, 23, 0, tzinfo=UTC)
    queue = harness.platform.posted_to(Audience.STAFF)
    assert len(queue) == 1 and report.id in queue[0] and "you idiot" in queue[0]
    assert f"<@{REPORTER.id}>" in queue[0]
    ack = harness.services.reports.acknowledgement(report)
    assert report.id in ack and "next business day" in ack
    async with harness.storage.transaction() as tx:
        action = await tx.get(ScheduledAction, ScheduledAction.key_for(ActionKind.REPORT_DUE,
                                                                       report.id))
    assert action is not None and action.due_at == report.due_at


async def test_anonymous_report_hides_the_reporter_even_from_staff(harness: Harness) -> None:
    report = await harness.services.reports.submit(REPORTER, draft(anonymous=True))
    queue = harness.platform.posted_to(Audience.STAFF)[0]
    assert "anonymous reporter ~" in queue and f"<@{REPORTER.id}>" not in queue
    # Stored sealed only: the machine can open it, nothing stores it in plain text.
    assert report.reporter is None and report.reporter_sealed is not None
    async with harness.storage.transaction() as tx:
        assert tx.sealer.open(report.reporter_sealed) == REPORTER
        assert report.reporter_tag == tx.sealer.tag(REPORTER)
    assert harness.platform.dms_to(SUBJECT) == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"reason": "   "}, "describe what happened"),
    ({"reason": "x" * 1501}, "under 1500"),
    ({"target": None}, "who or which message"),
    ({"target": REPORTER}, "cannot report yourself"),
])
async def test_bad_reports_are_refused_and_change_nothing(
        harness: Harness, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        await harness.services.reports.submit(REPORTER, draft(**kwargs))
    assert await stored_reports(harness) == []
    assert harness.platform.posts == []


async def test_rate_limit_answers_politely_and_lets_time_heal(harness: Harness) -> None:
    for _ in range(5):
        await harness.services.reports.submit(REPORTER, draft())
        harness.clock.advance(timedelta(minutes=1))
    with pytest.raises(RateLimited, match="wait about 55 minutes") as err:
        await harness.services.reports.submit(REPORTER, draft())
    assert err.value.retry_after_seconds > 0
    assert len(await stored_reports(harness)) == 5
    await harness.services.reports.submit(person("someone-else"), draft())
    harness.clock.advance(timedelta(minutes=55) - timedelta(seconds=1))
    with pytest.raises(RateLimited, match="wait about 1 minute before"):
        await harness.services.reports.submit(REPORTER, draft())
    harness.clock.advance(timedelta(seconds=1))
    await harness.services.reports.submit(REPORTER, draft())


async def test_dismissals_and_bad_faith_are_recorded_against_the_reporter(
        harness: Harness) -> None:
    reports = harness.services.reports
    first = await reports.submit(REPORTER, draft())
    second = await reports.submit(REPORTER, draft())
    await reports.dismiss(STAFF, first.id, bad_faith=True, note="retaliation")
    await reports.dismiss(STAFF, second.id, bad_faith=False)
    assert await reports.bad_faith_count(REPORTER) == 1
    assert (await reports.get(STAFF, first.id)).status is ReportStatus.DISMISSED_BAD_FAITH


async def test_participants_cannot_triage(harness: Harness) -> None:
    report = await harness.services.reports.submit(REPORTER, draft())
    with pytest.raises(NotPermitted):
        await harness.services.reports.dismiss(Actor(SUBJECT), report.id, bad_faith=True)
    assert (await harness.services.reports.get(STAFF, report.id)).status is ReportStatus.OPEN


async def test_untriaged_report_reminds_staff_once_at_its_deadline(harness: Harness) -> None:
    report = await harness.services.reports.submit(REPORTER, draft())
    handled = await harness.services.reports.submit(person("r2"), draft())
    await harness.services.reports.triage(STAFF, handled.id)
    harness.clock.advance(timedelta(hours=26))  # before Tuesday 17:00 Chicago
    assert await harness.run_due() == 0
    harness.clock.set(report.due_at + timedelta(seconds=1))
    assert await harness.run_due() == 1
    reminders = [t for t in harness.platform.posted_to(Audience.STAFF) if "⏰" in t]
    assert len(reminders) == 1 and report.id in reminders[0]
    assert await harness.run_due() == 0


async def test_reporter_identity_never_reaches_the_subject(harness: Harness) -> None:
    """Across a report, a removal and a suspension, the subject never learns who reported."""
    from bot.core.durations import parse_duration
    from bot.core.models import IncidentKind, SanctionScope
    from bot.core.services import IncidentDraft, SuspensionRequest

    report = await harness.services.reports.submit(REPORTER, draft(message=MSG))
    await harness.services.incidents.handle(STAFF, IncidentDraft(
        subject=SUBJECT, kind=IncidentKind.REMOVAL, clause_id="no-hate", message=MSG,
        report_id=report.id))
    await harness.services.sanctions.suspend(STAFF, SuspensionRequest(
        subject=SUBJECT, duration=parse_duration("1d"), scope=SanctionScope.SPACE,
        reason="insults"))
    seen = harness.platform.all_text_seen_by(SUBJECT)
    assert seen and REPORTER.id not in seen and "reporter" not in seen.lower()


async def test_escalation_opens_a_case_the_reporter_cannot_sit_on(harness: Harness) -> None:
    from bot.core.errors import InvalidState

    members = await harness.seat_committee()
    reporter = members[2]  # a committee member reports someone
    report = await harness.services.reports.submit(reporter, draft())
    case = await harness.services.reports.escalate(STAFF, report.id)
    assert case.reporter == reporter and case.report_id == report.id
    title, added = harness.platform.threads[-1]
    assert case.id in title and reporter not in added and SUBJECT not in added
    stored = await harness.services.reports.get(STAFF, report.id)
    assert stored.status is ReportStatus.ESCALATED and stored.case_id == case.id
    with pytest.raises(InvalidState, match="already handled"):
        await harness.services.reports.escalate(STAFF, report.id)


async def test_a_report_about_no_person_cannot_be_escalated(harness: Harness) -> None:
    report = await harness.services.reports.submit(REPORTER, draft(target=None, message=MSG))
    with pytest.raises(InvalidInput, match="names no person"):
        await harness.services.reports.escalate(STAFF, report.id)
    assert (await harness.services.reports.get(STAFF, report.id)).status is ReportStatus.OPEN
