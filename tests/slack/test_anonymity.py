"""A committee member reports anonymously, twice, and appeals: nothing the bot sends to
anyone but themselves carries a trace of them (id, mention), on Slack."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.core.models import Case, Motion, Report, ReportStatus
from tests.slack.conftest import (
    COMMITTEE,
    COMMITTEE_CH,
    EXEC_CH,
    QUEUE,
    STAFF_USER,
    SUBJECT,
    SlackWorld,
)

REPORTER = COMMITTEE[4]  # a committee member, so they are also kept off the case
PSEUDONYM = re.compile(r"~[a-z2-7]{6}")


async def only(world: SlackWorld, cls: type[Report] | type[Case] | type[Motion],
               **where: object) -> object:
    async with world.app.storage.transaction() as tx:
        [found] = await tx.find(cls, **where)
    return found


async def test_full_anonymous_flow_leaves_no_trace_of_the_reporter(world: SlackWorld) -> None:
    fake = world.fake
    await world.seat_committee()
    private: list[range] = []  # call indexes of replies only the reporter (or the check) sees

    async def aside(act: Callable[[], Awaitable[int]]) -> None:
        start = len(fake.calls)
        await act()
        private.append(range(start, len(fake.calls)))

    async def report() -> None:
        await aside(lambda: world.command(
            "/report", f"anonymous <@{SUBJECT}|s> keeps insulting everyone", user=REPORTER))

    # 1. An anonymous report, dismissed in bad faith: staff see a pseudonym and its record.
    await report()
    first = await only(world, Report, status=ReportStatus.OPEN)
    assert isinstance(first, Report)
    await world.click("coc_triage_badfaith", first.id)
    confirmation = fake.responses()[-1]
    found = PSEUDONYM.search(confirmation)
    assert found and "1 dismissed in bad faith" in confirmation

    # 2. /history of the reporter is that of a member who never reported.
    await aside(lambda: world.command("/history", f"<@{REPORTER}|r>", user=STAFF_USER))
    history = fake.responses()[-1]
    await world.command("/history", f"<@{COMMITTEE[3]}|c>", user=STAFF_USER)
    control = fake.responses()[-1]
    assert history.replace(REPORTER, "X") == control.replace(COMMITTEE[3], "X")
    assert "bad faith" not in history

    # 3. A second anonymous report shows the pseudonym's record, and is escalated.
    await report()
    second = await only(world, Report, status=ReportStatus.OPEN)
    assert isinstance(second, Report)
    queued = fake.called("chat.postMessage", channel=QUEUE)[-1].text
    assert f"{found.group(0)}: 1 dismissed in bad faith" in queued
    await world.click("coc_triage_escalate", second.id)
    case = await only(world, Case)
    assert isinstance(case, Case) and case.thread is not None
    in_thread = " ".join(c.text for c in fake.called("chat.postMessage", channel=COMMITTEE_CH))
    assert "Members taking part" not in in_thread and "Eligible" not in in_thread

    # 4. The reporter's reaction vote is refused privately; four others decide.
    await world.command("/motion", f"{case.id} A written warning", user=COMMITTEE[0],
                        channel=COMMITTEE_CH)
    motion = await only(world, Motion)
    assert isinstance(motion, Motion) and motion.message is not None
    message = motion.message

    def vote(voter: str) -> Awaitable[int]:
        return world.event({"type": "reaction_added", "user": voter,
                            "reaction": "white_check_mark", "item_user": "UBOT",
                            "item": {"type": "message", "channel": message.channel,
                                     "ts": message.id}, "event_ts": "1"})

    await aside(lambda: vote(REPORTER))
    for member in COMMITTEE[:4]:
        await vote(member)
    [refused] = [c.get("text") for c in fake.called("chat.postEphemeral", user=REPORTER)
                 if "does not count" in c.get("text")]
    assert "You reported this case" in refused
    await world.hear(case.id)
    await world.command("/decide", case.id, user=COMMITTEE[0], channel=COMMITTEE_CH)

    # 5. The reporter appeals; the Executive Committee is not told who.
    await aside(lambda: world.command(
        "/appeal", f"{case.id} The warning does not protect the people he insulted.",
        user=REPORTER, channel=f"D{REPORTER}"))
    filed = fake.called("chat.postMessage", channel=EXEC_CH)[-1].text
    assert "the reporter (anonymous)" in filed and case.id in filed

    # Nothing anyone else received carries the reporter's id or mention.
    shown = [c for n, c in enumerate(fake.calls)
             if not any(n in window for window in private)
             and c.get("channel") != f"D{REPORTER}" and c.get("user") != REPORTER
             and c.get("users") != REPORTER]
    assert len(shown) > 15  # the flow really ran
    for call in shown:
        assert REPORTER not in call.text, (call.method, call.text[:300])
