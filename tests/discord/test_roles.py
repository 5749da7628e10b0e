"""The cogs check no role: each wrong person is refused by the services, privately, with
the services' own words, and nothing reaches anyone else."""

from __future__ import annotations

from tests.discord.conftest import World
from tests.discord.test_committee import answered, open_case, put_motion
from tests.discord.test_conflicts import carried, channel_posts, refused_privately


async def test_each_wrong_role_is_refused_privately_and_nothing_moves(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    await carried(world, thread, await put_motion(world, ref, thread))
    dms, posts = sum(len(fake.dms_to(u)) for u in fake.members.values()), channel_posts(world)
    refusals = [
        (world.alice, ("code-admin", "publish"), {"summary": "mine now"},
         "Only staff can publish a new version of the Code"),
        (world.members[0], ("code-admin", "status"), {},
         "Only staff can see who has accepted the Code"),
        (world.alice, ("recuse",), {"case": ref, "reason": "I know him"},
         "Only seated committee members can recuse from a case"),
        (world.staff, ("motion",), {"case": ref, "text": "Ban him"},
         "Only eligible committee members can propose a motion"),
        (world.members[0], ("overrule",), {"case": ref, "reason": "I disagree"},
         "Only legal counsel can overrule the committee"),
        (world.counsel, ("decide",), {"case": ref},
         "Only committee members or staff can communicate a decision"),
        (world.staff, ("appeals", "decide"),
         {"ref": "A-0000000", "outcome": "overturned", "reason": "no"},
         "Only the Executive Committee decides appeals"),
        (world.alice, ("appeal", "file"), {"case": ref, "reason": "It was not me at all."},
         f"There is no case '{ref}' that involves you"),
    ]
    for user, command, options, refusal in refusals:
        text = await refused_privately(world, user, *command, **options)
        assert refusal in text, (command, text)
    assert sum(len(fake.dms_to(u)) for u in fake.members.values()) == dms
    assert channel_posts(world) == posts


async def test_a_stray_reaction_on_a_motion_is_taken_back_and_explained(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    motion = await put_motion(world, ref, thread)
    await fake.react(world.members[0], motion, "🎉")
    await fake.wait_for(lambda: world.members[0].id not in
                        fake.reactions[(thread, int(motion["id"]))].get("🎉", set()),
                        "took the reaction back")
    told = await fake.wait_for(lambda: fake.dms_to(world.members[0]), "told the member why")
    assert "reaction on motion M-" in told[-1] and "does not count" in told[-1]
    assert "only ✅ (yes), ❌ (no) and ➖ (abstain) are votes" in told[-1]
    assert not any("does not count" in text for text in fake.channel_texts(thread))


async def test_the_code_is_read_in_parts_with_the_button_under_the_last(world: World) -> None:
    token = await world.fake.slash(world.alice, "code", "show")
    text = await answered(world, token)
    assert text.startswith("**Online Code of Conduct**")
    assert all(len(body) <= 2000 for body in world.fake.reply_texts(token))


def test_one_role_named_for_several_seats_gives_each_of_them() -> None:
    """A small community may give its admins' one role every seat; the publish benchmark
    found that the bot then saw only the last seat and told staff they were not staff."""
    from bot.core.models import Role as Seat
    from bot.discord_io.context import seats_of
    from config.settings import DiscordSettings

    shared = DiscordSettings(guild_id=1, staff_role_id=5, staff_queue_channel_id=2,
                             committee_role_id=5, counsel_role_id=6, executive_role_id=5)
    assert seats_of({5}, shared) == {Seat.STAFF, Seat.COMMITTEE, Seat.EXECUTIVE}
    assert seats_of({6}, shared) == {Seat.COUNSEL}
    assert seats_of({7}, shared) == frozenset()
