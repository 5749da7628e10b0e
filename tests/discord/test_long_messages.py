"""Long texts (a monthly digest) reach Discord whole, split under its 2,000-character cap."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.ports import Attachment, Audience, Notice, NoticeKind
from bot.discord_io.platform import LIMIT, chunks
from tests.discord.conftest import World


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=300),
                max_size=40))
def test_chunks_keep_every_line_and_respect_the_cap(lines: list[str]) -> None:
    text = "\n".join(lines)
    parts = chunks(text, limit=500)
    assert all(len(part) <= 500 for part in parts)
    assert "\n".join(parts) == text


def test_an_overlong_line_is_cut_not_lost() -> None:
    parts = chunks("x" * 4500, limit=2000)
    assert [len(p) for p in parts] == [2000, 2000, 500] and "".join(parts) == "x" * 4500


async def test_a_long_digest_arrives_in_several_messages(world: World) -> None:
    fake = world.fake
    lines = [f"• incident I-{n:07d} — no-hate in #general, reversed: no" for n in range(120)]
    text = "**Monthly digest**\n" + "\n".join(lines)
    assert len(text) > LIMIT
    await world.bot.platform.post(Audience.COMMITTEE, Notice(NoticeKind.DIGEST, text))
    sent = fake.channel_texts(world.committee_channel)
    assert len(sent) >= 2 and all(len(part) <= LIMIT for part in sent)
    assert "\n".join(sent) == text


async def test_a_long_digest_with_its_chart_carries_the_png_on_the_last_part(
        world: World) -> None:
    fake = world.fake
    text = "**Monthly digest**\n" + "\n".join(f"• line {n:04d} " + "x" * 60 for n in range(60))
    chart = Attachment("digest-2026-02.png", "image/png", b"\x89PNG\r\n\x1a\nfake")
    await world.bot.platform.post(Audience.COMMITTEE, Notice(
        NoticeKind.DIGEST, text, attachments=(chart,)))
    posts = fake.find("POST", f"/channels/{world.committee_channel}/messages")
    assert len(posts) >= 2 and all(not p.files for p in posts[:-1])
    [upload] = posts[-1].files
    assert upload.filename == chart.filename and upload.data == chart.data
    assert "\n".join(fake.channel_texts(world.committee_channel)) == text
