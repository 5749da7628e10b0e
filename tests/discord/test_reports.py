"""Participants report through /report and the context menus; staff triage from the queue."""

from __future__ import annotations

import re

from bot.core.models import Report
from tests.discord.conftest import World, restart, settled
from tests.fakes.discord.server import labels, message_text

REF = re.compile(r"R-[0-9A-Z]{7}")


async def queue_message(world: World, count: int = 1) -> dict:  # type: ignore[type-arg]
    fake = world.fake
    await fake.wait_for(lambda: len(fake.messages[world.staff_queue]) >= count,
                        "posted the report to the staff queue")
    return list(fake.messages[world.staff_queue].values())[count - 1]


async def test_slash_report_answers_privately_and_queues_for_staff(world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.alice, "report", reason="He keeps insulting me",
                             member=world.bob)
    reply = await fake.wait_for(lambda: fake.reply_texts(token), "answered /report")
    assert REF.search(reply[0]) and "business day" in reply[0]
    assert fake.responses[token][0]["data"]["flags"] & 64  # ephemeral
    queued = await queue_message(world)
    assert "He keeps insulting me" in message_text(queued)
    assert labels(queued) == ["Dismiss", "Dismiss in bad faith", "Remove content", "Suspend",
                              "Escalate to committee"]


async def test_report_message_menu_opens_a_modal_and_stays_anonymous(world: World) -> None:
    fake = world.fake
    insult = fake.post_message(world.general, world.bob, "you are all idiots")
    token = await fake.message_menu(world.alice, "Report message", insult)
    await fake.wait_for(lambda: fake.responses.get(token), "opened the report modal")
    assert fake.responses[token][0]["type"] == 9
    submitted = await fake.submit_modal(world.alice, token, {
        "what happened": "Insulting everyone", "anonymous": "yes"})
    reply = await fake.wait_for(lambda: fake.reply_texts(submitted), "acknowledged the report")
    assert "R-" in reply[0]
    queued = message_text(await queue_message(world))
    assert "you are all idiots" in queued and "anonymous" in queued.lower()
    # The reporter's identity reaches nobody: not the queue, not the subject, not a channel.
    sent = [c for c in fake.calls if c.body and "interactions" not in c.path
            and "webhooks" not in c.path]
    for call in sent:
        assert str(world.alice.id) not in str(call.body) and "alice" not in str(call.body)


async def test_report_user_menu(world: World) -> None:
    fake = world.fake
    token = await fake.user_menu(world.alice, "Report user", world.bob)
    await fake.wait_for(lambda: fake.responses.get(token), "opened the report modal")
    submitted = await fake.submit_modal(world.alice, token, {"what happened": "Stalking me"})
    await fake.wait_for(lambda: fake.reply_texts(submitted), "acknowledged the report")
    queued = message_text(await queue_message(world))
    assert "Stalking me" in queued and str(world.bob.id) in queued


async def test_a_bad_anonymous_answer_is_refused_politely(world: World) -> None:
    fake = world.fake
    token = await fake.user_menu(world.alice, "Report user", world.bob)
    await fake.wait_for(lambda: fake.responses.get(token), "opened the report modal")
    submitted = await fake.submit_modal(world.alice, token, {
        "what happened": "Stalking me", "anonymous": "maybe"})
    reply = await fake.wait_for(lambda: fake.reply_texts(submitted), "answered")
    assert "yes" in reply[0] and "no" in reply[0]
    await settled(world)
    assert fake.messages[world.staff_queue] == {}
    async with world.app.storage.transaction() as tx:
        assert await tx.count(Report) == 0


async def test_the_rate_limit_answers_politely(world: World) -> None:
    fake = world.fake
    for n in range(5):
        token = await fake.slash(world.alice, "report", reason=f"report {n}", member=world.bob)
        await fake.wait_for(lambda t=token: fake.reply_texts(t), "answered")  # type: ignore[misc]
    token = await fake.slash(world.alice, "report", reason="one more", member=world.bob)
    reply = await fake.wait_for(lambda: fake.reply_texts(token), "answered")
    assert not REF.search(reply[0]) and "wait about 60 minutes" in reply[0]
    assert len(fake.messages[world.staff_queue]) == 5


