"""The pure conflict rule: a party to a case is never among those who may act on it."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.core.rules.conflicts import Party, Standing, conflict, free_of_conflict

DECLARED = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
standings = st.builds(Standing, subject=st.booleans(), reporter=st.booleans(),
                      appellant=st.booleans(),
                      recused_at=st.none() | st.just(DECLARED))


@given(st.dictionaries(st.text(min_size=1, max_size=8), standings, max_size=12))
def test_no_party_is_ever_free_to_act_and_no_one_else_is_excluded(
        candidates: dict[str, Standing]) -> None:
    allowed = free_of_conflict(candidates)
    parties = {who for who, standing in candidates.items() if standing.parties}
    assert allowed.isdisjoint(parties)
    assert allowed | parties == set(candidates)


@given(standings)
def test_the_reason_given_is_one_the_person_really_has(standing: Standing) -> None:
    party = conflict(standing)
    assert (party is None) == (standing.parties == ())
    assert party is None or party in standing.parties


def test_each_kind_of_party_is_named() -> None:
    assert conflict(Standing()) is None
    assert conflict(Standing(subject=True)) is Party.SUBJECT
    assert conflict(Standing(reporter=True)) is Party.REPORTER
    assert conflict(Standing(recused_at=DECLARED)) is Party.RECUSED
    # An appellant is told about the appeal first: it is what they are trying to judge.
    assert conflict(Standing(subject=True, appellant=True)) is Party.APPELLANT
    assert conflict(Standing(reporter=True, recused_at=DECLARED)) is Party.REPORTER
