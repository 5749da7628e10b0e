"""A member of staff never acts in a matter about themselves.

Staff hold the queue, suspensions and the incident record. The protocols' conflict rule
("cannot vote on, use personal influence to affect ... the incident") binds the committee
by name; the same reasoning binds staff: a moderator who is reported cannot dismiss the
report (least of all "in bad faith", which counts against the reporter as a violation),
triage it away or pick who escalates it; a suspended moderator cannot lift their own
suspension; a moderator cannot reverse an incident recorded about them. Their linked
accounts are the same person. Each refusal says why, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.core.durations import parse_duration
from bot.core.errors import InvalidInput, NotPermitted
from bot.core.identity import MessageRef, PlatformName
from bot.core.models import (
    ENTITY_TYPES,
    Actor,
    IncidentKind,
    Report,
    ReportStatus,
    Role,
    SanctionScope,
)
from bot.core.services import IncidentDraft, ReportDraft, SuspensionRequest
from tests.core.harness import STAFF, Harness, person

MODERATOR = Actor(person("moderator"), frozenset({Role.STAFF}))
SECOND_ACCOUNT = Actor(person("UMOD", PlatformName.SLACK, "T1"), frozenset({Role.STAFF}))
REPORTER = person("reporter")
MSG = MessageRef(PlatformName.DISCORD, "100", "555", "777")

Act = Callable[[Harness, Actor, str], Awaitable[object]]


async def _report(h: Harness) -> str:
    report = await h.services.reports.submit(REPORTER, ReportDraft(
        reason="The moderator mocked my accent in #general", target=MODERATOR.person,
        message=MSG, message_excerpt="nice accent"))
    return report.id


async def _suspension(h: Harness) -> str:
    sanction = await h.services.sanctions.suspend(STAFF, SuspensionRequest(
        subject=MODERATOR.person, duration=parse_duration("14d"),
        scope=SanctionScope.SPACE, reason="insults in #general", clause_id="no-hate"))
    return sanction.id


async def _incident(h: Harness) -> str:
    outcome = await h.services.incidents.handle(STAFF, IncidentDraft(
        subject=MODERATOR.person, kind=IncidentKind.REMOVAL, clause_id="no-hate",
        message=MSG, excerpt="an insult"))
    return outcome.incident.id


SCENES: dict[str, tuple[Callable[[Harness], Awaitable[str]], Act, str]] = {
    "dismiss the report about them in bad faith": (
        _report, lambda h, a, ref: h.services.reports.dismiss(a, ref, bad_faith=True),
        "Report R-"),
    "dismiss the report about them": (
        _report, lambda h, a, ref: h.services.reports.dismiss(a, ref, bad_faith=False),
        "Report R-"),
    "triage the report about them": (
        _report, lambda h, a, ref: h.services.reports.triage(a, ref), "Report R-"),
    "escalate the report about them": (
        _report, lambda h, a, ref: h.services.reports.escalate(a, ref), "Report R-"),
    "lift their own suspension": (
        _suspension, lambda h, a, ref: h.services.sanctions.lift(a, ref, "done now"),
        "Suspension S-"),
    "unsuspend themselves": (
        _suspension, lambda h, a, ref: h.services.sanctions.unsuspend(
            a, MODERATOR.person, "done now"), "Suspension S-"),
    "read their own history": (  # case summaries there are a reporter's words
        _report, lambda h, a, ref: h.services.people.history(a, MODERATOR.person),
        "This history"),
    "reverse an incident about them": (
        _incident, lambda h, a, ref: h.services.incidents.reverse(a, ref, "a mistake"),
        "Incident I-"),
}


async def _everything(h: Harness) -> tuple[dict[str, list[object]], int, int]:
    async with h.storage.transaction() as tx:
        rows = {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}
    return rows, len(h.platform.posts), len(h.platform.dms)


@pytest.mark.parametrize("account", [MODERATOR, SECOND_ACCOUNT], ids=["same", "linked"])
@pytest.mark.parametrize("scene", list(SCENES))
async def test_staff_cannot_act_in_their_own_matter(harness: Harness, scene: str,
                                                    account: Actor) -> None:
    setup, act, named = SCENES[scene]
    await harness.services.people.link(STAFF, MODERATOR.person, SECOND_ACCOUNT.person)
    ref = await setup(harness)
    before = await _everything(harness)
    with pytest.raises(NotPermitted, match=f"{named}\\S* is about you") as refused:
        await act(harness, account, ref)
    assert "another member of staff" in refused.value.message
    assert await _everything(harness) == before


@pytest.mark.parametrize("scene", list(SCENES))
async def test_another_member_of_staff_can(harness: Harness, scene: str) -> None:
    """The control: the same scene lets staff with no part in it act."""
    setup, act, _ = SCENES[scene]
    ref = await setup(harness)
    await act(harness, STAFF, ref)


async def test_a_reported_moderator_never_counts_bad_faith_against_the_reporter(
        harness: Harness) -> None:
    ref = await _report(harness)
    with pytest.raises(NotPermitted):
        await harness.services.reports.dismiss(MODERATOR, ref, bad_faith=True)
    async with harness.storage.transaction() as tx:
        assert await tx.count(Report, status=ReportStatus.DISMISSED_BAD_FAITH) == 0
        report = await tx.get(Report, ref)
    assert report is not None and report.status is ReportStatus.OPEN


async def test_a_moderator_cannot_suspend_their_own_linked_account(harness: Harness) -> None:
    """Suspending oneself is refused through any account linked to one's own, as every
    other act in one's own matter is; nothing is recorded."""
    alt = Actor(person("moderator-alt"), frozenset({Role.STAFF}))
    await harness.services.people.link(STAFF, MODERATOR.person, alt.person)
    before = await _everything(harness)
    with pytest.raises(InvalidInput, match="You cannot suspend yourself"):
        await harness.services.sanctions.suspend(alt, SuspensionRequest(
            subject=MODERATOR.person, duration=parse_duration("14d"),
            scope=SanctionScope.SPACE, reason="testing", clause_id="no-hate"))
    assert await _everything(harness) == before
