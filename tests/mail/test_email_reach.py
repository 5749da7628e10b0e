"""E-mail reach: a written notice whose DM is refused reaches a local SMTP server with the
clause-citing text; a refusing or silent server is retried and then reported to staff,
nothing is sent twice; without an address staff are told as before."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.identity import PlatformName, sealed_person
from bot.core.models import Actor, IncidentKind, OutboxMessage, OutboxStatus, Role
from bot.core.ports import Audience, Notice, NoticeKind
from bot.core.services import AddressEntry, IncidentDraft, ReportDraft, outbox_worker
from bot.core.services import _context as context_module
from bot.core.services._context import EmailReach
from bot.mail import SmtpMailer
from tests.core.harness import Harness, person
from tests.mail.smtp_server import SmtpServer

SUBJECT = person("731900417")
ADDRESS = "subject@example.org"
CLAUSE = "no-harassment"
STAFF = Actor(person("550011223"), frozenset({Role.STAFF}))  # distinctive, to be looked for


async def reach(h: Harness, smtp: SmtpServer, *, wait: float = 5.0,
                address: bool = True) -> None:
    """E-mail set up as ``[email]`` would (the default notices), the subject mapped."""
    h.ctx.mailer = SmtpMailer(smtp.settings(wait), None)
    h.ctx.email = EmailReach()
    if address:
        await h.services.addresses.put([AddressEntry(SUBJECT, ADDRESS)], "test")


def removal(h: Harness) -> IncidentDraft:
    message = h.platform.write("555", SUBJECT, "you are all idiots")
    return IncidentDraft(subject=SUBJECT, kind=IncidentKind.REMOVAL, clause_id=CLAUSE,
                         message=message, excerpt="you are all idiots")


async def email_rows(h: Harness) -> list[OutboxMessage]:
    async with h.storage.transaction() as tx:
        return [r for r in await tx.find(OutboxMessage) if r.channel == "email"]


async def test_a_removal_whose_dm_is_refused_is_emailed_with_the_clause(
        harness: Harness, smtp: SmtpServer) -> None:
    await reach(harness, smtp)
    harness.platform.closed_dms.add(SUBJECT)
    outcome = await harness.services.incidents.handle(STAFF, removal(harness))
    [mail] = smtp.recorder.received
    [body] = smtp.bodies()
    clause = harness.ctx.code.clause(CLAUSE)
    assert mail["To"] == ADDRESS and mail["From"] == "conduct@example.org"
    assert mail["Subject"] == "About your message that was removed"
    assert clause.title in body and "you are all idiots" in body  # the clause, the words
    assert STAFF.person.id not in body and STAFF.person.id not in str(mail)  # nobody else
    assert mail["Message-ID"].startswith("<") and "example.org>" in mail["Message-ID"]
    # the DM itself failed (the incident says so), but the e-mail is on its way: staff
    # are not asked to reach the person another way, and the committee reads how it went
    assert outcome.incident.dm_delivered is False and outcome.emailed
    assert not [t for t in harness.platform.posted_to(Audience.STAFF)
                if "could not be delivered" in t or "another way" in t]
    assert any("by e-mail (their DMs are closed" in text
               for text in harness.platform.posted_to(Audience.COMMITTEE))
    [row] = await email_rows(harness)
    assert row.status is OutboxStatus.SENT and row.text == "" and ADDRESS not in repr(row)


async def test_an_automated_removal_queued_for_a_closed_dm_is_emailed(
        harness: Harness, smtp: SmtpServer) -> None:
    await reach(harness, smtp)
    harness.platform.closed_dms.add(SUBJECT)
    outcome = await harness.services.incidents.handle(None, removal(harness))
    [body] = smtp.bodies()
    assert harness.ctx.code.clause(CLAUSE).title in body
    assert not [t for t in harness.platform.posted_to(Audience.STAFF) if "another way" in t]
    async with harness.storage.transaction() as tx:  # the incident still records the DM
        incident = await tx.get(type(outcome.incident), outcome.incident.id)
    assert incident is not None and incident.dm_delivered is False


async def test_open_dms_are_not_emailed_unless_the_operator_asks(
        harness: Harness, smtp: SmtpServer) -> None:
    await reach(harness, smtp)
    await harness.services.incidents.handle(STAFF, removal(harness))
    assert harness.platform.dms_to(SUBJECT) and smtp.recorder.received == []
    harness.ctx.email = EmailReach(always=frozenset({NoticeKind.REMOVAL_DM}))
    await harness.services.incidents.handle(STAFF, removal(harness))
    assert len(harness.platform.dms_to(SUBJECT)) == 2 and len(smtp.recorder.received) == 1


async def test_no_address_means_no_email_and_staff_told_as_before(
        harness: Harness, smtp: SmtpServer) -> None:
    await reach(harness, smtp, address=False)
    harness.platform.closed_dms.add(SUBJECT)
    await harness.services.incidents.handle(STAFF, removal(harness))
    assert smtp.recorder.attempts == 0 and await email_rows(harness) == []
    assert any("could not be delivered" in text
               for text in harness.platform.posted_to(Audience.STAFF))


async def test_a_550_fails_at_once_and_staff_are_told(
        harness: Harness, smtp: SmtpServer) -> None:
    await reach(harness, smtp)
    smtp.recorder.mode = "refuse"
    harness.platform.closed_dms.add(SUBJECT)
    await harness.services.incidents.handle(STAFF, removal(harness))
    [row] = await email_rows(harness)
    assert row.status is OutboxStatus.FAILED and row.attempts == 1
    assert row.last_error == "the mail server refused the message (550)"
    [alert] = [t for t in harness.platform.posted_to(Audience.STAFF) if "e-mail" in t]
    assert "(550)" in alert and ADDRESS not in alert and "nobody@" not in alert
    harness.clock.advance(timedelta(hours=1))
    await harness.outbox.kick()
    assert smtp.recorder.attempts == 1 and smtp.recorder.received == []  # not retried


async def test_a_busy_server_is_retried_and_the_email_sent_once(
        harness: Harness, smtp: SmtpServer) -> None:
    await reach(harness, smtp)
    smtp.recorder.mode = "later"
    harness.platform.closed_dms.add(SUBJECT)
    await harness.services.incidents.handle(STAFF, removal(harness))
    [row] = await email_rows(harness)
    assert row.status is OutboxStatus.PENDING and row.attempts == 1
    assert row.last_error == "the mail server refused the message for now (451)"
    await harness.outbox.kick()  # not due yet: the backoff holds it
    assert smtp.recorder.attempts == 1
    smtp.recorder.mode = "accept"
    harness.clock.advance(timedelta(seconds=2))
    await harness.outbox.kick()
    harness.clock.advance(timedelta(hours=1))
    await harness.outbox.kick()
    assert len(smtp.recorder.received) == 1 and smtp.recorder.attempts == 2
    assert not [t for t in harness.platform.posted_to(Audience.STAFF) if "e-mail" in t]


async def test_a_silent_server_times_out_is_retried_then_staff_are_told(
        harness: Harness, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_worker, "EMAIL_ATTEMPTS", 3)
    await reach(harness, smtp, wait=0.3)
    smtp.recorder.mode = "hang"
    harness.platform.closed_dms.add(SUBJECT)
    await harness.services.incidents.handle(STAFF, removal(harness))
    for _ in range(3):
        harness.clock.advance(timedelta(minutes=5))
        await harness.outbox.kick()
    [row] = await email_rows(harness)
    assert row.status is OutboxStatus.FAILED and row.attempts == 3
    assert "did not answer in time" in (row.last_error or "")
    alerts = [t for t in harness.platform.posted_to(Audience.STAFF) if "e-mail" in t]
    assert len(alerts) == 1 and "did not answer in time" in alerts[0]
    assert smtp.recorder.attempts == 3 and smtp.recorder.received == []


async def test_a_sealed_recipient_is_emailed_without_the_row_holding_their_account(
        harness: Harness, smtp: SmtpServer) -> None:
    await reach(harness, smtp)
    report = await harness.services.reports.submit(SUBJECT, ReportDraft(
        "they insulted me", anonymous=True, target=person("other")))
    assert report.reporter_tag is not None
    sealed = sealed_person(PlatformName.DISCORD, report.reporter_tag)
    harness.platform.closed_dms.add(SUBJECT)
    notice = Notice(NoticeKind.DECISION_DM, "The committee decided.", subject_id="C-1")
    assert await context_module.try_dm(harness.ctx, sealed, notice) is False
    [body] = smtp.bodies()
    assert body.strip() == "The committee decided."
    [row] = await email_rows(harness)
    assert row.recipient == sealed and SUBJECT.id not in repr(row)


def test_the_message_is_plain_text_with_the_row_id() -> None:
    from bot.core.ports import Email
    from config.email import EmailSettings

    mailer = SmtpMailer(EmailSettings("127.0.0.1", 25, "none", "conduct@example.org"), None)
    message = mailer.message(Email("a@example.org", "Subject", "Body text", "abc123"))
    assert message.get_content_type() == "text/plain"
    assert message["Message-ID"] == "<abc123@example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
