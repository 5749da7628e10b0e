"""Quorum, recusal and majority: table tests plus the invariants as properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import VoteChoice
from bot.core.rules.voting import Ballot, can_still_reach_quorum, tally

T0 = datetime(2026, 1, 1, tzinfo=UTC)
Y, N, A = VoteChoice.YES, VoteChoice.NO, VoteChoice.ABSTAIN
SEATS = frozenset(f"m{i}" for i in range(1, 8))


def ballots(*pairs: tuple[str, VoteChoice]) -> list[Ballot]:
    return [Ballot(v, c, T0 + timedelta(seconds=i)) for i, (v, c) in enumerate(pairs)]


@pytest.mark.parametrize(
    ("votes", "recused", "yes", "no", "abstain", "quorum_met", "carried"),
    [
        ([], set(), 0, 0, 0, False, False),
        ([("m1", Y), ("m2", Y), ("m3", Y)], set(), 3, 0, 0, False, False),  # 3 < quorum
        ([("m1", Y), ("m2", Y), ("m3", Y), ("m4", N)], set(), 3, 1, 0, True, True),
        ([("m1", Y), ("m2", Y), ("m3", N), ("m4", N)], set(), 2, 2, 0, True, False),  # tie fails
        ([("m1", Y), ("m2", A), ("m3", A), ("m4", A)], set(), 1, 0, 3, True, True),
        ([("m1", A), ("m2", A), ("m3", A), ("m4", A)], set(), 0, 0, 4, True, False),
        # a recused member's vote neither counts nor makes quorum
        ([("m1", Y), ("m2", Y), ("m3", Y), ("m4", Y)], {"m4"}, 3, 0, 0, False, False),
        # outsiders (not seated, the subject, the reporter) are ignored
        ([("m1", Y), ("m2", Y), ("m3", Y), ("x", Y)], set(), 3, 0, 0, False, False),
        # a changed vote: the latest ballot wins
        ([("m1", Y), ("m2", N), ("m3", N), ("m4", N), ("m2", Y), ("m3", Y)], set(),
         3, 1, 0, True, True),
    ],
)
def test_tally_table(votes: list[tuple[str, VoteChoice]], recused: set[str], yes: int, no: int,
                     abstain: int, quorum_met: bool, carried: bool) -> None:
    result = tally(ballots(*votes), SEATS, frozenset(recused), quorum=4)
    assert (result.yes, result.no, result.abstain) == (yes, no, abstain)
    assert result.quorum_met is quorum_met
    assert result.carried is carried


def test_ignored_counts_ballots_that_do_not_count() -> None:
    result = tally(ballots(("m1", Y), ("x", Y), ("m2", N)), SEATS, frozenset({"m2"}), 4)
    assert result.ignored == 2


def test_quorum_must_be_positive() -> None:
    with pytest.raises(ValueError):
        tally([], SEATS, frozenset(), 0)


def test_recusals_can_make_quorum_unreachable() -> None:
    assert can_still_reach_quorum(SEATS, frozenset({"m1", "m2", "m3"}), 4)
    assert not can_still_reach_quorum(SEATS, frozenset({"m1", "m2", "m3", "m4"}), 4)


voters = st.sampled_from([*sorted(SEATS), "outsider1", "outsider2"])
ballot_lists = st.lists(
    st.tuples(voters, st.sampled_from(list(VoteChoice)), st.integers(0, 10_000)),
    max_size=30,
).map(lambda items: [Ballot(v, c, T0 + timedelta(seconds=s)) for v, c, s in items])
recusals = st.frozensets(st.sampled_from(sorted(SEATS)), max_size=7)


@given(ballot_lists, recusals, st.integers(1, 7), st.sampled_from(sorted(SEATS)),
       st.sampled_from(list(VoteChoice)))
def test_recused_members_vote_never_changes_the_outcome(
    items: list[Ballot], recused: frozenset[str], quorum: int, member: str, choice: VoteChoice
) -> None:
    recused = recused | {member}
    before = tally(items, SEATS, recused, quorum)
    extra = Ballot(member, choice, T0 + timedelta(days=1))
    after = tally([*items, extra], SEATS, recused, quorum)
    assert (after.yes, after.no, after.abstain, after.carried) == \
        (before.yes, before.no, before.abstain, before.carried)


@given(ballot_lists, recusals, st.integers(1, 7), st.sampled_from(["outsider1", "outsider2"]),
       st.sampled_from(list(VoteChoice)))
def test_ineligible_vote_never_changes_the_outcome(
    items: list[Ballot], recused: frozenset[str], quorum: int, outsider: str, choice: VoteChoice
) -> None:
    before = tally(items, SEATS, recused, quorum)
    after = tally([*items, Ballot(outsider, choice, T0)], SEATS, recused, quorum)
    assert (after.yes, after.no, after.abstain, after.quorum_met, after.carried) == \
        (before.yes, before.no, before.abstain, before.quorum_met, before.carried)


@given(ballot_lists, recusals, st.integers(1, 7))
def test_quorum_is_never_met_with_fewer_eligible_voters_than_quorum(
    items: list[Ballot], recused: frozenset[str], quorum: int
) -> None:
    result = tally(items, SEATS, recused, quorum)
    distinct_eligible = {b.voter for b in items if b.voter in SEATS and b.voter not in recused}
    if result.quorum_met:
        assert len(distinct_eligible) >= quorum
    assert result.participating == len(distinct_eligible)


@given(ballot_lists, recusals, st.integers(1, 7))
def test_a_carried_motion_has_more_yes_than_no(
    items: list[Ballot], recused: frozenset[str], quorum: int
) -> None:
    result = tally(items, SEATS, recused, quorum)
    if result.carried:
        assert result.yes > result.no
        assert result.quorum_met
