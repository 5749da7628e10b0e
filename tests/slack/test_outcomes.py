"""Issue 11 on Slack, through the real Bolt app: a permanent removal with its review date,
a statement published only once the decision is final, and the reporter's wishes."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.core.models import Case, Motion, MotionStatus
from bot.core.services import ReportDraft
from tests.slack.conftest import (
    ANNOUNCE,
    COMMITTEE,
    COMMITTEE_CH,
    COUNSEL,
    OUTSIDER,
    QUEUE,
    REPORTER,
    SUBJECT,
    SlackWorld,
)
from tests.slack.test_committee import _open_case, _react

STATEMENT = "The committee removed a member for harassment. <!channel>"


async def test_permanent_removal_with_review_is_told_and_reminded(world: SlackWorld) -> None:
    await world.command("/suspend", f"<@{SUBJECT}> permanent workspace Threats after "
                                    "warnings review=1y")
    assert "Review date" in world.fake.responses()[-1], world.fake.responses()
    assert any("The committee will review this on" in t for t in world.fake.dm_texts(SUBJECT))
    world.clock.advance(timedelta(days=366))
    assert len([r for r in await world.app.timed.run_due() if r.ran]) >= 1
    reminders = [c.text for c in world.fake.called("chat.postMessage", channel=COMMITTEE_CH)
                 if "reached its review date" in c.text]
    assert len(reminders) == 1 and "Threats after warnings" in reminders[0]


async def test_a_review_that_is_not_a_period_is_refused(world: SlackWorld) -> None:
    await world.command("/suspend", f"<@{SUBJECT}> permanent workspace Threats review=soon")
    assert "not a review period" in world.fake.responses()[-1]
    await world.command("/suspend", f"<@{SUBJECT}> 7d workspace Threats review=1y")
    assert "only to a permanent suspension" in world.fake.responses()[-1]
    assert not world.fake.dm_texts(SUBJECT) and not world.fake.called("conversations.kick")


async def _carried_with_statement(world: SlackWorld) -> tuple[Case, Motion]:
    case = await _open_case(world)
    await world.command("/motion", f"{case.id} Warn publicly statement: {STATEMENT}",
                        user=COMMITTEE[0], channel=COMMITTEE_CH)
    async with world.app.storage.transaction() as tx:
        (motion,) = await tx.find(Motion, case_id=case.id)
    assert motion.public_statement == STATEMENT and motion.text == "Warn publicly"
    for member in COMMITTEE[:4]:
        await _react(world, motion, member, "white_check_mark")
    async with world.app.storage.transaction() as tx:
        carried = await tx.get(Motion, motion.id)
    assert carried is not None and carried.status is MotionStatus.CARRIED
    return case, carried


def _publish_buttons(world: SlackWorld) -> list[str]:
    found = []
    for call in world.fake.called("chat.postMessage", channel=QUEUE):
        for block in call.params.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("action_id") == "coc_publish":
                    found.append(str(element["value"]))
    return found


async def test_a_carried_statement_is_published_by_staff_once(world: SlackWorld) -> None:
    case, motion = await _carried_with_statement(world)
    await world.hear(case.id)
    await world.command("/decide", case.id, user=COMMITTEE[1], channel=COMMITTEE_CH)
    assert _publish_buttons(world) == [motion.id]
    await world.click("coc_publish", motion.id, user=OUTSIDER)
    assert "Only staff" in world.fake.responses()[-1]
    assert not world.fake.called("chat.postMessage", channel=ANNOUNCE)
    await world.click("coc_publish", motion.id)
    assert "released by" in world.fake.responses()[-1]
    (posted,) = world.fake.called("chat.postMessage", channel=ANNOUNCE)
    assert "The committee removed a member" in posted.text
    assert "<!channel>" not in posted.text  # user text never pings
    await world.click("coc_publish", motion.id)
    assert "already" in world.fake.responses()[-1].lower()
    assert len(world.fake.called("chat.postMessage", channel=ANNOUNCE)) == 1


async def test_an_overruled_statement_is_never_published(world: SlackWorld) -> None:
    case, motion = await _carried_with_statement(world)
    await world.command("/overrule", f"{case.id} Defamation risk", user=COUNSEL,
                        channel=COMMITTEE_CH)
    await world.command("/decide", case.id, user=COMMITTEE[1], channel=COMMITTEE_CH)
    assert "no carried motion" in world.fake.responses()[-1]
    await world.click("coc_publish", motion.id)
    assert "overruled" in world.fake.responses()[-1]
    assert not _publish_buttons(world)
    assert not world.fake.called("chat.postMessage", channel=ANNOUNCE)


async def _choose(world: SlackWorld, case: str, user: str, values: list[str]) -> None:
    await world.interact({
        "type": "block_actions", "user": {"id": user},
        "trigger_id": f"trigger-w-{user}-{len(values)}",
        "channel": {"id": f"D{user}"}, "container": {"type": "message"},
        "response_url": world.fake.response_url(f"wish-{user}"),
        "actions": [{"type": "multi_static_select", "action_id": "coc_wishes",
                     "block_id": f"coc_wishes:{case}", "action_ts": "1",
                     "selected_options": [{"value": v} for v in values]}]})


async def test_the_reporter_is_asked_and_only_the_committee_sees(world: SlackWorld) -> None:
    await world.seat_committee()
    report = await world.app.services.reports.submit(world.person(REPORTER), ReportDraft(
        reason="They keep insulting me", target=world.person(SUBJECT), anonymous=True))
    await world.click("coc_triage_escalate", report.id)
    async with world.app.storage.transaction() as tx:
        (case,) = await tx.find(Case)
    asked = [c for c in world.fake.called("chat.postMessage", channel=f"D{REPORTER}")
             if "Which outcomes would you welcome" in c.text]
    assert len(asked) == 1
    assert any(b.get("block_id") == f"coc_wishes:{case.id}" for b in asked[0].params["blocks"])

    await _choose(world, case.id, SUBJECT, ["nothing_further"])
    assert "Only the person whose report" in world.fake.responses()[-1]
    await _choose(world, case.id, REPORTER, ["apology", "other"])
    assert "The committee will see your answer" in world.fake.responses()[-1]
    await world.click("coc_wish_note", case.id, user=REPORTER, channel=f"D{REPORTER}")
    view = world.last_view()
    assert json.loads(view["private_metadata"])["case"] == case.id
    await world.submit_view(view, {"note": {"type": "plain_text_input",
                                            "value": "A talk with a mediator present"}})

    # A case from an anonymous report is discussed in a private conversation of its own.
    assert case.thread is not None and "/" not in case.thread.id
    shown = [c.text for c in world.fake.called("chat.postMessage", channel=case.thread.id)
             if "would welcome" in c.text]
    assert shown and "An apology" in shown[-1] and "mediator present" in shown[-1]
    assert REPORTER not in "\n".join(shown)
    await world.command("/case", f"show {case.id}")
    assert "mediator present" in world.fake.responses()[-1]
    assert not any("welcome" in t for t in world.fake.dm_texts(SUBJECT))
