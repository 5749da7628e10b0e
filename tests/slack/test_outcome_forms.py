"""The review period and the public statement in Slack's forms and one-line commands,
through signed requests: the form offers the fields, refuses beside the field what the
command would refuse (nothing changes), and a good submission carries them through."""

from __future__ import annotations

from bot.core.models import Motion, Sanction
from bot.core.services.public_statements import STATEMENT_LIMIT
from tests.slack.conftest import COMMITTEE, COMMITTEE_CH, SUBJECT, SlackWorld
from tests.slack.test_committee import _open_case
from tests.slack.test_forms import block_ids, choice, rows, suspend_form, suspension, text


async def test_the_suspend_form_sets_a_review_date_on_a_permanent_removal(
        world: SlackWorld) -> None:
    view = await suspend_form(world)
    timed = await world.submit_form(view, suspension(SUBJECT, "7d", review=text("1y")))
    assert set(timed["errors"]) == {"review"}
    assert "only to a permanent suspension" in timed["errors"]["review"]
    vague = await world.submit_form(view, suspension(SUBJECT, "permanent", review=text("6m")))
    assert set(vague["errors"]) == {"review"} and "6mo" in vague["errors"]["review"]
    assert await rows(world, Sanction) == []
    assert not world.fake.dm_texts(SUBJECT)

    assert await world.submit_form(view, suspension(SUBJECT, "permanent",
                                                    review=text("1y"))) == {}
    (sanction,) = await rows(world, Sanction)
    assert sanction.ends_at is None and sanction.review_at is not None
    assert any("The committee will review this on" in t for t in world.fake.dm_texts(SUBJECT))


async def test_the_motion_form_carries_a_review_and_a_statement(world: SlackWorld) -> None:
    case = await _open_case(world)
    await world.command("/motion", "", user=COMMITTEE[0], channel=COMMITTEE_CH)
    view = world.last_view()
    assert {"review", "statement"} <= set(block_ids(view))
    base = {"case": choice(case.id), "text": text("Remove permanently")}
    alone = await world.submit_form(view, {**base, "review": text("1y")}, user=COMMITTEE[0])
    assert set(alone["errors"]) == {"review"}
    assert "goes with the permanent suspension" in alone["errors"]["review"]
    long = await world.submit_form(view, {**base, "statement": text("x" * (STATEMENT_LIMIT + 1))},
                                   user=COMMITTEE[0])
    assert set(long["errors"]) == {"statement"}
    assert await rows(world, Motion) == []

    answer = await world.submit_form(view, {
        **base, "duration": text("permanent"), "clause": choice("no-harassment"),
        "review": text("1y"), "statement": text("A member was removed for harassment.")},
        user=COMMITTEE[0])
    assert answer == {}
    (motion,) = await rows(world, Motion)
    assert (motion.sanction_duration, motion.sanction_review, motion.public_statement) == (
        "permanent", "1y", "A member was removed for harassment.")


async def test_a_one_line_motion_with_review_but_no_suspension_is_refused(
        world: SlackWorld) -> None:
    case = await _open_case(world)
    await world.command("/motion", f"{case.id} review=1y Remove them", user=COMMITTEE[0],
                        channel=COMMITTEE_CH)
    assert "goes with the permanent suspension" in world.fake.responses()[-1]
    assert await rows(world, Motion) == []
