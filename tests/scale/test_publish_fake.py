"""The measuring instrument of ``benchmarks.code_publish``: the fake Discord pages a large
guild's members as Discord does, limits DM sends like a Discord bucket, and counts a
resend as a second DM unless Discord itself would have dropped it (enforced nonce)."""

from __future__ import annotations

from benchmarks._publish_fake import DmBucket, PublishFake
from tests.fakes.discord.server import FakeDiscord


def test_members_are_listed_in_pages_of_at_most_a_thousand_after_an_id() -> None:
    fake = FakeDiscord()
    people = {fake.member(f"m{n}").id for n in range(2500)} | {fake.bot.id}
    elsewhere = fake.member("other", guild=fake.add_guild())
    path = f"/guilds/{fake.guild_id}/members"
    seen: list[int] = []
    pages = 0
    after = "0"
    while True:
        status, page = fake._route("GET", path, {}, {"limit": "5000", "after": after})
        assert status == 200 and len(page) <= 1000
        if not page:
            break
        pages += 1
        seen += [int(m["user"]["id"]) for m in page]
        after = page[-1]["user"]["id"]
    assert pages == 3 and seen == sorted(people) and elsewhere.id not in seen
    assert len(fake._route("GET", path, {}, {})[1]) == 1  # Discord's default limit


def test_the_dm_bucket_refuses_beyond_its_limit_until_its_window_resets() -> None:
    bucket = DmBucket(3)
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = bucket.take()
    assert 0 < wait <= 1.0
    assert bucket.headers()["X-RateLimit-Remaining"] == "0"
    bucket.window_start -= 1.0  # the window has passed
    assert bucket.take() == 0.0


def test_a_resend_counts_once_only_when_its_nonce_is_enforced() -> None:
    fake = PublishFake(limit=10)
    alice, bob = fake.member("alice"), fake.member("bob")
    prompt = "The Code of Conduct for X has been updated (v2): please accept"
    for person in (alice, bob):
        fake._open_dm(person.id)
    to_alice, to_bob = fake.dm_channels[alice.id], fake.dm_channels[bob.id]
    first = fake._create_message(to_alice, {"content": prompt, "nonce": "row-1",
                                            "enforce_nonce": True})[1]
    again = fake._create_message(to_alice, {"content": prompt, "nonce": "row-1",
                                            "enforce_nonce": True})[1]
    assert again["id"] == first["id"]  # Discord answers with the message already created
    fake._create_message(to_bob, {"content": prompt, "nonce": "row-2"})
    fake._create_message(to_bob, {"content": prompt, "nonce": "row-2"})  # not enforced
    report = fake.report()
    assert fake.prompts == {alice.id: 1, bob.id: 2} and fake.deduplicated == 1
    assert (report["prompted_once"], report["more_than_once"], report["never"]) == (1, 1, 0)
