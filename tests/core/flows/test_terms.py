"""Staggered terms through RosterService: seven seats, overlap refused, crowding confirmed."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.errors import InvalidInput, InvalidState, NotPermitted
from bot.core.flows.roster import RosterFlows
from bot.core.models import Actor, Appointment, Office, Role
from bot.core.services.roster import parse_term_start
from tests.core.harness import STAFF, Harness, person

# Fiscal years start on 1 September (the default). Three-year terms starting on these
# days end in fiscal years 2026, 2026, 2027, 2027, 2027, 2028, 2028: staggered.
STAGGERED = [date(2024, 1, 1), date(2024, 3, 1), date(2025, 1, 1), date(2025, 2, 1),
             date(2025, 3, 1), date(2025, 10, 1), date(2025, 11, 1)]


async def appointments(h: Harness) -> list[Appointment]:
    async with h.storage.transaction() as tx:
        return await tx.find(Appointment)


async def test_seven_staggered_appointments_need_no_confirm_and_show_no_warning(
        harness: Harness) -> None:
    for n, start in enumerate(STAGGERED, start=1):
        made = await harness.services.roster.appoint(STAFF, person(f"m{n}"), Office.COMMITTEE,
                                                     term_start=start)
        assert made.seat == n and made.term_start == start
    overview = await harness.services.roster.overview(STAFF)
    first = min(overview.holders[Office.COMMITTEE], key=lambda a: a.seat or 0)
    assert (first.seat, first.term_start, first.term_end) == (1, date(2024, 1, 1),
                                                              date(2027, 1, 1))
    assert overview.warning == "" and overview.empty_seats == []
    assert len({a.term_end for a in await appointments(harness)}) == 7


async def test_a_fourth_seat_ending_in_one_fiscal_year_needs_confirm(harness: Harness) -> None:
    roster = harness.services.roster
    for n in range(1, 4):
        await roster.appoint(STAFF, person(f"m{n}"), Office.COMMITTEE,
                             term_start=date(2025, 1, n))
    before = await appointments(harness)
    with pytest.raises(NotPermitted, match=r"4 committee seats would end in fiscal year "
                                           r"2027-28 \(more than 3\).*confirm"):
        await roster.appoint(STAFF, person("m4"), Office.COMMITTEE, term_start=date(2025, 6, 1))
    assert await appointments(harness) == before
    await roster.appoint(STAFF, person("m4"), Office.COMMITTEE, term_start=date(2025, 6, 1),
                         confirmed=True)
    overview = await roster.overview(STAFF)
    assert "not staggered: 4 seats in fiscal year 2027-28" in overview.warning
    shown = await RosterFlows(harness.services).show(STAFF)
    assert shown.text is not None and overview.warning in shown.text


async def test_the_fiscal_year_comes_from_the_schedule(harness: Harness) -> None:
    harness.services.ctx.fiscal_year_start = (1, 1)  # calendar years instead
    roster = harness.services.roster
    # Ending in March, June and September 2028: under a 1 September fiscal year that is
    # two years, under calendar years one, so a fourth ending in 2028 needs confirm.
    for n, month in enumerate((3, 6, 9), start=1):
        await roster.appoint(STAFF, person(f"m{n}"), Office.COMMITTEE,
                             term_start=date(2025, month, 1))
    with pytest.raises(NotPermitted, match="fiscal year 2028-29"):
        await roster.appoint(STAFF, person("m4"), Office.COMMITTEE, term_start=date(2025, 11, 1))


async def test_a_term_overlapping_the_seats_serving_term_is_refused(harness: Harness) -> None:
    roster = harness.services.roster
    held = await roster.appoint(STAFF, person("m1"), Office.COMMITTEE, seat=2,
                                term_start=date(2025, 1, 1))
    before = await appointments(harness)
    with pytest.raises(InvalidState, match=r"Seat 2 is held by someone else from 2025-01-01 "
                                           r"until 2028-01-01.*overlap.*2028-01-01 or later"):
        await roster.appoint(STAFF, person("m2"), Office.COMMITTEE, seat=2,
                             term_start=date(2027, 6, 1))
    # A successor appointed ahead of time, from the day the serving term ends, is fine,
    # but then a third term cannot slip in before the successor's.
    assert await appointments(harness) == before
    after = await roster.appoint(STAFF, person("m2"), Office.COMMITTEE, seat=2,
                                 term_start=held.term_end)
    with pytest.raises(InvalidState, match="Seat 2 is held"):
        await roster.appoint(STAFF, person("m3"), Office.COMMITTEE, seat=2,
                             term_start=date(2029, 1, 1))
    assert after.term_start == date(2028, 1, 1)


async def test_an_automatic_seat_skips_seats_held_later_in_the_term(harness: Harness) -> None:
    roster = harness.services.roster
    await roster.appoint(STAFF, person("m1"), Office.COMMITTEE, seat=1,
                         term_start=date(2027, 1, 1))  # appointed ahead
    made = await roster.appoint(STAFF, person("m2"), Office.COMMITTEE,
                                term_start=date(2026, 1, 1))
    assert made.seat == 2


@pytest.mark.parametrize("text", ["next monday", "2026-02-30", "01/09/2026", "2026-9-1x"])
def test_a_term_start_that_is_not_a_date_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a date; give the term start as YYYY-MM-DD"):
        parse_term_start(text)


def test_no_term_start_means_today() -> None:
    assert parse_term_start(None) is None and parse_term_start("  ") is None
    assert parse_term_start("2026-09-01") == date(2026, 9, 1)


async def test_only_staff_appoint_or_see_the_roster(harness: Harness) -> None:
    member = Actor(person("m1"), frozenset({Role.COMMITTEE}))
    with pytest.raises(NotPermitted, match="Only staff"):
        await harness.services.roster.appoint(member, person("m1"), Office.COMMITTEE,
                                              term_start=date(2025, 1, 1))
    with pytest.raises(NotPermitted, match="Only staff"):
        await harness.services.roster.overview(member)
    assert await appointments(harness) == []
