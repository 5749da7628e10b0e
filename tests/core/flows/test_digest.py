"""The committee's monthly digest: minor incidents, and everything that is slipping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.durations import parse_duration
from bot.core.identity import MessageRef, PlatformName
from bot.core.models import (
    Actor,
    AppealStatus,
    CaseOrigin,
    IncidentKind,
    Office,
    SanctionScope,
    Severity,
    VoteChoice,
)
from bot.core.ports import Audience
from bot.core.services import IncidentDraft, ReportDraft, SuspensionRequest
from bot.core.services.digest import build_digest
from tests.core.harness import STAFF, Harness, committee_actor, person

EXECUTIVE = Actor(person("exec"))
JANUARY = (datetime(2026, 1, 1, 6, 0, tzinfo=UTC), datetime(2026, 2, 1, 6, 0, tzinfo=UTC))


def message(channel: str, n: int) -> MessageRef:
    return MessageRef(PlatformName.DISCORD, "100", channel, str(n))


async def removal(h: Harness, subject: str, channel: str, n: int, clause: str,
                  **kw: object) -> str:
    draft = IncidentDraft(subject=person(subject), kind=IncidentKind.REMOVAL, clause_id=clause,
                          message=message(channel, n), **kw)  # type: ignore[arg-type]
    return (await h.services.incidents.handle(STAFF, draft)).incident.id


async def detected(h: Harness, subject: str, channel: str, n: int, clause: str, rule: str,
                   kind: IncidentKind = IncidentKind.REMOVAL) -> str:
    """An automod detection (no actor) of ``rule``, recorded as an automated incident."""
    draft = IncidentDraft(subject=person(subject), kind=kind, clause_id=clause,
                          message=message(channel, n), excerpt="…", rule_id=rule)
    return (await h.services.incidents.handle(None, draft)).incident.id


async def suspend(h: Harness, subject: str, duration: str) -> str:
    sanction = await h.services.sanctions.suspend(STAFF, SuspensionRequest(
        subject=person(subject), duration=parse_duration(duration), scope=SanctionScope.SPACE,
        reason="insults", clause_id="no-hate"))
    return sanction.id


async def test_digest_counts_minor_incidents_by_clause_and_channel(harness: Harness) -> None:
    await removal(harness, "a", "555", 1, "no-restricted-content")
    await removal(harness, "b", "555", 2, "no-restricted-content")
    await removal(harness, "c", "556", 3, "no-hate")
    mistaken = await detected(harness, "d", "556", 4, "no-hate", "spam-links")
    await harness.services.incidents.reverse(STAFF, mistaken, "false positive")
    await removal(harness, "e", "557", 5, "no-harassment", severity=Severity.SERIOUS)
    harness.clock.set(datetime(2026, 2, 3, 15, 0, tzinfo=UTC))
    await removal(harness, "f", "555", 6, "no-hate")  # February: not in January's digest

    digest = await build_digest(harness.ctx, *JANUARY)
    assert digest.minor_by_clause == {"no-restricted-content": 2, "no-hate": 1}
    assert digest.minor_by_channel == {"discord:100:555": 2, "discord:100:556": 1}
    assert digest.rule_reversals == {"spam-links": (1, 1)}
    text = digest.render()
    for expected in ("Period: 2026-01-01 to 2026-02-01", "**Minor incidents:** 3",
                     "• no-hate: 1", "• no-restricted-content: 2",
                     "By channel: <#555> 2, <#556> 1", "• spam-links: 1 / 1 (100% reversed)"):
        assert expected in text


async def test_digest_shows_what_is_slipping(harness: Harness) -> None:
    members = await harness.seat_committee(5)
    await harness.services.roster.appoint(STAFF, EXECUTIVE.person, Office.EXECUTIVE,
                                          term_start=date(2025, 1, 1))
    cases = harness.services.cases
    still_open = await cases.open(STAFF.person, person("s1"), "threats", origin=CaseOrigin.STAFF)
    appealed = await cases.open(STAFF.person, person("s2"), "doxxing", origin=CaseOrigin.STAFF)
    closed = await cases.open(STAFF.person, person("s3"), "spam", origin=CaseOrigin.STAFF)
    await cases.close(STAFF, closed.id, "withdrawn")
    await harness.hear(appealed.id)
    motion = await cases.propose(committee_actor(members[0]), appealed.id, "Suspend 30 days")
    for member in members[:4]:
        await cases.vote(member, motion.id, VoteChoice.YES)
    await harness.services.decisions.decide(STAFF, appealed.id)
    pending = await harness.services.appeals.file(person("s2"), appealed.id,
                                                  "I did not post that address; it was public.")
    decided_case = await cases.open(STAFF.person, person("s4"), "insults",
                                    origin=CaseOrigin.STAFF)
    await harness.hear(decided_case.id)
    motion = await cases.propose(committee_actor(members[0]), decided_case.id, "Warn")
    for member in members[:4]:
        await cases.vote(member, motion.id, VoteChoice.YES)
    await harness.services.decisions.decide(STAFF, decided_case.id)
    done = await harness.services.appeals.file(person("s4"), decided_case.id,
                                               "A warning is unfair for a joke among friends.")
    await harness.services.appeals.decide(EXECUTIVE, done.id, AppealStatus.UPHELD, "Stands")

    late = await harness.services.reports.submit(person("r1"), ReportDraft(
        reason="rude", target=person("s5")))
    handled = await harness.services.reports.submit(person("r2"), ReportDraft(
        reason="rude", target=person("s5")))
    await harness.services.reports.triage(STAFF, handled.id)
    soon = await suspend(harness, "s6", "3d")
    await suspend(harness, "s7", "30d")
    await suspend(harness, "s8", "permanent")
    harness.clock.advance(timedelta(days=2))  # the first report is now past due
    await harness.services.reports.submit(person("r3"), ReportDraft(
        reason="rude", target=person("s5")))  # not yet due

    digest = await build_digest(harness.ctx, *JANUARY)
    assert digest.open_cases == [still_open.id]
    assert digest.pending_appeals == [pending.id]
    assert digest.overdue_reports == [late.id]
    assert digest.ending_soon == [soon]
    assert digest.empty_seats == [6, 7]
    text = digest.render()
    for expected in (f"**Open cases:** {still_open.id}", f"**Pending appeals:** {pending.id}",
                     f"**Reports past due:** {late.id}",
                     f"**Suspensions ending within 7 days:** {soon}",
                     "**Empty committee seats:** 6, 7"):
        assert expected in text


async def test_a_quiet_month_says_none(harness: Harness) -> None:
    await harness.seat_committee()
    text = (await build_digest(harness.ctx, *JANUARY)).render()
    for heading in ("Open cases", "Pending appeals", "Reports past due",
                    "Suspensions ending within 7 days", "Empty committee seats"):
        assert f"**{heading}:** none" in text
    assert "**Minor incidents:** 0" in text and "Automod rules" not in text


async def test_monthly_job_posts_the_digest_to_the_committee(harness: Harness) -> None:
    await harness.jobs.ensure_recurring()
    await removal(harness, "a", "555", 1, "no-hate")
    await harness.services.cases.open(STAFF.person, person("s1"), "threats",
                                      origin=CaseOrigin.STAFF)
    harness.clock.set(datetime(2026, 2, 1, 15, 0, tzinfo=UTC))  # 09:00 in Chicago
    assert await harness.run_due() == 2  # the digest, and the subject's statement reminder
    [digest] = harness.platform.posted_to(Audience.COMMITTEE)[-1:]
    assert digest.startswith("**Monthly digest — 2026-02**")
    assert "• no-hate: 1" in digest and "**Open cases:** C-" in digest
    assert "**Empty committee seats:** 1, 2, 3, 4, 5, 6, 7" in digest


async def test_digest_shows_each_automod_rules_reversal_rate_worst_first(
        harness: Harness) -> None:
    incidents = harness.services.incidents
    ads = [await detected(harness, f"ad{n}", "555", n, "no-restricted-content", "advertising")
           for n in range(1, 5)]
    cards = [await detected(harness, f"card{n}", "556", 10 + n, "no-private-info", "pii-card",
                            IncidentKind.REDACTION) for n in range(1, 3)]
    await detected(harness, "flooder", "557", 20, "no-unsolicited-repetition", "flood",
                   IncidentKind.ALERT)
    # A staff removal naming a rule is not automod's doing: it does not count.
    staff_one = await removal(harness, "x", "555", 30, "no-restricted-content",
                              rule_id="advertising")
    await incidents.reverse(STAFF, staff_one, "changed my mind")
    for ref in ads[:2]:
        await incidents.reverse(STAFF, ref, "false positive: a book fair price list")
    await incidents.reverse(STAFF, cards[0], "an ISBN, not a card")
    harness.clock.set(datetime(2026, 2, 3, 15, 0, tzinfo=UTC))
    # Reversed after the month ended: still one of January's false positives.
    await incidents.reverse(STAFF, ads[2], "false positive")
    await detected(harness, "late", "557", 40, "no-unsolicited-repetition", "flood")

    digest = await build_digest(harness.ctx, *JANUARY)
    assert digest.rule_reversals == {"advertising": (4, 3), "pii-card": (2, 1), "flood": (1, 0)}
    assert [(r.rule_id, r.detections, r.reversed) for r in digest.automod_rules] == [
        ("advertising", 4, 3), ("pii-card", 2, 1), ("flood", 1, 0)]
    assert digest.automod_rules[0].rate == 0.75
    text = digest.render()
    section = text[text.index("**Automod rules"):].splitlines()
    assert "worst first" in section[0]
    assert section[1:] == ["• advertising: 4 / 3 (75% reversed)",
                           "• pii-card: 2 / 1 (50% reversed)",
                           "• flood: 1 / 0 (0% reversed)"]


async def test_monthly_digest_post_includes_the_automod_section(harness: Harness) -> None:
    await harness.jobs.ensure_recurring()
    await detected(harness, "a", "555", 1, "no-unsolicited-repetition", "duplicate")
    mistaken = await detected(harness, "b", "555", 2, "no-unsolicited-repetition", "duplicate")
    await harness.services.incidents.reverse(STAFF, mistaken, "two people said thanks")
    harness.clock.set(datetime(2026, 2, 1, 15, 0, tzinfo=UTC))  # 09:00 in Chicago
    assert await harness.run_due() == 1
    [digest] = harness.platform.posted_to(Audience.COMMITTEE)[-1:]
    assert digest.startswith("**Monthly digest — 2026-02**")
    assert "**Automod rules" in digest and "• duplicate: 2 / 1 (50% reversed)" in digest


async def test_the_digest_attaches_the_months_chart_when_one_can_be_drawn(
        harness: Harness) -> None:
    from bot.core.models import ActionKind, ScheduledAction
    from bot.core.policy import Recurring
    from bot.core.services.calendar_jobs import CalendarJobs
    from bot.records.report_charts import counts_chart

    await removal(harness, "s1", "c1", 1, "no-hate")
    await removal(harness, "s2", "c1", 2, "no-harassment")
    harness.clock.set(datetime(2026, 2, 1, 15, 0, tzinfo=UTC))
    action = ScheduledAction(id="monthly_digest/2026-02", kind=ActionKind.MONTHLY_DIGEST,
                             subject_id="2026-02", due_at=harness.clock.now())
    with_chart = CalendarJobs(harness.services, Recurring(), digest_chart=counts_chart)
    await with_chart.handlers()[ActionKind.MONTHLY_DIGEST](action)

    def broken(title: str, counts: object) -> bytes:
        raise RuntimeError("no fonts")

    failing = CalendarJobs(harness.services, Recurring(), digest_chart=broken)
    await failing.handlers()[ActionKind.MONTHLY_DIGEST](action)
    first, second = [n for a, n in harness.platform.posts if a == Audience.COMMITTEE
                     and "digest" in n.text]
    [chart] = first.attachments
    assert chart.filename == "digest-2026-02.png" and chart.content_type == "image/png"
    assert chart.data.startswith(b"\x89PNG\r\n\x1a\n") and len(chart.data) > 1000
    assert second.attachments == () and "no-hate: 1" in second.text  # the digest still went
