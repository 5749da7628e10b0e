"""Automod reads every message: what the Code prohibits is acted on, the rest is left."""

from __future__ import annotations

from tests.discord.conftest import World, caught_up


async def test_a_card_number_is_redacted_and_the_author_told(world: World) -> None:
    fake = world.fake
    leak = await fake.say(world.bob, world.jobs_board,
                          "alice's card is 4111 1111 1111 1111, exp 12/29")
    await fake.wait_for(lambda: fake.find("DELETE", f"/messages/{leak['id']}"),
                        "removed the card number")
    dm = await fake.wait_for(lambda: fake.dms_to(world.bob), "told the author")
    assert "4111 1111 1111 1111" not in dm[0]
    summary = await fake.wait_for(lambda: fake.channel_texts(world.committee_channel),
                                  "recorded the incident")
    assert "automod" in summary[0] and "4111 1111 1111 1111" not in "\n".join(summary)


async def test_advertising_is_removed_only_where_the_channel_restricts_it(
        world: World) -> None:
    fake = world.fake
    text = "Selling my old cataloguing books, $20 each, DM me to buy!"
    allowed = await fake.say(world.bob, world.jobs_board, text)
    ad = await fake.say(world.bob, world.general, text)
    await fake.wait_for(lambda: fake.find("DELETE", f"/messages/{ad['id']}"),
                        "removed the advertisement from the main channel")
    await caught_up(world)
    assert not fake.find("DELETE", f"/messages/{allowed['id']}")
    dm = fake.dms_to(world.bob)[0]
    assert "jobs board" in dm


async def test_political_campaigning_goes_to_staff_and_is_never_removed(world: World) -> None:
    fake = world.fake
    post = await fake.say(world.bob, world.general,
                          "Everyone vote for Senator Smith on Tuesday, and boycott Acme Books!")
    alert = await fake.wait_for(lambda: fake.channel_texts(world.staff_queue),
                                "alerted staff")
    assert "no-external-politics" in alert[0]
    await caught_up(world)
    assert not fake.find("DELETE", f"/messages/{post['id']}")
    assert fake.dms_to(world.bob) == []


async def test_ordinary_chat_is_left_alone(world: World) -> None:
    fake = world.fake
    for text in ("Has anyone read the new cataloguing rules?",
                 "Meeting at 3pm in room 204, see you there",
                 "Thanks @alice, that ISBN 9780262033848 was the one"):
        await fake.say(world.bob, world.general, text)
    await caught_up(world)
    assert not fake.find("DELETE") and fake.dms_to(world.bob) == []
    assert fake.channel_texts(world.staff_queue) == []


async def test_an_edit_that_adds_prohibited_content_is_caught(world: World) -> None:
    fake = world.fake
    message = await fake.say(world.bob, world.jobs_board, "my number is on my profile")
    await caught_up(world)
    await fake.edit_message(message, "my card: 4111 1111 1111 1111")
    await fake.wait_for(lambda: fake.find("DELETE", f"/messages/{message['id']}"),
                        "removed the edited message")


async def test_a_flood_of_the_same_message_is_stopped(world: World) -> None:
    fake = world.fake
    sent = [await fake.say(world.bob, world.jobs_board,
                           "Join my reading club at example dot org!!!") for _ in range(4)]
    await fake.wait_for(lambda: fake.find("DELETE", f"/messages/{sent[-1]['id']}"),
                        "removed the fourth copy")
    assert not fake.find("DELETE", f"/messages/{sent[0]['id']}")


async def test_an_exempt_role_is_not_touched(world: World) -> None:
    fake = world.fake
    sample = await fake.say(world.staff, world.general,
                            "Example of what not to post: 4111 1111 1111 1111, $5, DM me to buy")
    await caught_up(world)
    assert not fake.find("DELETE", f"/messages/{sample['id']}")
    assert fake.dms_to(world.staff) == []


async def test_staff_reverse_a_false_positive_and_it_stops_counting(world: World) -> None:
    import re

    fake = world.fake
    await fake.say(world.bob, world.general, "Our book sale: paperbacks $1, DM me to buy")
    summary = await fake.wait_for(lambda: fake.channel_texts(world.committee_channel),
                                  "recorded the incident")
    ref = re.search(r"I-[0-9A-Z]{7}", summary[0])
    assert ref, summary[0]
    token = await fake.slash(world.staff, "incident", "reverse", ref=ref.group(0),
                             note="The association's own book sale is allowed here")
    reply = await fake.wait_for(lambda: fake.reply_texts(token), "answered")
    assert "reversed" in reply[0]
    token = await fake.slash(world.staff, "history", member=world.bob)
    listed = await fake.wait_for(lambda: fake.reply_texts(token), "answered")
    assert "(reversed)" in listed[0] and "[auto]" in listed[0]
