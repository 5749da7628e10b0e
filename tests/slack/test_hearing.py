"""The subject is heard on Slack, through the real Bolt app against the fake: the DM with
its statement button and form, the committee's thread and ``/case show``, the tally, the
reminder, closed DMs, and the committee's relayed conversation both ways (DMs arrive as
``message`` events with ``channel_type: im``)."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.core.models import Case, CaseStatus, Motion, Report
from tests.slack.conftest import (
    COMMITTEE,
    COMMITTEE_CH,
    GENERAL,
    OUTSIDER,
    REPORTER,
    STAFF_USER,
    SUBJECT,
    SlackWorld,
)
from tests.slack.test_committee import _motion, _react
from tests.slack.test_conflicts import private_refusal

INSULT = "you are all idiots"


async def escalated(world: SlackWorld) -> Case:
    """The reporter reports the subject's message; staff escalate it from the queue."""
    await world.seat_committee()
    ts = world.fake.add_message(GENERAL, SUBJECT, INSULT)
    await world.shortcut("report_message", GENERAL, ts, SUBJECT, INSULT, user=REPORTER)
    await world.submit_view(world.last_view(), {
        "reason": {"type": "plain_text_input", "value": "Reporter-words: aimed at me"},
        "anonymous": {"type": "checkboxes", "selected_options": []}})
    async with world.app.storage.transaction() as tx:
        [report] = await tx.find(Report)
    await world.click("coc_triage_escalate", report.id)
    async with world.app.storage.transaction() as tx:
        [case] = await tx.find(Case)
    assert case.thread is not None
    return case


def thread_texts(world: SlackWorld, case: Case) -> list[str]:
    assert case.thread is not None
    channel, thread_ts = case.thread.id.split("/")
    return [str(c.get("text")) for c in world.fake.called("chat.postMessage", channel=channel,
                                                          thread_ts=thread_ts)]


def dms(world: SlackWorld, user: str = SUBJECT) -> list[dict[str, object]]:
    return [c.params for c in world.fake.called("chat.postMessage", channel=f"D{user}")]


def button(params: dict[str, object], action_id: str) -> dict[str, object]:
    for block in params.get("blocks") or []:  # type: ignore[attr-defined]
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return element  # type: ignore[no-any-return]
    raise AssertionError(f"no {action_id} button in {params.get('text')!r}")


async def dm(world: SlackWorld, user: str, text: str) -> int:
    return await world.event({"type": "message", "channel": f"D{user}", "channel_type": "im",
                              "user": user, "text": text, "ts": world.fake.next_ts()})


async def test_subject_is_asked_and_the_statement_reaches_the_committee(
        world: SlackWorld) -> None:
    case = await escalated(world)
    [ask] = [p for p in dms(world) if case.id in str(p["text"])]
    assert INSULT in str(ask["text"])
    assert REPORTER not in json.dumps(ask) and "Reporter-words" not in json.dumps(ask)
    statement = button(ask, "coc_statement")
    assert statement["value"] == case.id

    # a click from anyone else is refused and opens nothing
    views = len(world.fake.called("views.open"))
    await world.click("coc_statement", case.id, user=OUTSIDER, channel=f"D{OUTSIDER}")
    assert len(world.fake.called("views.open")) == views
    assert "Only the person" in world.fake.responses()[-1]

    await world.click("coc_statement", case.id, user=SUBJECT, channel=f"D{SUBJECT}")
    view = world.last_view()
    assert view["callback_id"] == "coc_statement_view"
    await world.submit_view(view, {"statement": {"type": "plain_text_input",
                                                 "value": "I was angry. <!channel> sorry"}},
                            user=SUBJECT)
    assert any("with the committee" in str(p["text"]) for p in dms(world))
    shown = [t for t in thread_texts(world, case) if "Statement from the subject" in t]
    assert shown and "I was angry" in shown[0] and "<!channel>" not in shown[0]

    await world.command("/case", f"show {case.id}", user=COMMITTEE[0], channel=COMMITTEE_CH)
    assert "I was angry" in world.fake.responses()[-1]

    await world.command("/motion", f"{case.id} Suspend for 30 days", user=COMMITTEE[0],
                        channel=COMMITTEE_CH)
    async with world.app.storage.transaction() as tx:
        [motion] = await tx.find(Motion)
    assert motion.message is not None
    await world.event({"type": "reaction_added", "user": COMMITTEE[1],
                       "reaction": "white_check_mark", "item_user": "UBOT",
                       "item": {"type": "message", "channel": motion.message.channel,
                                "ts": motion.message.id}, "event_ts": "1"})
    updates = world.fake.called("chat.update", ts=motion.message.id)
    assert updates and "Subject's statement: received" in str(updates[-1].get("text"))
    assert any("voting" in str(p["text"]) for p in dms(world))


