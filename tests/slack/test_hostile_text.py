"""Hostile text typed into every field a person can fill in on Slack never pings, never
turns into a control sequence, and personal information goes no further than it must.

Paths: /report, the report form (shortcut and /report without text), the suspend form,
/remove's note, /suspend's reason, /case open and close, /motion, /recuse, /overrule,
/appeal and /appeal decide. Then one scan of every text the fake Slack received.
"""

from __future__ import annotations

from bot.core.models import Case, Incident, Motion, Report
from tests.fakes.outbound import scan_slack
from tests.slack.conftest import (
    COMMITTEE,
    COMMITTEE_CH,
    COUNSEL,
    EXEC_CH,
    EXECUTIVE,
    GENERAL,
    OUTSIDER,
    QUEUE,
    REPORTER,
    STAFF_USER,
    SUBJECT,
    SlackWorld,
)
from tests.slack.helpers import link

EMAIL, PHONE = "jane.roe@gmail.com", "(312) 555-0123"
VICTIM = "UVICTIM"  # somebody with nothing to do with any of it
SECRETS = [EMAIL, "555-0123", f"<@{VICTIM}>", "<https://evil", "](https://evil"]


def hostile(field: str) -> str:
    """Slack's special syntax as a slash command delivers it, Discord's, and contact details."""
    return (f"{field}: <!channel> <!here> <!everyone> <!subteam^S123|@staff> @channel @here "
            f"@everyone <@{VICTIM}> <#{QUEUE}> <https://evil.example|the Code> "
            f"[your file](https://evil.example) write to {EMAIL} or call {PHONE}")


async def _reports(world: SlackWorld) -> None:
    quoted = hostile("message")
    ts = world.fake.add_message(GENERAL, SUBJECT, quoted)
    assert await world.command("/report", f"<@{SUBJECT}> {hostile('report')}",
                               user=REPORTER) == 200
    await world.shortcut("report_message", GENERAL, ts, SUBJECT, quoted, user=REPORTER)
    await world.submit_view(world.last_view(), {
        "reason": {"type": "plain_text_input", "value": hostile("form")},
        "anonymous": {"type": "checkboxes", "selected_options": []}})
    await world.command("/report", "", user=REPORTER)
    await world.submit_view(world.last_view(), {
        "target": {"type": "users_select", "selected_user": SUBJECT},
        "link": {"type": "plain_text_input", "value": link(GENERAL, ts)},
        "reason": {"type": "plain_text_input", "value": hostile("modal")},
        "anonymous": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}})
    queued = world.fake.called("chat.postMessage", channel=QUEUE)
    assert len(queued) == 3, world.fake.responses()
    ref = queued[-1].params["blocks"][1]["elements"][0]["value"]
    await world.click("coc_triage_suspend", ref)
    await world.submit_view(world.last_view(), {
        "duration": {"type": "plain_text_input", "value": "2d"},
        "scope": {"type": "static_select", "selected_option": {"value": "space"}},
        "clause": {"type": "static_select", "selected_option": {"value": "no-harassment"}},
        "reason": {"type": "plain_text_input", "value": hostile("suspend form")}},
        user=STAFF_USER)
    await world.command("/remove", f"{link(GENERAL, ts)} no-harassment {hostile('note')}")
    assert "Removed" in world.fake.responses()[-1], world.fake.responses()[-1]
    await world.command("/suspend", f"<@{OUTSIDER}> 1d workspace {hostile('suspension')}")


