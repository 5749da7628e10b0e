"""People: staff link accounts of one person, so histories and standing follow them."""

from __future__ import annotations

import pytest

from bot.core.durations import parse_duration
from bot.core.errors import CocBotError, InvalidInput, NotPermitted
from bot.core.identity import MessageRef, PersonRef
from bot.core.models import (
    ENTITY_TYPES,
    Actor,
    CaseOrigin,
    IncidentKind,
    PersonLink,
    Role,
    SanctionScope,
    VoteChoice,
)
from bot.core.services import IncidentDraft, ReportDraft, SuspensionRequest
from tests.core.harness import STAFF, Harness, committee_actor, person

DISCORD = person("dana")
SLACK = person("U-DANA", space="200")  # the same person in another space
OTHER = person("someone-else")


def staff_of(subject: PersonRef) -> Actor:
    """A staff member of the subject's own space (staff act only where they are staff)."""
    return Actor(person("staff", space=subject.space), frozenset({Role.STAFF}))


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


async def warn(h: Harness, subject: PersonRef, clause: str = "no-hate") -> str:
    outcome = await h.services.incidents.handle(staff_of(subject), IncidentDraft(
        subject=subject, kind=IncidentKind.WARNING, clause_id=clause))
    return outcome.incident.id


async def remove(h: Harness, subject: PersonRef, n: int) -> str:
    outcome = await h.services.incidents.handle(staff_of(subject), IncidentDraft(
        subject=subject, kind=IncidentKind.REMOVAL, clause_id="no-restricted-content",
        message=MessageRef(subject.platform, subject.space, "555", str(n))))
    return outcome.incident.id


async def test_linking_two_accounts_merges_their_history(harness: Harness) -> None:
    on_discord = await warn(harness, DISCORD)
    on_slack = await warn(harness, SLACK, "no-harassment")
    sanction = await harness.services.sanctions.suspend(staff_of(SLACK), SuspensionRequest(
        subject=SLACK, duration=parse_duration("1d"), scope=SanctionScope.SPACE,
        reason="insults"))
    case = await harness.services.cases.open(STAFF.person, DISCORD, "threats",
                                             origin=CaseOrigin.STAFF)
    assert [i.id for i in (await harness.services.people.history(STAFF, DISCORD)).incidents] \
        == [on_discord]

    identity = await harness.services.people.link(STAFF, DISCORD, SLACK)
    assert identity == DISCORD.key
    for account in (DISCORD, SLACK):
        history = await harness.services.people.history(STAFF, account)
        assert history.accounts == sorted([DISCORD, SLACK])
        assert {i.id for i in history.incidents} == {on_discord, on_slack}
        assert [s.id for s in history.sanctions] == [sanction.id]
        assert [c.id for c in history.cases] == [case.id]


async def test_unlinked_accounts_stay_separate(harness: Harness) -> None:
    await warn(harness, DISCORD)
    mine = await warn(harness, OTHER)
    await harness.services.people.link(STAFF, DISCORD, SLACK)
    history = await harness.services.people.history(STAFF, OTHER)
    assert history.accounts == [OTHER]
    assert [i.id for i in history.incidents] == [mine]
    assert history.sanctions == [] and history.cases == []


async def test_linking_a_third_account_keeps_the_whole_group_together(
        harness: Harness) -> None:
    third = person("dana-alt")
    await warn(harness, DISCORD)
    await warn(harness, SLACK)
    await warn(harness, third)
    await harness.services.people.link(STAFF, DISCORD, SLACK)
    await harness.services.people.link(STAFF, third, DISCORD)  # joins the group from outside
    for account in (DISCORD, SLACK, third):
        history = await harness.services.people.history(STAFF, account)
        assert history.accounts == sorted([DISCORD, SLACK, third]), account
        assert len(history.incidents) == 3


