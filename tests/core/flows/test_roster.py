"""The roster: seven seats on staggered, nonrenewable three-year terms; counsel; executive."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.errors import CocBotError, InvalidInput, InvalidState, NotFound, NotPermitted
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import (
    ENTITY_TYPES,
    ActionKind,
    ActionStatus,
    Actor,
    Appointment,
    CaseOrigin,
    Office,
    ScheduledAction,
)
from bot.core.ports import Audience
from tests.core.harness import STAFF, Harness, committee_actor, person

ALICE = person("alice")


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


async def reminder_for(h: Harness, appointment: Appointment) -> ScheduledAction | None:
    async with h.storage.transaction() as tx:
        return await tx.get(ScheduledAction,
                            ScheduledAction.key_for(ActionKind.TERM_ENDING, appointment.id))


async def test_committee_term_is_three_years_with_a_reminder_sixty_days_before(
        harness: Harness) -> None:
    seat = await harness.services.roster.appoint(STAFF, ALICE, Office.COMMITTEE, seat=3)
    assert seat.term_start == date(2026, 1, 5) and seat.term_end == date(2029, 1, 5)
    assert seat.seat == 3 and seat.appointed_by == STAFF.person
    action = await reminder_for(harness, seat)
    # 60 days before the term ends, 09:00 in Chicago (CST, UTC-6)
    assert action is not None
    assert action.due_at == datetime(2028, 11, 6, 15, 0, tzinfo=UTC)
    harness.clock.set(action.due_at - timedelta(seconds=1))
    assert await harness.run_due() == 0
    harness.clock.set(action.due_at)
    assert await harness.run_due() == 1
    [notice] = harness.platform.posted_to(Audience.STAFF)
    assert "<@alice> (seat 3) ends on 2029-01-05" in notice and "nonrenewable" in notice
    assert await harness.run_due() == 0


@pytest.mark.parametrize(("start", "end"), [
    (date(2024, 2, 29), date(2027, 2, 28)),  # a leap day rolls to 28 February
    (date(2025, 9, 1), date(2028, 9, 1)),
])
async def test_term_end_dates(harness: Harness, start: date, end: date) -> None:
    seat = await harness.services.roster.appoint(STAFF, ALICE, Office.COMMITTEE,
                                                 term_start=start)
    assert seat.term_end == end


async def test_a_member_who_served_cannot_be_reappointed(harness: Harness) -> None:
    first = await harness.services.roster.appoint(STAFF, ALICE, Office.COMMITTEE, seat=2,
                                                  term_start=date(2022, 1, 1))
    assert first.term_end == date(2025, 1, 1)
    assert await harness.services.roster.current(Office.COMMITTEE) == []  # term is over
    before = await snapshot(harness)
    with pytest.raises(NotPermitted, match=r"nonrenewable.*seat 2, from 2022-01-01"):
        await harness.services.roster.appoint(STAFF, ALICE, Office.COMMITTEE, seat=2)
    assert await snapshot(harness) == before


async def test_reappointment_is_refused_under_another_account_too(harness: Harness) -> None:
    slack = PersonRef(PlatformName.SLACK, "T1", "U-ALICE")
    await harness.services.roster.appoint(STAFF, ALICE, Office.COMMITTEE,
                                          term_start=date(2022, 1, 1))
    await harness.services.people.link(STAFF, ALICE, slack)
    with pytest.raises(NotPermitted, match="nonrenewable"):
        await harness.services.roster.appoint(STAFF, slack, Office.COMMITTEE)


async def test_ending_a_term_early_frees_the_seat_and_cancels_the_reminder(
        harness: Harness) -> None:
    members = await harness.seat_committee()
    roster = harness.services.roster
    assert await roster.empty_seats() == []
    with pytest.raises(InvalidState, match="All 7 committee seats are filled"):
        await roster.appoint(STAFF, ALICE, Office.COMMITTEE)
    [seat4] = [a for a in await roster.current(Office.COMMITTEE) if a.person == members[3]]
    ended = await roster.end(STAFF, seat4.id, "resigned")
    assert ended.ended_at == harness.clock.now() and ended.end_reason == "resigned"
    action = await reminder_for(harness, seat4)
    assert action is not None and action.status is ActionStatus.CANCELLED
    harness.clock.advance(timedelta(days=1))
    assert await roster.empty_seats() == [4]
    successor = await roster.appoint(STAFF, ALICE, Office.COMMITTEE)
    assert successor.seat == 4  # the first free seat
    case = await harness.services.cases.open(STAFF.person, person("subject"), "insults",
                                             origin=CaseOrigin.STAFF)
    [(_, added)] = harness.platform.threads
    assert members[3] not in added and ALICE in added
    with pytest.raises(NotPermitted):
        await harness.services.cases.recuse(committee_actor(members[3]), case.id, "conflict")
    with pytest.raises(InvalidState, match="already ended"):
        await roster.end(STAFF, seat4.id, "again")


@pytest.mark.parametrize(("actor", "office", "seat", "error", "message"), [
    (Actor(person("member")), Office.COMMITTEE, None, NotPermitted, "Only staff"),
    (committee_actor(person("c1")), Office.COUNSEL, None, NotPermitted, "Only staff"),
    (STAFF, Office.COMMITTEE, 8, InvalidInput, "Seats are numbered 1 to 7"),
    (STAFF, Office.COMMITTEE, 0, InvalidInput, "Seats are numbered 1 to 7"),
    (STAFF, Office.COMMITTEE, 1, InvalidState, "Seat 1 is held by someone else"),
])
async def test_bad_appointments_change_nothing(harness: Harness, actor: Actor, office: Office,
                                               seat: int | None, error: type[CocBotError],
                                               message: str) -> None:
    await harness.services.roster.appoint(STAFF, person("bob"), Office.COMMITTEE, seat=1)
    before = await snapshot(harness)
    with pytest.raises(error, match=message):
        await harness.services.roster.appoint(actor, ALICE, office, seat=seat)
    assert await snapshot(harness) == before


@pytest.mark.parametrize(("actor", "ref", "error", "message"), [
    (Actor(person("member")), None, NotPermitted, "Only staff"),
    (STAFF, "P-0000000", NotFound, "no appointment"),
])
async def test_bad_term_endings_change_nothing(harness: Harness, actor: Actor, ref: str | None,
                                               error: type[CocBotError], message: str) -> None:
    seat = await harness.services.roster.appoint(STAFF, ALICE, Office.COMMITTEE)
    before = await snapshot(harness)
    with pytest.raises(error, match=message):
        await harness.services.roster.end(actor, ref or seat.id, "removed")
    assert await snapshot(harness) == before


@pytest.mark.parametrize("office", [Office.COUNSEL, Office.EXECUTIVE])
async def test_counsel_and_executive_offices_have_no_seat_or_term(
        harness: Harness, office: Office) -> None:
    roster = harness.services.roster
    appointment = await roster.appoint(STAFF, ALICE, office, seat=5)
    assert appointment.seat is None and appointment.term_end is None
    assert await reminder_for(harness, appointment) is None
    assert [a.person for a in await roster.current(office)] == [ALICE]
    assert await roster.current(Office.COMMITTEE) == []
    with pytest.raises(InvalidState, match=f"already holds the {office.value} office"):
        await roster.appoint(STAFF, ALICE, office)
    await roster.end(STAFF, appointment.id, "stepped down")
    harness.clock.advance(timedelta(days=1))
    assert await roster.current(office) == []
    again = await roster.appoint(STAFF, ALICE, office)  # these offices are renewable
    assert [a.id for a in await roster.current(office)] == [again.id]


async def test_staggered_terms_leave_seats_empty_as_they_expire(harness: Harness) -> None:
    roster = harness.services.roster
    for n, year in ((1, 2023), (2, 2024), (3, 2025)):
        await roster.appoint(STAFF, person(f"m{n}"), Office.COMMITTEE, seat=n,
                             term_start=date(year, 3, 1))
    assert await roster.empty_seats() == [4, 5, 6, 7]
    harness.clock.set(datetime(2026, 3, 1, 18, 0, tzinfo=UTC))  # seat 1's term ends today
    assert await roster.empty_seats() == [1, 4, 5, 6, 7]
    harness.clock.set(datetime(2027, 3, 1, 18, 0, tzinfo=UTC))
    assert await roster.empty_seats() == [1, 2, 4, 5, 6, 7]


async def test_automated_appointment_has_no_appointer(harness: Harness) -> None:
    seat = await harness.services.roster.appoint(None, ALICE, Office.COMMITTEE)
    assert seat.appointed_by is None and seat.seat == 1


async def test_ending_a_term_needs_a_reason(harness: Harness) -> None:
    members = await harness.seat_committee(1)
    async with harness.storage.transaction() as tx:
        [seat] = await tx.find(Appointment, person=members[0])
    with pytest.raises(InvalidInput, match="why the term ends"):
        await harness.services.roster.end(STAFF, seat.id, "   ")
    async with harness.storage.transaction() as tx:
        assert (await tx.get(Appointment, seat.id)).ended_at is None  # type: ignore[union-attr]
