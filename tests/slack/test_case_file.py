"""``/case file`` on Slack: the case file reaches the requester's DM through Slack's
external upload (files.getUploadURLExternal, the bytes, files.completeUploadExternal), the
anonymous reporter is nowhere in it, and a recused member is refused with nothing sent."""

from __future__ import annotations

import json

from bot.core.models import Case, Report
from bot.core.ports import Attachment, Audience, Notice, NoticeKind
from tests.slack.conftest import COMMITTEE, COMMITTEE_CH, REPORTER, STAFF_USER, SUBJECT, SlackWorld


async def anonymous_case(world: SlackWorld) -> Case:
    await world.seat_committee()
    await world.command("/report", f"anonymous <@{SUBJECT}|s> keeps insulting everyone",
                        user=REPORTER)
    async with world.app.storage.transaction() as tx:
        [report] = await tx.find(Report)
    await world.click("coc_triage_escalate", report.id)
    async with world.app.storage.transaction() as tx:
        [case] = await tx.find(Case)
    return case


async def test_staff_get_the_file_by_dm_and_the_reporter_stays_anonymous(
        world: SlackWorld) -> None:
    fake = world.fake
    case = await anonymous_case(world)
    await world.command("/case", f"file {case.id}", user=STAFF_USER)
    assert fake.responses()[-1] == (f"The file of case {case.id} is in your direct messages "
                                    "(JSON and HTML). Sending it was recorded.")
    shared = fake.files_shared_in(f"D{STAFF_USER}")
    assert sorted(u.filename for u in shared) == [f"{case.id}.html", f"{case.id}.json"]
    assert [c.method for c in fake.calls if c.method.startswith("files.") or
            c.method == "upload"] == ["files.getUploadURLExternal",
                                      "files.getUploadURLExternal", "upload", "upload",
                                      "files.completeUploadExternal"]
    assert any(f"The file of case {case.id}" in t for t in fake.dm_texts(STAFF_USER))
    by_name = {u.filename: u.data or b"" for u in shared}
    assert json.loads(by_name[f"{case.id}.json"])["case"]["id"] == case.id
    for data in by_name.values():  # adversarial: the anonymous reporter, anywhere
        assert REPORTER.encode() not in data and SUBJECT.encode() in data


async def test_a_recused_member_is_refused_and_nothing_is_uploaded(world: SlackWorld) -> None:
    fake = world.fake
    case = await anonymous_case(world)
    member = COMMITTEE[0]
    await world.command("/recuse", f"{case.id} the subject is my business partner",
                        user=member, channel=COMMITTEE_CH)
    await world.command("/case", f"file {case.id}", user=member, channel=COMMITTEE_CH)
    reply = fake.responses()[-1]
    assert reply.startswith(f"You cannot receive the file of case {case.id}: you recused")
    assert "Nothing was sent" in reply
    assert fake.called("files.getUploadURLExternal") == []
    assert fake.files_shared_in(f"D{member}") == []


async def test_a_post_with_a_file_uploads_it_into_that_channel(world: SlackWorld) -> None:
    """The monthly digest's chart: the text, then the file shared in the same channel."""
    chart = Attachment("digest-2026-02.png", "image/png", b"\x89PNG\r\n\x1a\nfake")
    await world.front.platform.post(Audience.COMMITTEE, Notice(
        NoticeKind.DIGEST, "Monthly digest", attachments=(chart,)))
    [shared] = world.fake.files_shared_in(COMMITTEE_CH)
    assert (shared.filename, shared.data) == (chart.filename, chart.data)
    assert world.fake.called("chat.postMessage", channel=COMMITTEE_CH)