async def test_linking_two_groups_merges_both(harness: Harness) -> None:
    a2, b1, b2 = person("dana-2"), person("dee-1"), person("dee-2")
    await harness.services.people.link(STAFF, DISCORD, a2)
    await harness.services.people.link(STAFF, b1, b2)
    await harness.services.people.link(STAFF, a2, b2)
    history = await harness.services.people.history(STAFF, b1)
    assert history.accounts == sorted([DISCORD, a2, b1, b2])


async def test_linked_accounts_escalate_together(harness: Harness) -> None:
    await harness.services.people.link(STAFF, DISCORD, SLACK)
    await remove(harness, DISCORD, 1)
    await remove(harness, SLACK, 2)
    outcome = await harness.services.incidents.handle(STAFF, IncidentDraft(
        subject=DISCORD, kind=IncidentKind.WARNING, clause_id="no-hate"))
    assert outcome.escalated is not None


async def test_bad_faith_reports_count_across_accounts(harness: Harness) -> None:
    reports = harness.services.reports
    first = await reports.submit(DISCORD, ReportDraft(reason="They exist", target=OTHER))
    second = await reports.submit(SLACK, ReportDraft(reason="Still exist", target=OTHER))
    await reports.dismiss(STAFF, first.id, bad_faith=True)
    await reports.dismiss(STAFF, second.id, bad_faith=True)
    await harness.services.people.link(STAFF, DISCORD, SLACK)
    assert (await harness.services.people.history(STAFF, DISCORD)).bad_faith_reports == 2


async def test_a_member_linked_to_the_subject_is_kept_out_of_the_case(harness: Harness) -> None:
    members = await harness.seat_committee()
    await harness.services.people.link(STAFF, members[0], SLACK)  # c1 is also U-DANA
    case = await harness.services.cases.open(STAFF.person, SLACK, "harassment in the other space",
                                             origin=CaseOrigin.STAFF)
    [(_, added)] = harness.platform.threads
    assert members[0] not in added and len(added) == 7  # six members and counsel
    motion = await harness.services.cases.propose(committee_actor(members[1]), case.id,
                                                  "Suspend for 30 days")
    outcome = await harness.services.cases.vote(members[0], motion.id, VoteChoice.NO)
    assert outcome.counted is False


async def test_two_accounts_of_one_member_vote_once(harness: Harness) -> None:
    members = await harness.seat_committee()
    second_account = person("c1-alt")
    await harness.services.people.link(STAFF, members[0], second_account)
    case = await harness.services.cases.open(STAFF.person, person("subject"), "threats",
                                             origin=CaseOrigin.STAFF)
    motion = await harness.services.cases.propose(committee_actor(members[1]), case.id,
                                                  "Suspend for 30 days")
    await harness.services.cases.vote(members[0], motion.id, VoteChoice.YES)
    outcome = await harness.services.cases.vote(second_account, motion.id, VoteChoice.YES)
    assert outcome.tally.yes == 1 and outcome.tally.participating == 1


@pytest.mark.parametrize(("actor", "first", "second", "error", "message"), [
    (Actor(DISCORD), DISCORD, SLACK, NotPermitted, "Only staff"),
    (committee_actor(person("c1")), DISCORD, SLACK, NotPermitted, "Only staff"),
    (STAFF, DISCORD, DISCORD, InvalidInput, "same account"),
])
async def test_bad_links_change_nothing(harness: Harness, actor: Actor, first: PersonRef,
                                        second: PersonRef, error: type[CocBotError],
                                        message: str) -> None:
    before = await snapshot(harness)
    with pytest.raises(error, match=message):
        await harness.services.people.link(actor, first, second)
    assert await snapshot(harness) == before
    async with harness.storage.transaction() as tx:
        assert await tx.count(PersonLink) == 0


async def test_only_staff_see_a_history(harness: Harness) -> None:
    await warn(harness, DISCORD)
    with pytest.raises(NotPermitted, match="Only staff"):
        await harness.services.people.history(Actor(OTHER), DISCORD)
