"""``/case file`` on Discord: the case file reaches the requester's DMs as two attachments
(a multipart upload the fake records), the anonymous reporter is nowhere in them, and a
recused member is refused with nothing sent."""

from __future__ import annotations

import json

from tests.discord.conftest import World
from tests.discord.test_anonymity import report_anonymously
from tests.discord.test_committee import CASE, answered
from tests.discord.test_reports import queue_message


async def anonymous_case(world: World) -> str:
    """alice reports bob anonymously; staff escalate it to a case."""
    await report_anonymously(world, world.alice, [])
    queued = await queue_message(world)
    reply = await answered(world, await world.fake.click(world.staff, queued, "Escalate"))
    found = CASE.search(reply)
    assert found, reply
    return found.group(0)


async def test_staff_get_the_file_by_dm_and_the_reporter_stays_anonymous(
        world: World) -> None:
    fake = world.fake
    ref = await anonymous_case(world)
    reply = await answered(world, await fake.slash(world.staff, "case", "file", ref=ref))
    assert reply == (f"The file of case {ref} is in your direct messages (JSON and HTML). "
                     "Sending it was recorded.")
    files = await fake.wait_for(lambda: fake.files_to(world.staff), "sent the case file")
    assert sorted(f.filename for f in files) == [f"{ref}.html", f"{ref}.json"]
    assert any(f"The file of case {ref}" in text for text in fake.dms_to(world.staff))
    by_name = {f.filename: f.data for f in files}
    assert json.loads(by_name[f"{ref}.json"])["case"]["id"] == ref
    assert by_name[f"{ref}.html"].startswith(b"<!DOCTYPE html>")
    for data in by_name.values():  # adversarial: the reporter's id and name, anywhere
        text = data.decode()
        assert str(world.alice.id) not in text and world.alice.name not in text
        assert str(world.bob.id) in text  # the subject is named: the file is complete


async def test_a_recused_member_is_refused_and_nothing_is_sent(world: World) -> None:
    fake = world.fake
    ref = await anonymous_case(world)
    member = world.members[0]
    await answered(world, await fake.slash(member, "recuse", case=ref,
                                           reason="we work together"))
    reply = await answered(world, await fake.slash(member, "case", "file", ref=ref))
    assert reply.startswith(f"You cannot receive the file of case {ref}: you recused "
                            "yourself from it on")
    assert "Nothing was sent" in reply
    assert fake.files_to(member) == []
    refused = await answered(world, await fake.slash(world.bob, "case", "file", ref=ref))
    assert "Only staff, the committee and legal counsel" in refused
    assert fake.files_to(world.bob) == []
