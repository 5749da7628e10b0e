"""One fully populated and one minimal instance of every stored entity type.

"Full" sets every optional field, uses aware datetimes with microseconds in zones other
than UTC, and exercises every kind of value the codec stores (enums, references, bools,
ints, dates). "Minimal" leaves every optional field ``None``. ``test_contract`` checks
both properties, so a field added to a model without a sample here fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.identity import MessageRef, PersonRef, PlaceRef, PlatformName
from bot.core.models import (
    Acceptance,
    AcceptancePrompt,
    ActionKind,
    ActionStatus,
    Appeal,
    AppealStatus,
    Appointment,
    AuditEntry,
    Case,
    CaseContact,
    CaseOrigin,
    CaseStatus,
    CodeVersion,
    CommunicationChannel,
    ContactStatus,
    EmailAddress,
    Evidence,
    EvidenceKind,
    Incident,
    IncidentKind,
    Motion,
    MotionStatus,
    Office,
    OutboxMessage,
    OutboxStatus,
    PersonLink,
    PlatformState,
    RaidWave,
    Recusal,
    RelayDirection,
    RelayMessage,
    Report,
    ReportStatus,
    RequestClaim,
    Sanction,
    SanctionScope,
    SanctionStatus,
    ScheduledAction,
    SealKey,
    Severity,
    Vote,
    VoteChoice,
)

CHICAGO = ZoneInfo("America/Chicago")
KATHMANDU = timezone(timedelta(hours=5, minutes=45))
TOKYO = timezone(timedelta(hours=9))


def t(minute: int, tz: Any = CHICAGO) -> datetime:
    """An aware datetime with microseconds, in a zone other than UTC by default."""
    return datetime(2026, 3, 14, 9, minute, 26, 535897, tzinfo=tz)


ALICE = PersonRef(PlatformName.DISCORD, "guild-1", "1001")
BOB = PersonRef(PlatformName.SLACK, "T0123", "U0456")
CAROL = PersonRef(PlatformName.DISCORD, "guild-1", "1003")
CHANNEL = PlaceRef(PlatformName.DISCORD, "guild-1", "2001")
THREAD = PlaceRef(PlatformName.SLACK, "T0123", "C0789")
MESSAGE = MessageRef(PlatformName.SLACK, "T0123", "C0789", "1700000000.000100")
QUEUE_MESSAGE = MessageRef(PlatformName.DISCORD, "guild-1", "2002", "3001")
SEALED = "gAAAAABn-sealed-box=="  # the codec stores it as text; its content is opaque
TAG = "ab" * 32
TRICKY = "it's \"quoted\"; DROP TABLE reports; -- ünïcødé ✓ 日本語 🙂\nsecond line\t\\"


def _report(full: bool) -> Report:
    if not full:
        return Report("r-min", None, True, "spam", t(0), t(1, TOKYO))
    return Report(
        "r-full", ALICE, True, TRICKY, t(0), t(1, TOKYO), ReportStatus.ESCALATED,
        target=BOB, message=MESSAGE, message_excerpt="excerpt 'x'",
        message_link="https://discord.com/channels/1/2/3", channel=CHANNEL, handled_by=CAROL,
        handled_at=t(2, KATHMANDU), resolution_note="resolved", case_id="c-full",
        queue_message=QUEUE_MESSAGE, reminded_at=t(3), reporter_sealed=SEALED,
        reporter_tag=TAG)


def _incident(full: bool) -> Incident:
    if not full:
        return Incident("i-min", BOB, IncidentKind.WARNING, "3.1", Severity.MINOR, t(0),
                        automated=False)
    return Incident(
        "i-full", BOB, IncidentKind.REDACTION, "3.2", Severity.SERIOUS, t(0), automated=True,
        actor=CAROL, note=TRICKY, message=MESSAGE, excerpt="bad words", channel=THREAD,
        report_id="r-full", rule_id="rule-7", dm_delivered=False, reported_to_committee=True,
        case_id="c-full", reversed_at=t(5, KATHMANDU), reversed_by=ALICE)


def _sanction(full: bool) -> Sanction:
    if not full:
        return Sanction("s-min", BOB, SanctionScope.SPACE, t(0), "reason", "4.1",
                        interim=False, automated=False)
    return Sanction(
        "s-full", BOB, SanctionScope.CHANNEL, t(0), TRICKY, "4.2", interim=True,
        automated=True, status=SanctionStatus.LIFTED, channel=CHANNEL, ends_at=t(30, TOKYO),
        review_at=t(40, KATHMANDU), actor=CAROL, case_id="c-full", dm_delivered=True,
        lifted_at=t(20), lifted_by=ALICE, lift_reason="appeal upheld")


def _case(full: bool) -> Case:
    if not full:
        return Case("c-min", BOB, "summary", CaseOrigin.STAFF, Severity.SEVERE, t(0))
    return Case(
        "c-full", BOB, TRICKY, CaseOrigin.REPORT, Severity.SERIOUS, t(0), CaseStatus.FINAL,
        opened_by=CAROL, reporter=ALICE, report_id="r-full", subject_statement="I disagree",
        thread=THREAD, decision="suspend 7d", decided_motion_id="m-full",
        communicated_at=t(10, TOKYO), communicated_via=CommunicationChannel.EMAIL,
        appeal_deadline=t(11, KATHMANDU), final_at=t(12),
        reporter_sealed=SEALED, reporter_tag=TAG, statement_due_at=t(13, TOKYO),
        statement_at=t(14, KATHMANDU), subject_unreachable_at=t(15),
        reporter_wishes="apology,other", reporter_wishes_note="a conversation with a mediator",
        wishes_at=t(16))


def _case_contact(full: bool) -> CaseContact:
    if not full:
        return CaseContact("k-min", "c-min", BOB, ALICE, t(0))
    return CaseContact("k-full", "c-full", BOB, CAROL, t(1, TOKYO), ContactStatus.ENDED,
                       ended_at=t(2, KATHMANDU), ended_by=BOB, end_note=TRICKY)


def _relay_message(full: bool) -> RelayMessage:
    if not full:
        return RelayMessage("rm-min", "k-min", "c-min", RelayDirection.FROM_SUBJECT, BOB,
                            "hello", t(0))
    return RelayMessage("rm-full", "k-full", "c-full", RelayDirection.TO_SUBJECT, CAROL,
                        TRICKY, t(3, TOKYO), delivered=False)


def _motion(full: bool) -> Motion:
    if not full:
        return Motion("m-min", "c-min", "text", ALICE, t(0), t(59, TOKYO))
    return Motion(
        "m-full", "c-full", TRICKY, ALICE, t(0), t(59, TOKYO), MotionStatus.OVERRULED,
        message=MESSAGE, closed_at=t(30, KATHMANDU), sanction_duration="7d",
        sanction_scope=SanctionScope.SPACE, sanction_clause="4.2",
        applied_sanction_id="s-full", overruled_by=CAROL, overrule_reason="conflict",
        sanction_review="1y", public_statement="The committee has decided.",
        statement_published_at=t(14), statement_published_by=CAROL)


def _vote(full: bool) -> Vote:
    # No optional fields: full and minimal differ only in values.
    if not full:
        return Vote("v-min", "m-min", ALICE, VoteChoice.NO, t(0))
    return Vote(Vote.key_for("m-full", BOB), "m-full", BOB, VoteChoice.ABSTAIN, t(1, TOKYO))


def _recusal(full: bool) -> Recusal:
    if not full:
        return Recusal("rc-min", "c-min", ALICE, "friend", t(0))
    return Recusal(Recusal.key_for("c-full", CAROL), "c-full", CAROL, TRICKY, t(2, KATHMANDU))


def _appeal(full: bool) -> Appeal:
    if not full:
        return Appeal("a-min", "c-min", None, "unfair", t(0))
    return Appeal(
        "a-full", "c-full", BOB, TRICKY, t(0), AppealStatus.MODIFIED, decided_by=CAROL,
        decided_at=t(45, TOKYO), decision_reason="reduced to 3d", appellant_sealed=SEALED,
        appellant_tag=TAG, communicated_at=t(46, KATHMANDU),
        communicated_via=CommunicationChannel.DM)


def _code_version(full: bool) -> CodeVersion:
    if not full:
        return CodeVersion("v1", 1, "0" * 64, t(0), None, "first")
    return CodeVersion("v2", 2, "f" * 64, t(1, KATHMANDU), ALICE, TRICKY)


def _acceptance(full: bool) -> Acceptance:
    if not full:
        return Acceptance("acc-min", "v1", ALICE, t(0))
    return Acceptance(Acceptance.key_for("v2", BOB), "v2", BOB, t(3, TOKYO))


def _acceptance_prompt(full: bool) -> AcceptancePrompt:
    if not full:
        return AcceptancePrompt("ap-min", "v1", ALICE, t(0), delivered=False)
    return AcceptancePrompt("ap-full", "v2", BOB, t(0), delivered=True,
                            reminded_at=t(4, KATHMANDU))


def _appointment(full: bool) -> Appointment:
    if not full:
        return Appointment("apt-min", ALICE, Office.EXECUTIVE, date(2026, 1, 1), t(0), None)
    return Appointment(
        "apt-full", BOB, Office.COMMITTEE, date(2025, 2, 28), t(0), CAROL, seat=3,
        term_end=date(2028, 2, 29), ended_at=t(7, TOKYO), end_reason=TRICKY)


def _audit_entry(full: bool) -> AuditEntry:
    if not full:
        return AuditEntry("au-min", t(0), "report.filed", "report", "r-min", automated=True)
    return AuditEntry("au-full", t(0, KATHMANDU), "sanction.lifted", "sanction", "s-full",
                      automated=False, actor=CAROL, reason=TRICKY, details='{"k": "v"}')


def _scheduled_action(full: bool) -> ScheduledAction:
    if not full:
        return ScheduledAction("sa-min", ActionKind.REPORT_DUE, "r-min", t(0))
    return ScheduledAction(
        ScheduledAction.key_for(ActionKind.LIFT_SANCTION, "s-full"), ActionKind.LIFT_SANCTION,
        "s-full", t(0, TOKYO), ActionStatus.FAILED, attempts=3, claimed_by="worker-1",
        claimed_at=t(1), finished_at=t(2, KATHMANDU), last_error=TRICKY)


def _seal_key(full: bool) -> SealKey:
    # No optional fields: full and minimal differ only in values.
    if not full:
        return SealKey("tag-key", "wrapped", t(0))
    return SealKey("tag-key-2", SEALED, t(9, TOKYO))


def _person_link(full: bool) -> PersonLink:
    if not full:
        return PersonLink(ALICE.key, ALICE, "alice", CAROL, t(0))
    return PersonLink(BOB.key, BOB, TRICKY, CAROL, t(5, TOKYO))


def _request_claim(full: bool) -> RequestClaim:
    if not full:
        return RequestClaim("slack:T1:event:Ev1", t(0), t(59))
    return RequestClaim(f"slack:T1:trigger:{TRICKY}", t(5, TOKYO), t(45, TOKYO))


def _evidence(full: bool) -> Evidence:
    message = MessageRef(PlatformName.SLACK, "T1", "C1", "1767600000.000100")
    if not full:
        return Evidence("ev-min", "report", "r-min", EvidenceKind.MESSAGE, 0, message, t(0),
                        "")
    return Evidence("ev-full", "incident", "i-full", EvidenceKind.EDIT, -3, message,
                    t(5, TOKYO), TRICKY, author=BOB, sent_at=t(1, KATHMANDU),
                    attachments=("a.png <https://cdn.example/a.png>", TRICKY))


def _platform_state(full: bool) -> PlatformState:
    if not full:
        return PlatformState("discord:1:commands-hash", "0" * 64, t(0))
    return PlatformState(f"slack:T1:{TRICKY}", TRICKY, t(5, TOKYO))


def _outbox_message(full: bool) -> OutboxMessage:
    if not full:
        return OutboxMessage("ob-min", PlatformName.DISCORD, "info", "", t(0), t(0))
    return OutboxMessage(
        "ob-full", PlatformName.SLACK, "removal_dm", TRICKY, t(1, TOKYO), t(2, KATHMANDU),
        recipient=BOB, audience="staff", subject_id="I-1", title=TRICKY, purpose="incident_dm",
        batch="code/v2", mergeable=True, status=OutboxStatus.SENT, attempts=3,
        claimed_by="w1", claimed_at=t(3), sent_at=t(4),
        message=MessageRef(PlatformName.SLACK, "T1", "D1", "1700000000.0001"),
        merged_into="ob-lead", last_error=TRICKY, space="1300000000000000001",
        channel="email")


def _raid_wave(full: bool) -> RaidWave:
    if not full:
        return RaidWave("W-min", "discord:1", t(0), t(0))
    return RaidWave(
        "W-full", f"slack:{TRICKY}", t(1, TOKYO), t(2, KATHMANDU), removed=412, not_deleted=3,
        flagged=2, undelivered=1, accounts=frozenset({"a" * 32, TRICKY}),
        told=frozenset({"a" * 32}), timed_out=frozenset({TRICKY}), escalated=frozenset(),
        channels=("412:discord:1:500", f"1:{TRICKY}"), rules=(f"3:{TRICKY}",),
        restrained=("lock:discord:1:500",), restrained_until=(f"<#500>={TRICKY}",),
        staff_alert=MessageRef(PlatformName.SLACK, "T1", "C1", "1700000000.0001"),
        committee_alert=MessageRef(PlatformName.DISCORD, "1", "2", "3"))


def _email_address(full: bool) -> EmailAddress:
    if not full:
        return EmailAddress(ALICE.key, ALICE, "alice@example.org", t(0))
    return EmailAddress(BOB.key, BOB, TRICKY, t(5, TOKYO))


BUILDERS: dict[type, Callable[[bool], Any]] = {
    EmailAddress: _email_address,
    Report: _report, Incident: _incident, Sanction: _sanction, Case: _case, Motion: _motion,
    Vote: _vote, Recusal: _recusal, Appeal: _appeal, CodeVersion: _code_version,
    Acceptance: _acceptance, AcceptancePrompt: _acceptance_prompt, Appointment: _appointment,
    AuditEntry: _audit_entry, ScheduledAction: _scheduled_action, PersonLink: _person_link,
    RequestClaim: _request_claim, PlatformState: _platform_state,
    SealKey: _seal_key, CaseContact: _case_contact, RelayMessage: _relay_message,
    Evidence: _evidence, OutboxMessage: _outbox_message, RaidWave: _raid_wave,
}


def full(cls: type) -> Any:
    return BUILDERS[cls](True)


def minimal(cls: type) -> Any:
    return BUILDERS[cls](False)
