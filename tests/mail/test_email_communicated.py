"""A decision, or an appeal's outcome, that goes by e-mail because the person's DMs are
closed is communicated when the mail server accepts it: the date, the channel and an audit
entry are recorded, and the case file shows them. Until then (and for good, if the e-mail
fails) it is not communicated, and staff are told what to do. While an e-mail is on its
way, nobody is asked to reach the person another way."""

from __future__ import annotations

from datetime import timedelta

import jsonschema

from bot.core.durations import parse_duration
from bot.core.flows.committee import CommitteeFlows
from bot.core.identity import PersonRef
from bot.core.models import (
    Appeal,
    AppealStatus,
    AuditEntry,
    Case,
    CommunicationChannel,
    OutboxMessage,
    OutboxStatus,
    SanctionScope,
)
from bot.core.ports import Audience, NoticeKind
from bot.core.rules.windows import appeal_deadline
from bot.core.services import AddressEntry, SuspensionRequest
from bot.core.services._context import EmailReach, Reach
from bot.mail import SmtpMailer
from tests.core.flows.test_anonymity import REPORTER, decided_anonymous_case
from tests.core.flows.test_appeals import EXECUTIVE, REASON, SUBJECT, decided_case
from tests.core.flows.test_case_file import SCHEMA
from tests.core.flows.test_decisions import case_with_motion
from tests.core.harness import STAFF, Harness
from tests.mail.smtp_server import SmtpServer

ADDRESS = f"{SUBJECT.id}@example.org"


async def mail_to(h: Harness, smtp: SmtpServer, *people: PersonRef) -> None:
    """E-mail set up as ``[email]`` would (the default notices); ``people`` (the subject
    by default) mapped to ``<id>@example.org``."""
    h.ctx.mailer = SmtpMailer(smtp.settings(), None)
    h.ctx.email = EmailReach()
    await h.services.addresses.put([AddressEntry(p, f"{p.id}@example.org")
                                    for p in people or (SUBJECT,)], "test")


async def stored(h: Harness, kind: type[Case] | type[Appeal], ref: str) -> Case | Appeal:
    async with h.storage.transaction() as tx:
        found = await tx.get(kind, ref)
    assert found is not None
    return found


async def audit_of(h: Harness, ref: str, action: str) -> list[AuditEntry]:
    async with h.storage.transaction() as tx:
        return list(await tx.find(AuditEntry, subject_id=ref, action=action))


def alarms(h: Harness) -> list[str]:
    """What staff were asked to do by hand about an undelivered notice."""
    return [t for t in h.platform.posted_to(Audience.STAFF) if "another way" in t]


async def test_an_emailed_decision_is_communicated_when_the_server_accepts_it(
        harness: Harness, smtp: SmtpServer) -> None:
    await mail_to(harness, smtp)
    smtp.recorder.mode = "later"  # the server is busy: 451, retried
    case = await decided_case(harness, communicate=False)  # DMs closed to the decision
    assert case.communicated_at is None and case.appeal_deadline is None
    assert alarms(harness) == []
    harness.clock.advance(timedelta(minutes=3))
    smtp.recorder.mode = "accept"
    await harness.outbox.kick()
    accepted_at = harness.clock.now()
    [body] = smtp.bodies()
    assert case.id in body and "/appeal" in body
    communicated = await stored(harness, Case, case.id)
    assert isinstance(communicated, Case)
    assert communicated.communicated_at == accepted_at
    assert communicated.communicated_via is CommunicationChannel.EMAIL
    assert communicated.appeal_deadline == appeal_deadline(
        accepted_at, timedelta(days=60), harness.ctx.calendar.zone)
    [entry] = await audit_of(harness, case.id, "case.communicated")
    assert entry.automated and entry.details == "via=email" and entry.at == accepted_at
    document = await harness.services.case_files.export(case.id, "test")
    jsonschema.validate(document, SCHEMA)
    assert document["case"]["communicated_via"] == "email"
    assert {"at": accepted_at.isoformat(), "event": "decision communicated",
            "ref": case.id} in document["timeline"]
    assert alarms(harness) == []  # nobody was asked to reach them by hand
    # The appeal window runs from the e-mail: the subject can appeal.
    appeal = await harness.services.appeals.file(SUBJECT, case.id, REASON)
    assert appeal.case_id == case.id


async def test_a_refused_decision_email_leaves_it_uncommunicated_and_tells_staff(
        harness: Harness, smtp: SmtpServer) -> None:
    await mail_to(harness, smtp)
    smtp.recorder.mode = "refuse"
    case = await decided_case(harness, communicate=False)  # DMs closed to the decision
    harness.clock.advance(timedelta(hours=1))
    await harness.outbox.kick()
    again = await stored(harness, Case, case.id)
    assert again.communicated_at is None and isinstance(again, Case)
    assert again.appeal_deadline is None and again.communicated_via is None
    assert await audit_of(harness, case.id, "case.communicated") == []
    [alert] = alarms(harness)
    assert f"/case communicated {case.id}" in alert and "(550)" in alert
    assert ADDRESS not in alert
    # Staff tell them in writing and record it: the channel says so.
    told = await harness.services.decisions.mark_communicated(STAFF, case.id)
    assert told.communicated_via is CommunicationChannel.STAFF


