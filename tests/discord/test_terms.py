"""Staggered committee terms on Discord: ``/roster appoint`` with ``term_start``/``confirm``."""

from __future__ import annotations

from bot.core.models import Actor, Appointment, Office, Role
from tests.discord.conftest import World
from tests.fakes.discord.server import FakeUser

STARTS = ["2024-01-01", "2024-03-01", "2025-01-01", "2025-02-01", "2025-03-01",
          "2025-10-01", "2025-11-01"]  # ends in fiscal years 26, 26, 27, 27, 27, 28, 28


async def answered(world: World, token: str) -> str:
    replies = await world.fake.wait_for(lambda: world.fake.reply_texts(token), "answered")
    return "\n".join(replies)


async def _appointments(world: World) -> list[Appointment]:
    async with world.app.storage.transaction() as tx:
        return await tx.find(Appointment, office=Office.COMMITTEE, ended_at=None)


async def _vacate(world: World) -> list[FakeUser]:
    """End the fixture's seven terms (all in one year) and bring seven new people."""
    admin = world.app.services.roster
    staff = Actor(world.ref(world.staff), frozenset({Role.STAFF}))
    for seat in await _appointments(world):
        await admin.end(staff, seat.id, "re-seated on staggered terms")
    return [world.fake.member(f"New {n}") for n in range(1, 8)]


async def test_the_fixture_roster_is_flagged_as_not_staggered(world: World) -> None:
    token = await world.fake.slash(world.staff, "roster", "show")
    shown = await answered(world, token)
    assert f"<@{world.members[0].id}> seat 1, term 2025-01-01 to 2028-01-01" in shown
    assert "not staggered: 7 seats in fiscal year 2027-28" in shown


async def test_seven_staggered_appointments_need_no_confirm(world: World) -> None:
    people = await _vacate(world)
    for person, start in zip(people, STARTS, strict=True):
        token = await world.fake.slash(world.staff, "roster", "appoint", member=person,
                                       office="committee", term_start=start)
        assert f"term {start} to " in await answered(world, token)
    token = await world.fake.slash(world.staff, "roster", "show")
    shown = await answered(world, token)
    assert f"<@{people[6].id}> seat 7, term 2025-11-01 to 2028-11-01" in shown
    assert "not staggered" not in shown
    assert len({a.term_end for a in await _appointments(world)}) == 7


async def test_a_crowded_year_needs_confirm(world: World) -> None:
    people = await _vacate(world)
    for person in people[:3]:
        await answered(world, await world.fake.slash(
            world.staff, "roster", "appoint", member=person, office="committee",
            term_start="2025-01-01"))
    reply = await answered(world, await world.fake.slash(
        world.staff, "roster", "appoint", member=people[3], office="committee",
        term_start="2025-05-01"))
    assert "4 committee seats would end in fiscal year 2027-28" in reply and "confirm" in reply
    assert len(await _appointments(world)) == 3
    reply = await answered(world, await world.fake.slash(
        world.staff, "roster", "appoint", member=people[3], office="committee",
        term_start="2025-05-01", confirm=True))
    assert "appointed to committee seat" in reply
    assert len(await _appointments(world)) == 4


async def test_overlap_bad_date_and_participants_are_refused(world: World) -> None:
    people = [world.fake.member("New 1")]
    before = await _appointments(world)
    overlap = await answered(world, await world.fake.slash(
        world.staff, "roster", "appoint", member=people[0], office="committee", seat=3,
        term_start="2026-06-01", confirm=True))
    bad_date = await answered(world, await world.fake.slash(
        world.staff, "roster", "appoint", member=people[0], office="committee",
        term_start="next week"))
    outsider = await answered(world, await world.fake.slash(
        world.alice, "roster", "appoint", member=people[0], office="committee",
        term_start="2028-01-01"))
    assert "Seat 3 is held by someone else from 2025-01-01 until 2028-01-01" in overlap
    assert "'next week' is not a date" in bad_date
    assert "staff" in outsider.lower()
    assert await _appointments(world) == before
    assert not world.fake.dms_to(people[0])