async def test_the_reminder_fires_on_the_fake_clock(world: SlackWorld) -> None:
    case = await escalated(world)
    world.clock.advance(timedelta(days=5, minutes=1))
    await world.app.timed.run_due()
    [reminder] = [p for p in dms(world) if "Reminder" in str(p["text"])]
    assert case.id in str(reminder["text"]) and button(reminder, "coc_statement")


async def test_closed_dms_tell_staff(world: SlackWorld) -> None:
    world.fake.unreachable.add(SUBJECT)
    case = await escalated(world)
    alerts = [c for c in world.fake.called("chat.postMessage", channel="CQUEUE")
              if case.id in str(c.get("text")) and "unreachable" in str(c.get("text"))]
    assert alerts
    assert (await world.app.services.cases.get(case.id)).subject_unreachable_at is not None


async def test_a_relayed_conversation_both_ways_then_ended(world: SlackWorld) -> None:
    case = await escalated(world)
    member = COMMITTEE[2]
    await world.command("/case", f"contact {case.id}", user=member, channel=COMMITTEE_CH)
    assert "was told" in world.fake.responses()[-1]
    invite = [p for p in dms(world) if "would like to talk" in str(p["text"])][-1]
    assert member not in json.dumps(invite)

    await dm(world, SUBJECT, "I would like to explain <!here>")
    relayed = [t for t in thread_texts(world, case) if "The subject wrote" in t]
    assert relayed and "I would like to explain" in relayed[0] and "<!here>" not in relayed[0]
    assert any("Passed on" in str(p["text"]) for p in dms(world))

    await world.command("/case", f"reply {case.id} Please tell us more.", user=member,
                        channel=COMMITTEE_CH)
    assert "Member Review Committee" in world.fake.responses()[-1]
    [to_subject] = [p for p in dms(world) if "Please tell us more" in str(p["text"])]
    assert "Member Review Committee" in str(to_subject["text"])
    assert member not in json.dumps(to_subject)

    # not party to the conversation: refused privately, nothing relayed
    for outsider in (OUTSIDER, STAFF_USER, REPORTER):
        await world.command("/case", f"reply {case.id} Hi there", user=outsider)
        assert "Only seated members" in world.fake.responses()[-1]
    assert not any("Hi there" in str(p["text"]) for p in dms(world))
    await dm(world, OUTSIDER, "let me in")
    assert not any("let me in" in t for t in thread_texts(world, case))

    await world.click("coc_end_contact", case.id, user=SUBJECT, channel=f"D{SUBJECT}")
    assert "ended" in world.fake.responses()[-1]
    assert any("ended by the subject" in t for t in thread_texts(world, case))
    await dm(world, SUBJECT, "after the end")
    assert not any("after the end" in t for t in thread_texts(world, case))
    assert "not passed on" in str(dms(world)[-1]["text"])
    await world.command("/case", f"show {case.id}", user=COMMITTEE[0], channel=COMMITTEE_CH)
    show = world.fake.responses()[-1]
    assert "2 message(s) relayed" in show and "ended" in show



async def test_decide_waits_for_the_statement_unless_a_reason_is_given(
        world: SlackWorld) -> None:
    """/decide before the subject answered and before their deadline is refused,
    privately, saying until when and how to decide anyway; a blank reason and stray words
    (never taken for a reason) are refused; ``without_statement:`` and a reason decide,
    and the thread shows it."""
    case = await escalated(world)
    motion = await _motion(world, case)
    for member in COMMITTEE[:4]:
        await _react(world, motion, member, "white_check_mark")
    assert case.statement_due_at is not None
    due = f"<!date^{int(case.statement_due_at.timestamp())}^"
    before = len(dms(world))

    async def refused(text: str) -> str:
        await world.command("/decide", text, user=COMMITTEE[0], channel=COMMITTEE_CH)
        said = private_refusal(world)
        assert "Nothing was changed" in said, said
        return said

    said = await refused(case.id)
    assert f"until {due}" in said and "without_statement:" in said
    assert "at least 3 words" in await refused(f"{case.id} without_statement:   ")
    assert "Usage: /decide" in await refused(f"{case.id} as agreed in the call")
    assert len(dms(world)) == before  # nothing reached the subject
    assert (await world.app.services.cases.get(case.id)).status is CaseStatus.OPEN

    await world.command("/decide", f"{case.id} Without_Statement: they said they will not "
                                   "answer", user=COMMITTEE[0], channel=COMMITTEE_CH)
    assert "Appeals are open until" in world.fake.responses()[-1]
    assert "has decided" in str(dms(world)[-1].get("text"))
    [note] = [t for t in thread_texts(world, case) if "without the subject's statement" in t]
    assert "they said they will not answer" in note and due in note
    assert f"<@{COMMITTEE[0]}>" in note
