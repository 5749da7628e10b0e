"""Staggered committee terms on Slack: ``/roster appoint … YYYY-MM-DD [confirm]``."""

from __future__ import annotations

from datetime import date

from bot.core.models import Appointment
from tests.slack.conftest import COMMITTEE, REPORTER, SlackWorld

STARTS = ["2024-01-01", "2024-03-01", "2025-01-01", "2025-02-01", "2025-03-01",
          "2025-10-01", "2025-11-01"]  # ends in fiscal years 26, 26, 27, 27, 27, 28, 28


SEVEN = [*COMMITTEE, "UC6", "UC7"]  # the fake workspace seats five; two more join


async def _appointments(world: SlackWorld) -> list[Appointment]:
    async with world.app.storage.transaction() as tx:
        return await tx.find(Appointment)


async def test_seven_staggered_appointments_then_show_each_term(world: SlackWorld) -> None:
    world.fake.users += SEVEN[5:]
    for user, start in zip(SEVEN, STARTS, strict=True):
        await world.command("/roster", f"appoint <@{user}> committee {start}")
        assert f"term {start} to " in world.fake.responses()[-1]
    await world.command("/roster", "show")
    shown = world.fake.responses()[-1]
    assert f"<@{COMMITTEE[0]}> seat 1, term 2024-01-01 to 2027-01-01" in shown
    assert f"<@{SEVEN[6]}> seat 7, term 2025-11-01 to 2028-11-01" in shown
    assert "not staggered" not in shown and "Every committee seat is filled." in shown
    assert len({a.term_end for a in await _appointments(world)}) == 7


async def test_crowding_one_fiscal_year_needs_confirm_and_show_warns(world: SlackWorld) -> None:
    for user in COMMITTEE[:3]:
        await world.command("/roster", f"appoint <@{user}> committee 2025-01-01")
    await world.command("/roster", f"appoint <@{COMMITTEE[3]}> committee 2025-02-01")
    assert "4 committee seats would end in fiscal year 2027-28" in world.fake.responses()[-1]
    assert len(await _appointments(world)) == 3
    await world.command("/roster", f"appoint <@{COMMITTEE[3]}> committee 2025-02-01 confirm")
    assert "appointed to committee seat 4" in world.fake.responses()[-1]
    await world.command("/roster", "show")
    assert "not staggered: 4 seats in fiscal year 2027-28" in world.fake.responses()[-1]


async def test_overlap_bad_date_and_participants_are_refused(world: SlackWorld) -> None:
    await world.command("/roster", f"appoint <@{COMMITTEE[0]}> committee 2 2025-01-01")
    before = await _appointments(world)
    await world.command("/roster", f"appoint <@{COMMITTEE[1]}> committee 2 2027-06-01")
    await world.command("/roster", f"appoint <@{COMMITTEE[1]}> committee 2 2027-13-01")
    await world.command("/roster", f"appoint <@{COMMITTEE[1]}> committee 2 soon")
    await world.command("/roster", f"appoint <@{COMMITTEE[1]}> committee 2025-01-01",
                        user=REPORTER)
    overlap, bad_date, not_date, outsider = world.fake.responses()[-4:]
    assert "Seat 2 is held by someone else from 2025-01-01 until 2028-01-01" in overlap
    assert "would overlap" in overlap and "2028-01-01 or later" in overlap
    assert "not a date" in bad_date
    assert "did not understand 'soon'" in not_date
    assert "Only staff can" in outsider
    assert await _appointments(world) == before
    assert before[0].term_start == date(2025, 1, 1)
