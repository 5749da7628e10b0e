"""Hostile text typed into every field a person can fill in never pings, never turns into
markup, and personal information never reaches anyone beyond where it was typed.

Every path a participant or staff member types into on Discord: a reported message, the
report form, /report, the queue's buttons (an edit in place, the suspend form), the /remove
note, the /suspend reason, the /case summary, /motion,
/recuse, /overrule, /appeal file and /appeals decide. Then one scan of everything the fake
Discord received, and a look at what was stored.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.models import Incident, Report
from tests.discord.conftest import World
from tests.discord.test_committee import answered, carry, open_case, put_motion
from tests.fakes.discord.server import message_text
from tests.fakes.outbound import scan_discord

EMAIL, PHONE = "jane.roe@gmail.com", "(312) 555-0123"
VICTIM = "111111111111111111"  # someone with nothing to do with any of it


def hostile(world: World, field: str) -> str:
    """Every way to ping, link or spoof a link on either platform, and contact details."""
    return (f"{field}: <!channel> <!here> <!everyone> <!subteam^S123> @everyone @here "
            f"<@{VICTIM}> <@&{world.moderator_role}> <#{world.staff_queue}> "
            f"[your case file](https://evil.example/phish) <https://evil.example|the Code> "
            f"write to {EMAIL} or call {PHONE}")


def secrets(world: World) -> list[str]:
    return [EMAIL, "555-0123", f"<@{VICTIM}>", f"<@&{world.moderator_role}>",
            "](https://evil", "<https://evil"]


def link(world: World, message: dict) -> str:  # type: ignore[type-arg]
    return (f"https://discord.com/channels/{world.fake.guild_id}/{message['channel_id']}/"
            f"{message['id']}")


async def test_nothing_a_person_types_pings_or_leaks_personal_data(world: World) -> None:
    fake = world.fake
    # A message quoting all of it (no contact details: automod would take it first).
    quoted = hostile(world, "message").split(" write to ")[0]
    posted = fake.post_message(world.general, world.bob, quoted)
    token = await fake.message_menu(world.alice, "Report message", posted)
    await fake.wait_for(lambda: fake.responses.get(token), "opened the report form")
    form = await fake.submit_modal(world.alice, token,
                                   {"what happened": hostile(world, "form")})
    await fake.wait_for(lambda: fake.reply_texts(form), "acknowledged the form")
    await answered(world, await fake.slash(world.alice, "report", member=world.bob,
                                           reason=hostile(world, "report")))
    await fake.wait_for(lambda: len(fake.messages[world.staff_queue]) >= 2, "queued both")
    first, second = list(fake.messages[world.staff_queue].values())[:2]
    # The queue message is edited in place when handled (an edit must not ping either).
    dismissed = await fake.click(world.staff, first, "Dismiss")
    await fake.wait_for(lambda: fake.reply_texts(dismissed), "answered the dismissal")
    await fake.wait_for(lambda: fake.find("PATCH", f"/messages/{first['id']}"), "edited it")
    form_token = await fake.click(world.staff, second, "Suspend")
    await fake.wait_for(lambda: fake.responses.get(form_token), "opened the suspend form")
    submitted = await fake.submit_modal(world.staff, form_token, {
        "duration": "3d", "scope": "server", "reason": hostile(world, "suspend form")})
    await fake.wait_for(lambda: fake.reply_texts(submitted), "suspended from the queue")
    removed = await answered(world, await fake.slash(
        world.staff, "remove", message_link=link(world, posted), clause="no-harassment",
        note=hostile(world, "note")))
    assert "Removed" in removed, removed
    suspended = await answered(world, await fake.slash(
        world.staff, "suspend", member=world.bob, duration="1d", scope="server",
        reason=hostile(world, "suspension")))
    assert "S-" in suspended, suspended

    await committee_paths(world)

    problems = scan_discord(fake, secrets(world))
    assert problems == [], "\n".join(problems)
    # The words are still there for the people who need them, made inert.
    queue = "\n".join(message_text(m) for m in fake.messages[world.staff_queue].values())
    assert "form: <\u200d!channel>" in queue and "[email removed]" in queue
    async with world.app.storage.transaction() as tx:
        reports = await tx.find(Report)
        incidents = await tx.find(Incident)
    assert all(EMAIL not in (r.message_excerpt or "") for r in reports)
    assert all(EMAIL not in (i.excerpt or "") and "555-0123" not in (i.excerpt or "")
               for i in incidents)


async def committee_paths(world: World) -> None:
    """Case summary, recusal, motion, overrule, decision and appeal, all hostile."""
    fake = world.fake
    ref, thread = await open_case(world)
    await answered(world, await fake.slash(world.staff, "case", "open", member=world.alice,
                                           summary=hostile(world, "summary")))
    reply = await answered(world, await fake.slash(world.members[5], "recuse", case=ref,
                                                   reason=hostile(world, "recusal")))
    assert "recused" in reply, reply
    first = await put_motion(world, ref, thread)
    await carry(world, thread, first)
    overruled = await answered(world, await fake.slash(world.counsel, "overrule", case=ref,
                                                       reason=hostile(world, "overrule")))
    assert "overruled" in overruled, overruled
    before = len(fake.messages[thread])
    await answered(world, await fake.slash(world.members[0], "motion", case=ref,
                                           text=hostile(world, "motion"), channel=thread))
    await fake.wait_for(lambda: len(fake.messages[thread]) > before, "posted the motion")
    second = next(m for m in list(fake.messages[thread].values())[before:]
                  if "motion:" in message_text(m))
    await fake.wait_for(lambda: len(fake.reactions.get((thread, int(second["id"])), {})) == 3,
                        "added the voting reactions")
    await carry(world, thread, second)
    await world.hear(ref)
    await answered(world, await fake.slash(world.members[0], "decide", case=ref))
    world.clock.advance(timedelta(days=1))
    filed = await answered(world, await fake.slash(world.bob, "appeal", "file", case=ref,
                                                   reason=hostile(world, "appeal")))
    appeal = re.search(r"A-[0-9A-Z]{7}", filed)
    assert appeal, filed
    decided = await answered(world, await fake.slash(
        world.executive, "appeals", "decide", ref=appeal.group(0), outcome="upheld",
        reason=hostile(world, "verdict")))
    assert "upheld" in decided, decided
    landed = "\n".join(fake.channel_texts(world.executive_channel))
    assert "appeal: <\u200d!channel>" in landed and "[phone removed]" in landed


async def test_automod_redaction_quotes_no_contact_details(world: World) -> None:
    """Item 3 of the Trust issue: the message goes, and so do the details, everywhere."""
    fake = world.fake
    await fake.say(world.bob, world.general,
                   f"Her email is {EMAIL} and her cell is {PHONE}, go tell her")
    summary = await fake.wait_for(lambda: fake.channel_texts(world.committee_channel),
                                  "summarised the redaction to the committee")
    assert "[email removed]" in summary[0] and "[phone removed]" in summary[0]
    await fake.wait_for(lambda: fake.dms_to(world.bob), "explained it to the author")
    async with world.app.storage.transaction() as tx:
        (incident,) = await tx.find(Incident)
    assert incident.kind.value == "redaction" and incident.excerpt is not None
    assert "[email removed]" in incident.excerpt and "555" not in incident.excerpt
    problems = scan_discord(fake, [EMAIL, "555-0123"])
    assert problems == [], "\n".join(problems)


async def test_an_emergency_pings_only_the_committee_role(world: World) -> None:
    """The one intended ping: the committee role, named explicitly, nothing parsed."""
    fake = world.fake
    await open_case(world, severity="severe")
    await fake.wait_for(lambda: fake.channel_texts(world.committee_channel), "pinged")
    role = world.app.settings.discord.committee_role_id  # type: ignore[union-attr]
    assert scan_discord(fake, allowed_roles=[role]) == []
    assert scan_discord(fake) != []  # and the scanner does see that ping


# Contact details typed only in fullwidth forms: no ASCII digit or "@" anywhere.
WIDE_EMAIL, WIDE_PHONE = "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "(３１２) ５５５-０１２３"


async def test_fullwidth_contact_details_are_masked_in_the_queue(world: World) -> None:
    """A reason written with fullwidth "＠" and digits reads as an address and a number to
    every person, so it is masked in the staff queue like its ASCII form."""
    fake = world.fake
    await answered(world, await fake.slash(world.alice, "report", member=world.bob,
                                           reason=f"she posted {WIDE_EMAIL} and {WIDE_PHONE}"))
    await fake.wait_for(lambda: fake.messages[world.staff_queue], "queued the report")
    (queued,) = fake.messages[world.staff_queue].values()
    shown = message_text(queued)
    assert "[email removed]" in shown and "[phone removed]" in shown, shown
    assert scan_discord(fake, [WIDE_EMAIL, "５５５-０１２３"]) == []
