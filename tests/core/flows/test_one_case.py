"""One open automatic case per person, however many incidents arrive at once (issue 12).

Escalation decides inside the incident's transaction and opens the case after it, so a
burst of concurrent repeat violations used to open one case per incident. The database
now keeps one open automatic case per subject; the losers join the winner's case.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.clock import FakeClock
from bot.core.errors import DuplicateRecord
from bot.core.identity import MessageRef, PlatformName
from bot.core.models import Case, CaseOrigin, CaseStatus, Incident, IncidentKind, Severity
from bot.core.ports import Storage
from bot.core.refs import new_ref
from bot.core.services import IncidentDraft
from tests.core.harness import STAFF, Harness, build_harness, person


@pytest.fixture
async def file_storage(tmp_path: Path) -> AsyncIterator[Storage]:
    from storage import open_storage

    store = await open_storage(f"sqlite:///{tmp_path / 'coc.db'}")
    await store.migrate()
    yield store
    await store.close()


def removal(subject: int, n: int) -> IncidentDraft:
    return IncidentDraft(subject=person(f"u{subject}"), kind=IncidentKind.REMOVAL,
                         clause_id="no-restricted-content", excerpt="Buy my book",
                         message=MessageRef(PlatformName.DISCORD, "100", "555",
                                            f"{subject}-{n}"))


async def burst(h: Harness, people: int, each: int) -> list[Case]:
    drafts = [removal(p, n) for n in range(each) for p in range(people)]
    await asyncio.gather(*(h.services.incidents.handle(None, d) for d in drafts))
    async with h.storage.transaction() as tx:
        return await tx.find(Case)


async def test_concurrent_repeat_violations_open_one_case_each(
        clock: FakeClock, file_storage: Storage) -> None:
    h = await build_harness(clock, file_storage)
    cases = await burst(h, people=20, each=6)  # threshold 3: every one of them escalates
    per_person = Counter(case.subject for case in cases)
    assert len(per_person) == 20 and set(per_person.values()) == {1}
    async with h.storage.transaction() as tx:
        found = await tx.find(Incident)
    assert len(found) == 120
    # every incident that escalated points at its person's one case
    linked = {i.case_id for i in found if i.case_id is not None}
    assert linked == {case.id for case in cases}


async def test_a_second_open_automatic_case_is_refused_by_the_database(
        harness: Harness) -> None:
    subject = person("x")
    first = await harness.services.cases.open(None, subject, "three removals",
                                              origin=CaseOrigin.ESCALATION)
    again = await harness.services.cases.open(None, subject, "a fourth",
                                              origin=CaseOrigin.INCIDENT)
    assert again.id == first.id
    duplicate = Case(id=new_ref("C"), subject=subject, summary="raw insert",
                     origin=CaseOrigin.ESCALATION, severity=Severity.SERIOUS,
                     opened_at=harness.clock.now())
    with pytest.raises(DuplicateRecord):
        async with harness.storage.transaction() as tx:
            await tx.insert(duplicate)
    # staff may still open a case of their own about the same person
    staff_case = await harness.services.cases.open_by_staff(STAFF, subject, "separate matter",
                                                            Severity.SERIOUS)
    assert staff_case.id != first.id
    async with harness.storage.transaction() as tx:
        assert await tx.count(Case, subject=subject, status=CaseStatus.OPEN) == 2


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=40))
async def test_any_interleaving_leaves_at_most_one_open_automatic_case(
        clock: FakeClock, tmp_path: Path, authors: list[int]) -> None:
    from storage import open_storage

    name = f"{new_ref('H')}.db"  # hypothesis reuses tmp_path across examples
    store = await open_storage(f"sqlite:///{tmp_path / name}")
    await store.migrate()
    try:
        h = await build_harness(clock, store)
        await asyncio.gather(*(h.services.incidents.handle(None, removal(a, n))
                               for n, a in enumerate(authors)))
        async with h.storage.transaction() as tx:
            cases = await tx.find(Case, status=CaseStatus.OPEN)
        per_person = Counter(case.subject for case in cases)
        assert all(count == 1 for count in per_person.values())
        expected = {a for a, n in Counter(authors).items() if n >= 3}
        assert {s.id for s in per_person} == {f"u{a}" for a in expected}
    finally:
        await store.close()
