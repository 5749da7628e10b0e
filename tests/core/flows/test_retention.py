"""Retention: message text and evidence go after the configured periods, on the
scheduler's daily sweep (fake clock); what happened stays; a dry run only lists."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.core.models import (
    ActionKind,
    AuditEntry,
    Case,
    Evidence,
    Incident,
    IncidentKind,
    Report,
    ReportStatus,
)
from bot.core.policy import Retention
from bot.core.services import IncidentDraft, ReportDraft
from bot.core.services.retention import PURGED
from tests.core.flows.test_case_file import decided_case
from tests.core.harness import STAFF, Harness, person

SUBJECT = person("subject")


async def _evidence(h: Harness, subject_id: str) -> int:
    async with h.storage.transaction() as tx:
        return await tx.count(Evidence, subject_id=subject_id)


async def _dismissed(h: Harness) -> Report:
    said = h.platform.write("555", SUBJECT, "a message about 555-867-5309")
    report = await h.services.reports.submit(person("r1"), ReportDraft(
        reason="I think this is rude", target=SUBJECT, message=said,
        message_excerpt="a message"))
    return await h.services.reports.dismiss(STAFF, report.id, bad_faith=False)


async def test_a_dismissed_reports_words_go_after_90_days_on_the_daily_sweep(
        harness: Harness) -> None:
    report = await _dismissed(harness)
    assert await _evidence(harness, report.id) == 1
    [sweep] = await harness.jobs.ensure_retention_sweep()
    assert sweep.kind is ActionKind.RETENTION_SWEEP
    harness.clock.advance(timedelta(days=89))
    assert await harness.run_due() == 1          # swept: too early, nothing goes
    async with harness.storage.transaction() as tx:
        kept = await tx.get(Report, report.id)
    assert kept is not None and kept.reason == "I think this is rude"
    harness.clock.advance(timedelta(days=1, hours=1))
    assert await harness.run_due() == 1          # the next day's sweep purges
    async with harness.storage.transaction() as tx:
        purged = await tx.get(Report, report.id)
        entries = await tx.find(AuditEntry, action="retention.purged")
    assert purged is not None and purged.reason == PURGED
    assert purged.message_excerpt is None and purged.status is ReportStatus.DISMISSED
    assert await _evidence(harness, report.id) == 0
    assert len(entries) == 1 and "1 records" in (entries[0].details or "")


async def test_a_final_cases_messages_go_a_year_after_and_the_case_stays(
        harness: Harness) -> None:
    case, _ = await decided_case(harness)
    assert case.final_at is not None and case.report_id is not None
    assert await _evidence(harness, case.report_id) == 2
    harness.clock.set(case.final_at + timedelta(days=364))
    assert await harness.services.retention.sweep() == []
    harness.clock.set(case.final_at + timedelta(days=366))
    [purge] = await harness.services.retention.sweep()
    assert (purge.subject_type, purge.subject_id, purge.rule) == (
        "report", case.report_id, "case final")
    assert await _evidence(harness, case.report_id) == 0
    async with harness.storage.transaction() as tx:
        still = await tx.get(Case, case.id)
        report = await tx.get(Report, case.report_id)
    assert still == case                          # the case and its decision are untouched
    assert report is not None and report.reason == "threats & <insults>"
    assert await harness.services.retention.sweep() == []   # nothing left to purge


async def test_incidents_outside_a_case_and_a_dry_run(harness: Harness) -> None:
    harness.ctx.policy = dataclasses.replace(
        harness.ctx.policy, retention=Retention(closed_matter=timedelta(days=30)))
    said = harness.platform.write("555", SUBJECT, "buy my stuff")
    outcome = await harness.services.incidents.handle(STAFF, IncidentDraft(
        subject=SUBJECT, kind=IncidentKind.REMOVAL, clause_id="no-restricted-content",
        message=said, excerpt="buy my stuff"))
    harness.clock.advance(timedelta(days=31))
    [planned] = await harness.services.retention.sweep(dry_run=True)
    assert planned.subject_id == outcome.incident.id and planned.evidence == 1
    assert "excerpt" in planned.describe()
    assert await _evidence(harness, outcome.incident.id) == 1   # a dry run changes nothing
    await harness.services.retention.sweep()
    async with harness.storage.transaction() as tx:
        incident = await tx.get(Incident, outcome.incident.id)
    assert incident is not None and incident.excerpt is None
    assert incident.clause_id == "no-restricted-content"
    assert await _evidence(harness, outcome.incident.id) == 0
