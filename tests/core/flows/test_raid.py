"""Raid mode in the core: batched removals, one alert per wave, one DM per author."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from bot.core.identity import MessageRef, PersonRef, PlaceRef, PlatformName
from bot.core.models import (
    ActionKind,
    AuditEntry,
    Case,
    Incident,
    IncidentKind,
    RaidWave,
    ScheduledAction,
)
from bot.core.ports import Audience, NoticeKind
from bot.core.rules.raid import Restraint
from bot.core.services import IncidentDraft, RaidFinding, RaidService
from tests.core.harness import Harness, build_harness, person

GENERAL = PlaceRef(PlatformName.DISCORD, "100", "general")


def finding(author: PersonRef, n: int, channel: str = "general") -> RaidFinding:
    return RaidFinding(IncidentDraft(
        subject=author, kind=IncidentKind.REMOVAL, clause_id="no-restricted-content",
        message=MessageRef(PlatformName.DISCORD, "100", channel, str(10_000 + n)),
        excerpt=f"Buy my book #{n}", rule_id="advertising"))


async def flood(h: Harness, authors: int, messages: int, channel: str = "general",
                raid: RaidService | None = None, first: int = 0) -> list[Incident]:
    """What moderation does for each finding: count it, and in a raid hand it over."""
    people = [person(f"spam{i}") for i in range(authors)]
    raid = raid or h.services.raid

    async def one(n: int) -> Incident | None:
        f = finding(people[n % authors], first + n, channel)
        assert f.draft.message is not None
        if await raid.takes(f.draft.message.place, f.draft.subject):
            return await raid.handle(f)
        return (await h.services.incidents.handle(None, f.draft)).incident

    done = await asyncio.gather(*(one(n) for n in range(messages)))
    await raid.drain()
    return [i for i in done if i is not None]


def raid_alerts(h: Harness, audience: Audience) -> list[str]:
    return [n.text for a, n in h.platform.posts
            if a is audience and n.kind is NoticeKind.RAID_ALERT]


async def test_a_trickle_is_handled_one_by_one(harness: Harness) -> None:
    await flood(harness, authors=4, messages=4)
    assert harness.platform.bulk_deletes == []
    assert raid_alerts(harness, Audience.COMMITTEE) == []
    assert len(harness.platform.posted_to(Audience.COMMITTEE)) == 4


async def test_a_flood_is_batched_recorded_one_by_one_and_alerted_once(
        harness: Harness) -> None:
    h = harness
    incidents = await flood(h, authors=10, messages=120)
    await h.services.raid.drain()
    async with h.storage.transaction() as tx:
        stored = await tx.find(Incident)
        audits = await tx.count(AuditEntry, action="incident.removal")
        cases = await tx.find(Case)
    assert len(stored) == len(incidents) == 120 and audits == 120
    assert len({i.message for i in stored}) == 120  # one incident per message, no repeats
    assert set(h.platform.deleted) == {i.message for i in stored}
    assert h.platform.bulk_deletes, "the raid's deletions went in bulk"
    # one alert in each channel, edited in place; a handful of posts at most in all
    assert len(raid_alerts(h, Audience.STAFF)) == 1
    assert len(raid_alerts(h, Audience.COMMITTEE)) == 1
    assert len(h.platform.posted_to(Audience.COMMITTEE)) <= 5
    final = h.platform.edits[-1][1].text
    assert "from 10 accounts" in final and "advertising" in final
    # each author told once, whether before the wave or in it
    explained = Counter(p for p, n in h.platform.dms if n.kind is NoticeKind.REMOVAL_DM)
    assert explained == {person(f"spam{i}"): 1 for i in range(10)}
    # 12 each: every author escalates once, to one case
    assert Counter(c.subject for c in cases) == {person(f"spam{i}"): 1 for i in range(10)}
    assert "10 accounts reached the repeat-violation threshold" in final


async def test_the_wave_ends_by_itself_and_says_so(harness: Harness) -> None:
    h = harness
    await flood(h, authors=3, messages=30)
    await h.services.raid.drain()
    assert h.services.raid.wave(GENERAL) is not None
    h.clock.advance(timedelta(seconds=31))
    await h.run_due()
    assert h.services.raid.wave(GENERAL) is None
    assert "Raid mode over" in h.platform.edits[-1][1].text
    # the next burst starts a new wave with its own alert
    await flood(h, authors=3, messages=30, first=100)
    await h.services.raid.drain()
    assert len(raid_alerts(h, Audience.COMMITTEE)) == 2


async def test_a_busy_wave_is_not_ended_early(harness: Harness) -> None:
    h = harness
    await flood(h, authors=3, messages=20)
    h.clock.advance(timedelta(seconds=25))
    await flood(h, authors=3, messages=5, first=100)  # still raiding: quiet is counted from here
    h.clock.advance(timedelta(seconds=10))
    await h.run_due()
    assert h.services.raid.wave(GENERAL) is not None


async def test_messages_the_bot_may_not_delete_are_recorded_and_staff_asked(
        harness: Harness) -> None:
    h = harness
    h.platform.can_delete = False
    await flood(h, authors=2, messages=20)
    await h.services.raid.drain()
    async with h.storage.transaction() as tx:
        assert await tx.count(Incident) == 20
    assert "could not be deleted by the bot" in h.platform.edits[-1][1].text


async def test_a_flooded_channel_is_slowed_and_undone_on_time(harness: Harness) -> None:
    h = harness
    h.ctx.policy = replace(h.ctx.policy, raid=replace(h.ctx.policy.raid,
                                                      restraint=Restraint.SLOW_MODE))
    await flood(h, authors=3, messages=20)
    await h.services.raid.drain()
    assert h.platform.restrained == {GENERAL: (Restraint.SLOW_MODE, 30)}
    h.clock.advance(timedelta(minutes=9))
    await h.run_due()
    assert GENERAL in h.platform.restrained
    h.clock.advance(timedelta(minutes=2))
    await h.run_due()
    assert h.platform.restrained == {}
    assert h.platform.released == [(GENERAL, "slow_mode:0")]
    async with h.storage.transaction() as tx:
        assert await tx.count(AuditEntry, action="raid.released") == 1


async def test_a_restart_mid_restraint_extends_it_rather_than_restraining_twice(
        harness: Harness) -> None:
    h = harness
    h.ctx.policy = replace(h.ctx.policy, raid=replace(h.ctx.policy.raid,
                                                      restraint=Restraint.LOCK))
    await flood(h, authors=3, messages=20)
    await h.services.raid.drain()
    # a restart loses the waves kept in memory: a new service over the same database
    restarted = RaidService(h.ctx, h.services.incidents, h.services.sanctions)
    h.clock.advance(timedelta(minutes=5))
    await flood(h, authors=3, messages=20, raid=restarted, first=100)
    assert len(h.platform.restrained) == 1  # locked once, never "restored" to locked
    async with h.storage.transaction() as tx:
        undo = await tx.find(ScheduledAction, kind=ActionKind.RAID_RELEASE)
    assert len(undo) == 1 and undo[0].due_at == h.clock.now() + timedelta(minutes=10)


async def test_alerts_and_closed_dms_in_a_wave_are_counted_not_posted_each(
        harness: Harness) -> None:
    h = harness
    h.platform.closed_dms.add(person("spam5"))  # first seen once the wave is on
    await flood(h, authors=6, messages=12)
    raid = h.services.raid
    flagged = [RaidFinding(IncidentDraft(
        subject=person("chatty"), kind=IncidentKind.ALERT, clause_id="no-harassment",
        message=MessageRef(PlatformName.DISCORD, "100", "general", str(20_000 + n)),
        excerpt="hi", rule_id="flood")) for n in range(6)]
    for f in flagged:
        assert await raid.takes(GENERAL, f.draft.subject)
    await asyncio.gather(*(raid.handle(f) for f in flagged))
    await raid.drain()
    final = h.platform.edits[-1][1].text
    assert "6 more messages were flagged for staff review" in final
    assert "1 authors could not be told by DM" in final
    assert not any(m.id.startswith("2") and len(m.id) == 5 for m in h.platform.deleted)
    async with h.storage.transaction() as tx:
        assert await tx.count(Incident, kind=IncidentKind.ALERT) == 6
    assert len(raid_alerts(h, Audience.STAFF)) == 1


def _figures(text: str) -> tuple[int, int]:
    found = re.search(r"(\d+) messages removed from (\d+) accounts", text)
    assert found is not None, text
    return int(found.group(1)), int(found.group(2))


def _alert_edits(h: Harness) -> list[tuple[MessageRef, str]]:
    return [(m, n.text) for m, n in h.platform.edits if n.kind is NoticeKind.RAID_ALERT]


async def test_a_restart_mid_wave_edits_the_same_alert_with_the_full_totals(
        harness: Harness) -> None:
    h = harness
    await flood(h, authors=10, messages=60)
    await h.services.raid.drain()
    before, accounts = _figures(h.platform.edits[-1][1].text)
    alerts = {m for m, _ in _alert_edits(h)}
    assert accounts == 10 and before > 40 and len(alerts) == 2  # staff and committee
    told = Counter(p for p, n in h.platform.dms if n.kind is NoticeKind.REMOVAL_DM)
    # the bot restarts mid-wave: new services and platform objects, the same database
    restarted = await build_harness(h.clock, h.storage)
    h.clock.advance(timedelta(seconds=5))
    await flood(restarted, authors=15, messages=40, first=100)  # 5 new authors
    assert raid_alerts(restarted, Audience.STAFF) == []  # no second alert anywhere
    assert raid_alerts(restarted, Audience.COMMITTEE) == []
    edits = _alert_edits(restarted)
    assert edits and {m for m, _ in edits} == alerts  # the same two messages, edited
    assert _figures(edits[-1][1]) == (before + 40, 15)
    # each author is still told once in the wave: only the five new ones now
    again = Counter(p for p, n in restarted.platform.dms if n.kind is NoticeKind.REMOVAL_DM)
    assert set(again) == {person(f"spam{i}") for i in range(10, 15)}
    assert not set(again) & set(told)
    # it ends by itself, on the same messages, with the totals; its row goes
    h.clock.advance(timedelta(seconds=31))
    await restarted.run_due()
    last = _alert_edits(restarted)[-1]
    assert last[0] in alerts and "Raid mode over" in last[1]
    assert _figures(last[1]) == (before + 40, 15)
    async with h.storage.transaction() as tx:
        assert await tx.count(RaidWave) == 0


async def test_a_wave_that_ends_while_the_bot_is_down_is_closed_with_its_figures(
        harness: Harness) -> None:
    h = harness
    await flood(h, authors=4, messages=30)
    await h.services.raid.drain()
    figures = _figures(h.platform.edits[-1][1].text)
    alerts = {m for m, _ in _alert_edits(h)}
    restarted = await build_harness(h.clock, h.storage)
    h.clock.advance(timedelta(minutes=5))  # back up long after the raid
    await restarted.run_due()
    ended = _alert_edits(restarted)
    assert {m for m, _ in ended} == alerts
    assert all("Raid mode over" in text and _figures(text) == figures for _, text in ended)
    async with h.storage.transaction() as tx:
        assert await tx.count(RaidWave) == 0
    # the next burst is a new wave with a new alert
    await flood(restarted, authors=4, messages=30, first=100)
    assert len(raid_alerts(restarted, Audience.COMMITTEE)) == 1


async def test_a_wave_kept_in_the_database_names_nobody(harness: Harness) -> None:
    h = harness
    await flood(h, authors=6, messages=40)
    await h.services.raid.drain()
    async with h.storage.transaction() as tx:
        [row] = await tx.find(RaidWave)
    assert len(row.accounts) == 6 and row.removed > 0
    assert not any(f"spam{i}" in repr(row) for i in range(6))
