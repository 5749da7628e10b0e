"""Suspensions: written notice, automatic lift at the end, retries, early lifts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.durations import parse_duration
from bot.core.errors import InvalidInput, NotPermitted
from bot.core.identity import PlaceRef, PlatformName
from bot.core.models import (
    ActionKind,
    ActionStatus,
    Actor,
    CaseOrigin,
    Role,
    Sanction,
    SanctionScope,
    SanctionStatus,
    ScheduledAction,
)
from bot.core.ports import Audience
from bot.core.services import SuspensionRequest
from tests.core.harness import STAFF, Harness, person

SUBJECT = person("subject")
CHANNEL = PlaceRef(PlatformName.DISCORD, "100", "555")


def request(duration: str = "14d", **kw: object) -> SuspensionRequest:
    values: dict[str, object] = {"subject": SUBJECT, "duration": parse_duration(duration),
                                 "scope": SanctionScope.SPACE, "reason": "repeated insults",
                                 "clause_id": "no-hate"}
    values.update(kw)
    return SuspensionRequest(**values)  # type: ignore[arg-type]


async def action_for(h: Harness, sanction: Sanction) -> ScheduledAction | None:
    async with h.storage.transaction() as tx:
        return await tx.get(ScheduledAction,
                            ScheduledAction.key_for(ActionKind.LIFT_SANCTION, sanction.id))


async def test_fourteen_day_suspension_lifts_itself_in_milliseconds(harness: Harness) -> None:
    sanction = await harness.services.sanctions.suspend(STAFF, request())
    assert [s.id for s in harness.platform.restricted] == [sanction.id]
    dm = harness.platform.dms_to(SUBJECT)[0]
    for expected in ("the whole space", "2 weeks", "repeated insults",
                     "No insults, attacks", "restored automatically", "appeal"):
        assert expected in dm
    harness.clock.advance(timedelta(days=14) - timedelta(seconds=1))
    assert await harness.run_due() == 0
    harness.clock.advance(timedelta(seconds=1))
    assert await harness.run_due() == 1
    assert [s.id for s in harness.platform.restored] == [sanction.id]
    lifted = await harness.services.sanctions.get(sanction.id)
    assert lifted.status is SanctionStatus.LIFTED and lifted.lifted_by is None
    assert "ended" in harness.platform.dms_to(SUBJECT)[-1]
    action = await action_for(harness, sanction)
    assert action is not None and action.status is ActionStatus.DONE
    assert await harness.run_due() == 0  # exactly once


async def test_failed_lift_retries_with_backoff_and_alerts_staff(harness: Harness) -> None:
    sanction = await harness.services.sanctions.suspend(STAFF, request("1h"))
    harness.platform.failing_restores = 2
    harness.clock.advance(timedelta(hours=1))
    await harness.run_due()
    assert (await harness.services.sanctions.get(sanction.id)).status is SanctionStatus.ACTIVE
    alerts = [t for t in harness.platform.posted_to(Audience.STAFF) if sanction.id in t]
    assert len(alerts) == 1 and "could not be restored" in alerts[0]
    action = await action_for(harness, sanction)
    assert action is not None and action.status is ActionStatus.PENDING and action.attempts == 1
    harness.clock.advance(timedelta(seconds=30))
    await harness.run_due()  # second failure, backoff doubles; no second alert
    assert len([t for t in harness.platform.posted_to(Audience.STAFF) if sanction.id in t]) == 1
    harness.clock.advance(timedelta(minutes=1))
    await harness.run_due()
    assert (await harness.services.sanctions.get(sanction.id)).status is SanctionStatus.LIFTED


@pytest.mark.parametrize(("req", "error", "message"), [
    (request(reason="  "), InvalidInput, "reason"),
    (request(scope=SanctionScope.CHANNEL), InvalidInput, "channel"),
    (request(target_standing=frozenset({Role.STAFF})), NotPermitted, "confirm"),
    (request(clause_id="nope"), InvalidInput, "no clause"),
    (request("7d", review_at=None, subject=STAFF.person), InvalidInput, "yourself"),
])
async def test_bad_suspensions_are_refused_and_change_nothing(
        harness: Harness, req: SuspensionRequest, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        await harness.services.sanctions.suspend(STAFF, req)
    assert harness.platform.restricted == [] and harness.platform.dms == []
    async with harness.storage.transaction() as tx:
        assert await tx.count(Sanction) == 0


async def test_participants_cannot_suspend(harness: Harness) -> None:
    with pytest.raises(NotPermitted):
        await harness.services.sanctions.suspend(Actor(person("member")), request())
    assert harness.platform.restricted == []


async def test_protected_target_needs_confirmation(harness: Harness) -> None:
    sanction = await harness.services.sanctions.suspend(STAFF, request(
        target_standing=frozenset({Role.COMMITTEE}), confirmed=True))
    assert sanction.active


async def test_channel_suspension_and_early_lift(harness: Harness) -> None:
    sanction = await harness.services.sanctions.suspend(STAFF, request(
        "2w", scope=SanctionScope.CHANNEL, channel=CHANNEL))
    assert "<#555>" in harness.platform.dms_to(SUBJECT)[0]
    lifted = await harness.services.sanctions.unsuspend(STAFF, SUBJECT, "apologised")
    assert [s.status for s in lifted] == [SanctionStatus.LIFTED]
    action = await action_for(harness, sanction)
    assert action is not None and action.status is ActionStatus.CANCELLED
    harness.clock.advance(timedelta(weeks=3))
    assert await harness.run_due() == 0
    assert len(harness.platform.restored) == 1


async def test_suspension_during_an_open_case_is_interim(harness: Harness) -> None:
    await harness.services.cases.open(STAFF.person, SUBJECT, "harassment in #general",
                                      origin=CaseOrigin.STAFF)
    sanction = await harness.services.sanctions.suspend(STAFF, request("7d"))
    assert sanction.interim is True


async def test_permanent_suspension_with_review_date_reminds_committee(harness: Harness) -> None:
    review = harness.clock.now() + timedelta(days=365)
    sanction = await harness.services.sanctions.suspend(STAFF, request(
        "permanent", review_at=review))
    assert sanction.ends_at is None
    assert "review this on" in harness.platform.dms_to(SUBJECT)[0]
    harness.clock.set(review)
    assert await harness.run_due() >= 1
    assert any(sanction.id in t and "review" in t
               for t in harness.platform.posted_to(Audience.COMMITTEE))
    assert (await harness.services.sanctions.get(sanction.id)).active


async def test_platform_refusal_leaves_no_active_sanction(harness: Harness) -> None:
    harness.platform.down = True
    with pytest.raises(Exception, match="not answering"):
        await harness.services.sanctions.suspend(STAFF, request())
    async with harness.storage.transaction() as tx:
        assert await tx.find(Sanction, status=SanctionStatus.ACTIVE) == []


async def test_the_committee_summary_says_when_the_dm_did_not_arrive(harness: Harness) -> None:
    harness.platform.closed_dms.add(SUBJECT)
    sanction = await harness.services.sanctions.suspend(STAFF, request("1d"))
    assert sanction.dm_delivered is False
    summary = [n.text for _, n in harness.platform.posts if sanction.id in n.text][-1]
    assert "NO - their DMs are closed" in summary


async def test_a_suspension_from_a_report_closes_it_as_actioned(harness: Harness) -> None:
    from bot.core.models import ReportStatus
    from bot.core.services import ReportDraft

    report = await harness.services.reports.submit(person("reporter"), ReportDraft(
        reason="threats in DMs", target=SUBJECT))
    sanction = await harness.services.sanctions.suspend(STAFF, request("1d",
                                                                       report_id=report.id))
    closed = await harness.services.reports.get(STAFF, report.id)
    assert closed.status is ReportStatus.ACTIONED and sanction.id in (closed.resolution_note
                                                                      or "")


@pytest.mark.parametrize(("text", "scope"), [("channel", SanctionScope.CHANNEL),
                                             (" Server ", SanctionScope.SPACE),
                                             ("workspace", SanctionScope.SPACE)])
def test_scope_words_from_either_platform(text: str, scope: SanctionScope) -> None:
    from bot.core.services.sanctions import parse_scope

    assert parse_scope(text) is scope


def test_an_unknown_scope_is_refused_in_both_platforms_words() -> None:
    from bot.core.errors import InvalidInput
    from bot.core.services.sanctions import parse_scope

    with pytest.raises(InvalidInput, match="'channel', or 'server' / 'workspace'"):
        parse_scope("everywhere")
