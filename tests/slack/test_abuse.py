"""Abuse of reporting on Slack: three bad-faith dismissals make an incident, and an
anonymous reporter comes out of it still anonymous to everyone but themselves."""

from __future__ import annotations

import re

from bot.core.models import Report, ReportStatus
from tests.slack.conftest import COMMITTEE, COMMITTEE_CH, REPORTER, STAFF_USER, SUBJECT, SlackWorld

PSEUDONYM = re.compile(r"~[a-z2-7]{6}")


async def report_and_dismiss(world: SlackWorld, reporter: str, *, anonymous: bool,
                             private: list[range]) -> str:
    fake = world.fake
    start = len(fake.calls)
    words = "anonymous " if anonymous else ""
    await world.command("/report", f"{words}<@{SUBJECT}|s> keeps insulting everyone",
                        user=reporter)
    private.append(range(start, len(fake.calls)))  # the reporter's own acknowledgement
    async with world.app.storage.transaction() as tx:
        [report] = await tx.find(Report, status=ReportStatus.OPEN)
    await world.click("coc_triage_badfaith", report.id)
    return fake.responses()[-1]


def committee_posts(world: SlackWorld) -> list[str]:
    return [c.text for c in world.fake.called("chat.postMessage", channel=COMMITTEE_CH)]


async def test_three_named_bad_faith_reports_make_an_incident(world: SlackWorld) -> None:
    fake = world.fake
    for _ in range(2):
        await report_and_dismiss(world, REPORTER, anonymous=False, private=[])
    assert fake.dm_texts(REPORTER) == []
    await report_and_dismiss(world, REPORTER, anonymous=False, private=[])
    [dm] = fake.dm_texts(REPORTER)
    assert "3 of your reports" in dm and "abuse the reporting process" in dm
    [summary] = [t for t in committee_posts(world) if "abuse-of-reporting" in t]
    assert f"<@{REPORTER}>" in summary
    ref = re.search(r"I-[0-9A-Z]{7}", summary)
    assert ref is not None
    await world.command("/history", f"<@{REPORTER}|r>", user=STAFF_USER)
    assert ref.group(0) in fake.responses()[-1]


async def test_an_anonymous_reporter_is_held_to_account_without_being_named(
        world: SlackWorld) -> None:
    fake = world.fake
    await world.seat_committee()
    reporter = COMMITTEE[4]
    private: list[range] = []
    for _ in range(3):
        confirmation = await report_and_dismiss(world, reporter, anonymous=True,
                                                private=private)
    found = PSEUDONYM.search(confirmation)
    assert found and "3 dismissed in bad faith" in confirmation
    [dm] = fake.dm_texts(reporter)
    assert "3 of your reports" in dm
    [summary] = [t for t in committee_posts(world) if "abuse-of-reporting" in t]
    assert f"anonymous reporter {found.group(0)}" in summary

    start = len(fake.calls)
    await world.command("/history", f"<@{reporter}|r>", user=STAFF_USER)
    history = fake.responses()[-1]
    private.append(range(start, len(fake.calls)))
    assert "I-" not in history and "abuse" not in history
    shown = [c for n, c in enumerate(fake.calls)
             if not any(n in window for window in private)
             and c.get("channel") != f"D{reporter}" and c.get("user") != reporter
             and c.get("users") != reporter]
    assert len(shown) > 5
    for call in shown:
        assert reporter not in call.text, (call.method, call.text[:300])