async def test_the_decide_reply_says_it_went_by_email(harness: Harness,
                                                       smtp: SmtpServer) -> None:
    await mail_to(harness, smtp)
    smtp.recorder.mode = "later"
    case, _ = await case_with_motion(harness)
    harness.platform.closed_dms.add(SUBJECT)
    outcome = await CommitteeFlows(harness.services).decide(STAFF, case.id)
    assert "sent by e-mail" in outcome.text and f"/case communicated {case.id}" in outcome.text
    assert "could not be delivered by DM" not in outcome.text
    async with harness.storage.transaction() as tx:
        [row] = [r for r in await tx.find(OutboxMessage) if r.channel == "email"]
    assert row.subject_id == case.id and row.status is OutboxStatus.PENDING


async def test_a_decision_dm_and_an_operator_email_record_the_dm_once(
        harness: Harness, smtp: SmtpServer) -> None:
    """``always``: e-mailed as well as DMed; the DM communicated it, the e-mail changes
    nothing (and no error)."""
    await mail_to(harness, smtp)
    harness.ctx.email = EmailReach(always=frozenset({NoticeKind.DECISION_DM}))
    case = await decided_case(harness)
    assert len(smtp.recorder.received) == 1
    again = await stored(harness, Case, case.id)
    assert isinstance(again, Case) and again.communicated_via is CommunicationChannel.DM
    assert len(await audit_of(harness, case.id, "case.communicated")) == 1


async def test_an_appeal_outcome_emailed_to_the_appellant_is_communicated(
        harness: Harness, smtp: SmtpServer) -> None:
    await mail_to(harness, smtp)
    case = await decided_case(harness)
    appeal = await harness.services.appeals.file(SUBJECT, case.id, REASON)
    harness.platform.closed_dms.add(SUBJECT)
    harness.clock.advance(timedelta(days=2))
    decided = await harness.services.appeals.decide(EXECUTIVE, appeal.id,
                                                    AppealStatus.UPHELD, "It stands.")
    [body] = smtp.bodies()
    assert appeal.id in body and "It stands." in body
    assert decided.status is AppealStatus.UPHELD
    found = await stored(harness, Appeal, appeal.id)
    assert isinstance(found, Appeal)
    assert found.communicated_at == harness.clock.now()
    assert found.communicated_via is CommunicationChannel.EMAIL
    [entry] = await audit_of(harness, appeal.id, "appeal.communicated")
    assert entry.details == "via=email"
    document = await harness.services.case_files.export(case.id, "test")
    jsonschema.validate(document, SCHEMA)
    assert document["appeals"][0]["communicated_via"] == "email"
    assert alarms(harness) == []


async def test_an_appeal_outcome_by_dm_is_communicated_at_once(harness: Harness) -> None:
    case = await decided_case(harness)
    appeal = await harness.services.appeals.file(SUBJECT, case.id, REASON)
    decided = await harness.services.appeals.decide(EXECUTIVE, appeal.id,
                                                    AppealStatus.UPHELD, "It stands.")
    assert decided.communicated_via is CommunicationChannel.DM
    assert decided.communicated_at == harness.clock.now()
    assert await stored(harness, Appeal, appeal.id) == decided
    assert alarms(harness) == []


async def test_an_unreachable_appellant_is_left_uncommunicated_and_staff_told(
        harness: Harness) -> None:
    case = await decided_case(harness)
    appeal = await harness.services.appeals.file(SUBJECT, case.id, REASON)
    harness.platform.closed_dms.add(SUBJECT)
    decided = await harness.services.appeals.decide(EXECUTIVE, appeal.id,
                                                    AppealStatus.UPHELD, "It stands.")
    assert decided.communicated_at is None and decided.communicated_via is None
    [alert] = alarms(harness)
    assert appeal.id in alert and case.id in alert


async def test_an_anonymous_appellant_is_emailed_without_an_outbox_row_naming_them(
        harness: Harness, smtp: SmtpServer) -> None:
    case = await decided_anonymous_case(harness)
    await mail_to(harness, smtp, REPORTER)
    appeal = await harness.services.appeals.file(REPORTER, case.id, REASON)
    harness.platform.closed_dms.add(REPORTER)
    await harness.services.appeals.decide(EXECUTIVE, appeal.id, AppealStatus.UPHELD,
                                          "It stands.")
    assert [m["To"] for m in smtp.recorder.received] == [f"{REPORTER.id}@example.org"]
    async with harness.storage.transaction() as tx:
        rows = [r for r in await tx.find(OutboxMessage) if r.channel == "email"]
    assert rows and all(REPORTER.id not in repr(r) for r in rows)
    found = await stored(harness, Appeal, appeal.id)
    assert isinstance(found, Appeal) and found.communicated_via is CommunicationChannel.EMAIL


async def test_a_suspension_emailed_to_a_closed_dm_asks_nobody_to_reach_them(
        harness: Harness, smtp: SmtpServer) -> None:
    await mail_to(harness, smtp)
    harness.platform.closed_dms.add(SUBJECT)
    sanction, reached = await harness.services.sanctions.suspend_reaching(
        STAFF, SuspensionRequest(subject=SUBJECT, duration=parse_duration("1d"),
                                 scope=SanctionScope.SPACE, reason="threats",
                                 clause_id="no-harassment"))
    assert reached is Reach.EMAIL and sanction.dm_delivered is False
    assert len(smtp.recorder.received) == 1
    [summary] = [t for t in harness.platform.posted_to(Audience.COMMITTEE) if sanction.id in t]
    assert "by e-mail" in summary and "another way" not in summary
    assert alarms(harness) == []