async def _committee(world: SlackWorld) -> None:
    await world.seat_committee()
    await world.command("/case", f"open <@{SUBJECT}> {hostile('summary')}")
    await world.command("/case", f"open <@{OUTSIDER}> {hostile('other')}")
    async with world.app.storage.transaction() as tx:
        case, other = sorted(await tx.find(Case), key=lambda c: c.subject.id != SUBJECT)
    await world.command("/case", f"close {other.id} {hostile('close')}")
    await world.command("/recuse", f"{case.id} {hostile('recusal')}", user=COMMITTEE[4])
    await world.command("/motion", f"{case.id} {hostile('motion')}", user=COMMITTEE[0],
                        channel=COMMITTEE_CH)
    async with world.app.storage.transaction() as tx:
        (motion,) = await tx.find(Motion, case_id=case.id)
    assert motion.message is not None, world.fake.responses()
    for member in COMMITTEE[:4]:
        await world.event({"type": "reaction_added", "user": member,
                           "reaction": "white_check_mark", "item_user": "UBOT",
                           "item": {"type": "message", "channel": motion.message.channel,
                                    "ts": motion.message.id}, "event_ts": "1"})
    await world.command("/overrule", f"{case.id} {hostile('overrule')}", user=COUNSEL,
                        channel=COMMITTEE_CH)
    assert "overruled" in world.fake.responses()[-1], world.fake.responses()[-1]
    await world.command("/motion", f"{case.id} {hostile('motion two')}", user=COMMITTEE[0],
                        channel=COMMITTEE_CH)
    async with world.app.storage.transaction() as tx:
        (second,) = [m for m in await tx.find(Motion, case_id=case.id) if m.id != motion.id]
    assert second.message is not None, world.fake.responses()
    for member in COMMITTEE[:4]:
        await world.event({"type": "reaction_added", "user": member,
                           "reaction": "white_check_mark", "item_user": "UBOT",
                           "item": {"type": "message", "channel": second.message.channel,
                                    "ts": second.message.id}, "event_ts": "1"})
    await world.hear(case.id)
    await world.command("/decide", case.id, user=COMMITTEE[0], channel=COMMITTEE_CH)
    await world.command("/appeal", f"{case.id} {hostile('appeal')}", user=SUBJECT,
                        channel=f"D{SUBJECT}")
    filed = world.fake.called("chat.postMessage", channel=EXEC_CH)
    assert filed, world.fake.responses()
    appeal_ref = filed[-1].params["text"].split("Appeal ")[1].split("*")[0]
    await world.command("/appeal", f"decide {appeal_ref} upheld {hostile('verdict')}",
                        user=EXECUTIVE, channel=EXEC_CH)
    assert "upheld" in world.fake.responses()[-1], world.fake.responses()[-1]


async def test_nothing_a_person_types_pings_or_leaks_personal_data(world: SlackWorld) -> None:
    await _reports(world)
    await _committee(world)
    problems = scan_slack(world.fake, SECRETS)
    assert problems == [], "\n".join(problems)
    # Still readable: Slack shows &lt; as "<", and contact details read as what they were.
    appeal = world.fake.called("chat.postMessage", channel=EXEC_CH)[0].get("text")
    assert "appeal: &lt;!channel>" in appeal and "[email removed]" in appeal
    assert "[phone removed]" in appeal
    async with world.app.storage.transaction() as tx:
        reports = await tx.find(Report)
        incidents = await tx.find(Incident)
    assert all(EMAIL not in (r.message_excerpt or "") for r in reports)
    assert incidents and all(EMAIL not in (i.excerpt or "") for i in incidents)


async def test_the_scanner_sees_what_it_is_for(world: SlackWorld) -> None:
    """Guard against a scanner that cannot fail: a raw ping and a raw address are found."""
    await world.front.deps.platform.ephemeral(GENERAL, REPORTER, f"<!here> {EMAIL}")
    problems = scan_slack(world.fake, [EMAIL])
    assert any("<!here>" in p for p in problems) and any(EMAIL in p for p in problems)


async def test_automod_redaction_quotes_no_contact_details(world: SlackWorld) -> None:
    """Item 3 of the Trust issue on Slack: the message goes, and so do the details."""
    ts = world.fake.add_message(GENERAL, SUBJECT, f"her email is {EMAIL}, cell {PHONE}")
    await world.event({"type": "message", "channel": GENERAL, "user": SUBJECT, "ts": ts,
                       "text": f"her email is {EMAIL}, cell {PHONE}", "event_ts": ts})
    summary = world.fake.called("chat.postMessage", channel=COMMITTEE_CH)
    assert summary, [c.method for c in world.fake.calls]
    assert "[email removed]" in summary[0].get("text")
    assert "[phone removed]" in summary[0].get("text")
    assert world.fake.called("chat.delete", channel=GENERAL, ts=ts)
    async with world.app.storage.transaction() as tx:
        (incident,) = await tx.find(Incident)
    assert incident.kind.value == "redaction" and incident.excerpt is not None
    assert EMAIL not in incident.excerpt and "555" not in incident.excerpt
    assert scan_slack(world.fake, [EMAIL, "555-0123"]) == []


# Contact details typed only in fullwidth forms: no ASCII digit or "@" anywhere.
WIDE_EMAIL, WIDE_PHONE = "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "(３１２) ５５５-０１２３"


async def test_fullwidth_contact_details_are_masked_in_the_queue(world: SlackWorld) -> None:
    """A reason written with fullwidth "＠" and digits reads as an address and a number to
    every person, so it is masked in the staff queue like its ASCII form."""
    assert await world.command(
        "/report", f"<@{SUBJECT}> she posted {WIDE_EMAIL} and {WIDE_PHONE}",
        user=REPORTER) == 200
    (queued,) = world.fake.called("chat.postMessage", channel=QUEUE)
    assert "[email removed]" in str(queued.params) and "[phone removed]" in str(queued.params)
    assert scan_slack(world.fake, [WIDE_EMAIL, "５５５-０１２３"]) == []