async def test_dismiss_button_works_after_a_restart(world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.alice, "report", reason="meh", member=world.bob)
    await fake.wait_for(lambda: fake.reply_texts(token), "answered")
    queued = await queue_message(world)
    await restart(world)
    click = await fake.click(world.staff, queued, "Dismiss in bad faith")
    reply = await fake.wait_for(lambda: fake.reply_texts(click), "answered the click")
    assert "bad faith" in reply[0]
    edited = fake.messages[world.staff_queue][int(queued["id"])]
    assert "bad faith" in message_text(edited)
    assert labels(edited) == []  # handled: the buttons are gone


async def test_participants_cannot_use_the_queue_buttons(world: World) -> None:
    fake = world.fake
    token = await fake.slash(world.alice, "report", reason="meh", member=world.bob)
    await fake.wait_for(lambda: fake.reply_texts(token), "answered")
    queued = await queue_message(world)
    click = await fake.click(world.bob, queued, "Dismiss")
    reply = await fake.wait_for(lambda: fake.reply_texts(click), "answered the click")
    assert "staff" in reply[0].lower()
    assert labels(fake.messages[world.staff_queue][int(queued["id"])]) != []


async def report_about_a_message(world: World) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """Alice reports bob's insult in #general; returns the insult and the queue message."""
    fake = world.fake
    insult = fake.post_message(world.general, world.bob, "you are a moron, alice")
    link = f"https://discord.com/channels/{fake.guild_id}/{world.general}/{insult['id']}"
    token = await fake.slash(world.alice, "report", reason="Insulting me",
                             message_link=link)
    await fake.wait_for(lambda: fake.reply_texts(token), "answered")
    return insult, await queue_message(world)


async def test_queue_remove_button_deletes_after_choosing_the_clause(world: World) -> None:
    fake = world.fake
    insult, queued = await report_about_a_message(world)
    click = await fake.click(world.staff, queued, "Remove content")
    await fake.wait_for(lambda: fake.replies.get(click), "asked which clause")
    prompt = {**fake.replies[click][0], "channel_id": str(world.staff_queue)}
    chosen = await fake.choose(world.staff, prompt, ["no-hate"])
    await fake.wait_for(lambda: fake.find("DELETE", f"/messages/{insult['id']}"), "deleted")
    assert "Removed" in (await fake.wait_for(lambda: fake.reply_texts(chosen), "answered"))[0]
    dm = fake.dms_to(world.bob)[0]
    assert "moron" in dm and "alice" not in dm.replace("moron, alice", "")


async def test_queue_suspend_button_opens_a_form_for_the_reported_channel(
        world: World) -> None:
    fake = world.fake
    _, queued = await report_about_a_message(world)
    click = await fake.click(world.staff, queued, "Suspend")
    await fake.wait_for(lambda: fake.responses.get(click), "opened the suspension form")
    submitted = await fake.submit_modal(world.staff, click, {
        "duration": "3d", "scope": "channel", "reason": "Insults in #general"})
    await fake.wait_for(lambda: fake.reply_texts(submitted), "answered")
    assert (world.general, world.bob.id) in fake.overwrites
    assert (world.staff_queue, world.bob.id) not in fake.overwrites


async def test_queue_escalate_button_opens_a_case_without_the_reporter(world: World) -> None:
    fake = world.fake
    _, queued = await report_about_a_message(world)
    click = await fake.click(world.staff, queued, "Escalate")
    reply = (await fake.wait_for(lambda: fake.reply_texts(click), "answered"))[0]
    assert "Case C-" in reply
    threads = [cid for cid, c in fake.channels.items()
               if c.get("parent_id") == str(world.committee_channel)]
    assert len(threads) == 1
    members = fake.thread_members[threads[0]]
    assert world.alice.id not in members and world.bob.id not in members
    assert "escalated" in message_text(fake.messages[world.staff_queue][int(queued["id"])])


async def test_a_report_is_acknowledged_at_once_even_when_the_queue_is_rate_limited(
        world: World) -> None:
    fake = world.fake
    fake.rate_limit_next("POST", f"/channels/{world.staff_queue}/messages", retry_after=0.5)
    token = await fake.slash(world.alice, "report", reason="He keeps insulting me",
                             member=world.bob)
    await fake.wait_for(lambda: fake.responses.get(token), "acknowledged the command")
    assert fake.responses[token][0]["type"] == 5  # "thinking…", before any slow work
    reply = await fake.wait_for(lambda: fake.reply_texts(token), "answered /report")
    assert REF.search(reply[0])
    assert len(fake.find("POST", f"/channels/{world.staff_queue}/messages")) == 2  # 429, retry
