"""Participants report on Slack; staff triage from the queue; the reporter stays private."""

from __future__ import annotations

import json
from pathlib import Path

from bot.core.models import Report, ReportStatus
from tests.slack.conftest import (
    GENERAL,
    QUEUE,
    RANDOM,
    REPORTER,
    STAFF_USER,
    SUBJECT,
    SlackWorld,
    make_world,
)
from tests.slack.helpers import eventually, link, seen_by_subject_or_public


async def _only_report(world: SlackWorld) -> Report:
    async with world.app.storage.transaction() as tx:
        found = await tx.find(Report)
    assert len(found) == 1
    return found[0]


async def test_report_command_queues_with_buttons_and_answers_privately(
        world: SlackWorld) -> None:
    ts = world.fake.add_message(GENERAL, SUBJECT, "you are all idiots")
    await world.command("/report", f"<@{SUBJECT}|sub> {link(GENERAL, ts)} insulted everyone",
                        user=REPORTER)
    report = await _only_report(world)
    assert report.message_excerpt == "you are all idiots"
    queued = world.fake.called("chat.postMessage", channel=QUEUE)
    assert len(queued) == 1
    actions = queued[0].params["blocks"][1]["elements"]
    assert [a["action_id"] for a in actions] == [
        "coc_triage_dismiss", "coc_triage_badfaith", "coc_triage_remove",
        "coc_triage_suspend", "coc_triage_escalate"]
    assert all(a["value"] == report.id for a in actions)
    reply = world.fake.called("response_url")[-1].params
    assert report.id in reply["text"] and reply["response_type"] == "ephemeral"
    assert "business day" in reply["text"]


async def test_report_without_text_opens_the_form(world: SlackWorld) -> None:
    await world.command("/report", "", user=REPORTER)
    view = world.last_view()
    assert view["callback_id"] == "coc_report"
    assert {b["block_id"] for b in view["blocks"]} == {"target", "link", "reason", "anonymous"}
    await world.submit_view(view, {
        "target": {"type": "users_select", "selected_user": SUBJECT},
        "reason": {"type": "plain_text_input", "value": "keeps DMing me"},
        "anonymous": {"type": "checkboxes", "selected_options": []}})
    report = await _only_report(world)
    assert report.target == world.person(SUBJECT) and not report.anonymous
    assert world.fake.called("chat.postEphemeral", channel=GENERAL, user=REPORTER)


async def test_anonymous_shortcut_report_never_reaches_the_subject_or_public(
        world: SlackWorld) -> None:
    ts = world.fake.add_message(GENERAL, SUBJECT, "here is Jo's home address")
    await world.shortcut("report_message", GENERAL, ts, SUBJECT, "here is Jo's home address",
                         user=REPORTER)
    view = world.last_view()
    assert view["callback_id"] == "coc_report"
    assert json.loads(view["private_metadata"])["a"] == SUBJECT
    await world.submit_view(view, {
        "reason": {"type": "plain_text_input", "value": "doxxing"},
        "anonymous": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}})
    report = await _only_report(world)
    assert report.anonymous and report.message is not None
    ack = world.fake.called("chat.postEphemeral", user=REPORTER)[-1]
    assert report.id in ack.get("text")
    queue = world.fake.called("chat.postMessage", channel=QUEUE)[0]
    assert "anonymous" in queue.get("text") and REPORTER not in queue.text

    # Staff act on it from the queue: remove with a clause.
    await world.click("coc_triage_remove", report.id, message_ts="9.000001")
    select = world.fake.called("response_url")[-1].params["blocks"][1]
    assert select["block_id"] == f"coc_rm:{report.id}"
    await world.select(select["block_id"], "no-private-info")
    assert world.fake.called("chat.delete", channel=GENERAL, ts=ts)[0].token == "xoxp-admin"

    seen = seen_by_subject_or_public(world.fake, SUBJECT, (GENERAL, RANDOM))
    assert seen, "the subject was told about the removal"
    for call in seen:
        assert REPORTER not in call.text and "ureporter" not in call.text.lower()


async def test_staff_dismiss_buttons_update_the_queue_message(world: SlackWorld) -> None:
    await world.command("/report", f"<@{SUBJECT}> spam", user=REPORTER)
    report = await _only_report(world)
    queue_ts = world.fake.called("chat.postMessage", channel=QUEUE)[0]
    ts = str(world.fake.messages and next(
        k[1] for k in world.fake.messages if k[0] == QUEUE))
    await world.click("coc_triage_badfaith", report.id, message_ts=ts,
                      message_text=queue_ts.get("text"))
    updated = world.fake.called("chat.update", channel=QUEUE, ts=ts)
    assert updated and "dismissed bad faith" in updated[0].get("text")
    assert updated[0].get("blocks") == []  # the buttons are gone
    assert (await _only_report(world)).status is ReportStatus.DISMISSED_BAD_FAITH
    history = await world.app.services.reports.bad_faith_count(world.person(REPORTER))
    assert history == 1


async def test_a_participant_cannot_use_the_queue_buttons(world: SlackWorld) -> None:
    await world.command("/report", f"<@{SUBJECT}> spam", user=REPORTER)
    report = await _only_report(world)
    await world.click("coc_triage_dismiss", report.id, user=SUBJECT)
    assert "Only staff can" in world.fake.responses()[-1]
    assert (await _only_report(world)).status is ReportStatus.OPEN
    assert STAFF_USER not in world.fake.responses()[-1]


async def test_http_mode_acks_before_working(tmp_path: Path) -> None:
    """Without process_before_response Bolt answers Slack at once and works afterwards."""
    async for world in make_world(tmp_path, process_before_response=False):
        status = await world.command("/report", f"<@{SUBJECT}> spam", user=REPORTER)
        assert status == 200
        await eventually(lambda w=world: bool(w.fake.responses()))  # type: ignore[misc]
        assert "R-" in world.fake.responses()[-1]
