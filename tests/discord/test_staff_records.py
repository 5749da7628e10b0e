"""Staff records on Discord, the same flows as Slack's: ``/link`` and ``/case close`` (new
here), ``/roster appoint`` with a term start, and every staff command refused to a
participant by the service, with nothing changed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.core.identity import PersonRef, PlatformName
from bot.core.models import ENTITY_TYPES, Actor, CaseStatus, IncidentKind, PersonLink, Role
from bot.core.services import IncidentDraft
from tests.discord.conftest import World
from tests.discord.test_committee import answered, open_case

SLACK_ACCOUNT = PersonRef(PlatformName.SLACK, "T1", "U777")


async def snapshot(world: World) -> dict[str, list[object]]:
    async with world.app.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


async def test_link_merges_a_members_history_with_their_slack_account(world: World) -> None:
    fake = world.fake
    # Staff of the Slack workspace warned the Slack account (staff act in their own space).
    slack_staff = replace(SLACK_ACCOUNT, id="U0STAFF")
    staff = Actor(slack_staff, frozenset({Role.STAFF}))
    await world.app.services.incidents.handle(staff, IncidentDraft(
        subject=SLACK_ACCOUNT, kind=IncidentKind.WARNING, clause_id="no-harassment"))
    reply = await answered(world, await fake.slash(world.staff, "link", member=world.bob,
                                                   other=SLACK_ACCOUNT.key))
    bob = world.ref(world.bob)
    assert reply == f"Linked `{bob.key}` and `{SLACK_ACCOUNT.key}`: their histories are now one."
    history = await answered(world, await fake.slash(world.staff, "history", member=world.bob))
    assert f"`{bob.key}`" in history and f"`{SLACK_ACCOUNT.key}`" in history
    assert "**Incidents (1):**" in history and "no-harassment (slack)" in history


@pytest.mark.parametrize(("other", "refusal"), [
    ("bob", "I cannot tell which account 'bob' is"),
    ("U777", "This bot serves no slack space of its own"),  # no Slack workspace configured
])
async def test_link_refuses_an_account_it_cannot_place(world: World, other: str,
                                                       refusal: str) -> None:
    reply = await answered(world, await world.fake.slash(world.staff, "link",
                                                         member=world.bob, other=other))
    assert refusal in reply
    async with world.app.storage.transaction() as tx:
        assert await tx.find(PersonLink) == []


async def test_case_close_closes_and_tells_the_committee_thread(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    reply = await answered(world, await fake.slash(world.staff, "case", "close", ref=ref,
                                                   reason="the two members made amends"))
    assert reply == f"Case {ref} closed. The committee's thread was told."
    told = await fake.wait_for(lambda: [t for t in fake.channel_texts(thread)
                                        if "closed by staff" in t], "told the thread")
    assert told == [f"Case {ref} was closed by staff without a decision. "
                    "Reason: the two members made amends"]
    assert (await world.app.services.cases.get(ref)).status is CaseStatus.CLOSED
    shown = await answered(world, await fake.slash(world.staff, "case", "show", ref=ref))
    assert f"**Case {ref}** — closed" in shown
    again = await answered(world, await fake.slash(world.staff, "case", "close", ref=ref,
                                                   reason="again"))
    assert "is closed, not open" in again


async def test_roster_appoint_takes_a_term_start_like_slack(world: World) -> None:
    fake = world.fake
    bad = await answered(world, await fake.slash(world.staff, "roster", "appoint",
                                                 member=world.alice, office="executive",
                                                 term_start="2025-02-30"))
    assert "'2025-02-30' is not a date" in bad
    reply = await answered(world, await fake.slash(world.staff, "roster", "appoint",
                                                   member=world.alice, office="executive",
                                                   term_start="2025-06-01"))
    assert reply.startswith(f"<@{world.alice.id}> appointed to executive from 2025-06-01 (P-")
    shown = await answered(world, await fake.slash(world.staff, "roster", "show"))
    assert f"• executive: <@{world.alice.id}> (P-" in shown
    assert f"• committee: <@{world.members[0].id}> seat 1, term 2025-01-01 to 2028-01-01" in shown
    assert shown.endswith("Every committee seat is filled.")


PARTICIPANT_ATTEMPTS: dict[str, tuple[tuple[str, ...], dict[str, Any], str]] = {
    "unsuspend": (("unsuspend",), {"member": "bob"}, "Only staff can lift suspensions"),
    "history": (("history",), {"member": "bob"}, "Only staff can see a member's history"),
    "link": (("link",), {"member": "bob", "other": SLACK_ACCOUNT.key},
             "Only staff can link accounts"),
    "incident reverse": (("incident", "reverse"), {"ref": "I-0000000", "note": "mine"},
                         "Only staff can reverse incidents"),
    "case open": (("case", "open"), {"member": "bob", "summary": "he was rude"},
                  "Only staff can open committee cases"),
    "case show": (("case", "show"), {"ref": "case"},
                  "Only staff, the committee, counsel or the Executive Committee"),
    "case communicated": (("case", "communicated"), {"ref": "case"},
                          "Only staff can record that a decision was communicated"),
    "case close": (("case", "close"), {"ref": "case", "reason": "amends"},
                   "Only staff can close cases"),
    "roster appoint": (("roster", "appoint"), {"member": "alice", "office": "executive"},
                       "Only staff can change the committee roster"),
    "roster show": (("roster", "show"), {}, "Only staff can see the committee roster"),
}


@pytest.mark.parametrize("name", PARTICIPANT_ATTEMPTS)
async def test_every_staff_command_refuses_a_participant_and_changes_nothing(
        world: World, name: str) -> None:
    fake = world.fake
    ref, _ = await open_case(world)
    path, options, refusal = PARTICIPANT_ATTEMPTS[name]
    people = {"bob": world.bob, "alice": world.alice}
    resolved = {key: people.get(value, ref if value == "case" else value)
                for key, value in options.items()}
    before = await snapshot(world)
    fake.calls.clear()
    reply = await answered(world, await fake.slash(world.alice, path[0], *path[1:], **resolved))
    assert refusal in reply and ref not in reply
    assert await snapshot(world) == before
    assert fake.find("POST", "/channels/") == [] and fake.find("PATCH", "/channels/") == []
