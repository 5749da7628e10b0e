"""Automod on Slack: messages and edits in channels, and profile names, reach the engine.

Signed ``event_callback`` requests go to the real Bolt app; what the bot then does is read
off the fake Slack Web API's call log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.models import Actor, Incident, Role
from bot.slack_io.markup import mentions_in
from tests.fakes.slack.server import BOT_USER
from tests.slack.conftest import (
    COMMITTEE_CH,
    GENERAL,
    QUEUE,
    STAFF_USER,
    SUBJECT,
    TEAM,
    SlackWorld,
    make_world,
)
from tests.slack.helpers import eventually

CARD = "4111 1111 1111 1111"
POLITICS = "Everyone vote for Senator Smith on Tuesday, and boycott Acme Books!"


def message(ts: str, text: str, *, user: str = SUBJECT, channel: str = GENERAL,
            **extra: Any) -> dict[str, Any]:
    return {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
            "event_ts": ts, "channel_type": "channel", "team": TEAM, **extra}


def changed(ts: str, before: str, after: str, edit_ts: str, *, user: str = SUBJECT,
            channel: str = GENERAL, edited: bool = True) -> dict[str, Any]:
    new: dict[str, Any] = {"type": "message", "user": user, "text": after, "ts": ts}
    if edited:
        new["edited"] = {"user": user, "ts": edit_ts}
    return {"type": "message", "subtype": "message_changed", "hidden": True,
            "channel": channel, "channel_type": "channel", "ts": edit_ts,
            "event_ts": edit_ts, "message": new,
            "previous_message": {"type": "message", "user": user, "text": before, "ts": ts}}


async def say(world: SlackWorld, text: str, *, user: str = SUBJECT,
              channel: str = GENERAL, **extra: Any) -> str:
    """The person posts ``text``: the fake keeps it (so it can be deleted), Slack tells Bolt."""
    ts = world.fake.add_message(channel, user, text)
    assert await world.event(message(ts, text, user=user, channel=channel, **extra)) == 200
    return ts


def api_calls(world: SlackWorld) -> list[str]:
    return [c.method for c in world.fake.calls if c.method != "auth.test"]


async def incidents_of(world: SlackWorld, user: str = SUBJECT) -> list[Incident]:
    staff = Actor(world.person(STAFF_USER), frozenset({Role.STAFF}))
    return list((await world.app.services.people.history(staff, world.person(user))).incidents)


def queue_texts(world: SlackWorld) -> list[str]:
    return [c.text for c in world.fake.called("chat.postMessage", channel=QUEUE)]


async def test_a_card_number_is_deleted_and_the_author_told_without_it(
        world: SlackWorld) -> None:
    ts = await say(world, f"alice's card is {CARD}, exp 12/29")
    deleted = world.fake.called("chat.delete", channel=GENERAL, ts=ts)
    assert len(deleted) == 1 and deleted[0].token == "xoxp-admin"
    assert (GENERAL, ts) not in world.fake.messages
    dm = world.fake.dm_texts(SUBJECT)
    assert len(dm) == 1 and CARD not in dm[0] and "1111111111111111" not in dm[0]
    everything = "\n".join(c.text for c in world.fake.calls)
    assert CARD not in everything  # not in the DM, the queue or the committee summary
    assert world.fake.called("chat.postMessage", channel=COMMITTEE_CH)
    incidents = await incidents_of(world)
    assert [i.rule_id for i in incidents] == ["pii-card"]
    assert incidents[0].message is not None and incidents[0].message.id == ts


async def test_without_the_admin_token_staff_are_asked_to_delete_it(
        world_no_admin: SlackWorld) -> None:
    world = world_no_admin
    ts = await say(world, f"my card {CARD} if anyone needs it")
    assert world.fake.called("chat.delete") == []
    assert (GENERAL, ts) in world.fake.messages
    assert any("delete it by hand" in t for t in queue_texts(world))
    assert CARD not in "\n".join(queue_texts(world))
    assert world.fake.dm_texts(SUBJECT)  # the author is still told


async def test_political_campaigning_alerts_staff_and_is_never_removed(
        world: SlackWorld) -> None:
    await say(world, POLITICS)
    alerts = queue_texts(world)
    assert len(alerts) == 1 and "no-external-politics" in alerts[0]
    assert world.fake.called("chat.delete") == []
    assert world.fake.dm_texts(SUBJECT) == []


async def test_ordinary_chat_is_left_alone(world: SlackWorld) -> None:
    for text in ("Has anyone read the new cataloguing rules?",
                 "Meeting at 3pm in room 204, see you there",
                 f"Thanks <@{STAFF_USER}>, that ISBN 9780262033848 was the one"):
        await say(world, text)
    assert api_calls(world) == []
    assert await incidents_of(world) == []


async def test_an_edit_that_adds_a_card_number_is_deleted(world: SlackWorld) -> None:
    ts = await say(world, "my number is on my profile")
    assert api_calls(world) == []
    world.fake.messages[(GENERAL, ts)]["text"] = f"my card: {CARD}"
    await world.event(changed(ts, "my number is on my profile", f"my card: {CARD}",
                              world.fake.next_ts()))
    assert [c.get("ts") for c in world.fake.called("chat.delete", channel=GENERAL)] == [ts]
    incidents = await incidents_of(world)
    assert len(incidents) == 1 and incidents[0].message is not None
    assert incidents[0].message.id == ts


async def test_a_change_that_keeps_the_words_is_not_scanned_again(world: SlackWorld) -> None:
    """Link previews and thread reply counts arrive as ``message_changed`` too."""
    await say(world, POLITICS)
    ts = world.fake.add_message(GENERAL, SUBJECT, POLITICS)
    await world.event(changed(ts, POLITICS, POLITICS, world.fake.next_ts(), edited=False))
    assert len(queue_texts(world)) == 1


async def test_a_redelivered_event_is_handled_once(world: SlackWorld) -> None:
    ts = world.fake.add_message(GENERAL, SUBJECT, POLITICS)
    body = world.event_body(message(ts, POLITICS))
    for _ in range(2):  # Slack retries when it thinks the first delivery was not acked
        await world.post(body, "application/json")
    assert len(queue_texts(world)) == 1


async def test_mass_mentions_count_like_everyone(world: SlackWorld) -> None:
    assert mentions_in("<!channel> read this") == (50, ())
    assert mentions_in("<!here|here> <@U1> <@W2|bob> <!subteam^S9|@staff>") == (
        53, ("U1", "W2"))
    assert mentions_in("&lt;!channel&gt; is how you ping") == (0, ())
    ts = await say(world, "<!channel> come to my reading club tonight")
    assert world.fake.called("chat.delete", channel=GENERAL, ts=ts)
    incidents = await incidents_of(world)
    assert [i.rule_id for i in incidents] == ["mass-mention"]


async def test_bots_the_bot_itself_joins_and_dms_are_not_scanned(world: SlackWorld) -> None:
    card = f"card {CARD}"
    await say(world, card, user=BOT_USER)
    await say(world, card, user="", subtype="bot_message", bot_id="BOTHER")
    await say(world, card, bot_id="BAPP")  # an app posting as a user
    await say(world, f"<@{SUBJECT}> has joined the channel {CARD}", subtype="channel_join")
    await world.event(changed("1.000001", "x", card, "1.000002", user=BOT_USER))
    assert api_calls(world) == []
    # a DM is not scanned: its only answer is that nothing was passed on (no conversation)
    await say(world, card, channel=f"D{SUBJECT}", channel_type="im")
    assert api_calls(world) == ["conversations.open", "chat.postMessage"]
    assert "not passed on" in world.fake.dm_texts(SUBJECT)[-1]


async def test_a_file_with_a_comment_is_scanned(world: SlackWorld) -> None:
    ts = await say(world, f"here is my card {CARD}", subtype="file_share")
    assert world.fake.called("chat.delete", channel=GENERAL, ts=ts)


async def test_a_thread_reply_is_deleted_by_its_own_ts(world: SlackWorld) -> None:
    parent = world.fake.add_message(GENERAL, STAFF_USER, "Welcome thread")
    ts = await say(world, f"pay me with {CARD}", thread_ts=parent)
    assert [c.get("ts") for c in world.fake.called("chat.delete")] == [ts]


def user_change(user: str, display_name: str, real_name: str = "Sam Subject",
                status: str = "") -> dict[str, Any]:
    return {"type": "user_change", "event_ts": "1767600000.000500", "user": {
        "id": user, "team_id": TEAM, "name": user.lower(), "deleted": False,
        "is_bot": False, "real_name": real_name,
        "profile": {"display_name": display_name, "real_name": real_name,
                    "status_text": status}}}


async def test_a_name_claiming_a_role_alerts_staff_once(world: SlackWorld) -> None:
    await world.event(user_change(SUBJECT, "Sam"))
    assert api_calls(world) == []
    await world.event(user_change(SUBJECT, "Official Staff"))
    alerts = queue_texts(world)
    assert len(alerts) == 1 and "do-post-as-yourself" in alerts[0]
    assert "Official Staff" in alerts[0]
    await world.event(user_change(SUBJECT, "Official Staff", status="reading"))
    assert len(queue_texts(world)) == 1  # a status edit is not a new name
    await world.event(user_change(BOT_USER, "Staff Bot"))
    assert len(queue_texts(world)) == 1


async def test_a_real_name_is_checked_too(world: SlackWorld) -> None:
    await world.event(user_change(SUBJECT, "", real_name="Committee Chair"))
    assert any("do-post-as-yourself" in t for t in queue_texts(world))


EXEMPT_STAFF = """
[automod]
exempt_roles = ["SSTAFFGROUP"]
"""


@pytest.fixture
async def exempt_world(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    async for built in make_world(tmp_path, extra_config=EXEMPT_STAFF):
        yield built


@pytest.fixture
async def automod_off(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    async for built in make_world(tmp_path, extra_config="\n[automod]\nenabled = false\n"):
        yield built


@pytest.fixture
async def ack_first(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    async for built in make_world(tmp_path, process_before_response=False):
        yield built


async def test_user_groups_named_in_exempt_roles_are_not_scanned(
        exempt_world: SlackWorld) -> None:
    world = exempt_world
    await say(world, POLITICS, user=STAFF_USER)
    assert world.fake.called("usergroups.users.list", usergroup="SSTAFFGROUP")
    assert queue_texts(world) == []
    await say(world, POLITICS)
    assert len(queue_texts(world)) == 1


async def test_with_automod_off_nothing_is_scanned(automod_off: SlackWorld) -> None:
    world = automod_off
    assert not world.app.services.moderation.enabled
    await say(world, f"card {CARD}")
    await world.event(user_change(SUBJECT, "Official Staff"))
    assert api_calls(world) == []


async def test_the_work_happens_after_the_ack(ack_first: SlackWorld) -> None:
    world = ack_first
    ts = await say(world, f"card {CARD}")
    await eventually(lambda: bool(world.fake.called("chat.delete", ts=ts)))
