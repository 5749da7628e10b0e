"""The storage contract: what every backend behind ``bot.core.ports.Storage`` must do.

Nothing here knows which backend it talks to: each test runs once per URL in
``conftest.BACKENDS`` and uses only the ``Storage``/``Tx`` protocols, so a PostgreSQL
backend is held to the same behaviour by adding its URL there.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.errors import DuplicateRecord, NotFound, StorageError
from bot.core.identity import MessageRef, PersonRef, PlaceRef, PlatformName
from bot.core.models import (
    ENTITY_TYPES,
    ActionKind,
    ActionStatus,
    AuditEntry,
    Case,
    CaseOrigin,
    Incident,
    IncidentKind,
    Report,
    ReportStatus,
    ScheduledAction,
    Severity,
)
from bot.core.ports import Storage
from storage import open_migrated, open_storage
from storage._codec import codec_for
from storage._migrations import load_migrations
from tests.storage import samples
from tests.storage.samples import ALICE, BOB, CAROL, KATHMANDU, TOKYO
from tests.waiting import DEADLINE

ENTITY_IDS = [cls.__name__ for cls in ENTITY_TYPES]
NEW_YORK = timezone(timedelta(hours=-5))


def _action(id: str, due_at: datetime, **changes: Any) -> ScheduledAction:
    return ScheduledAction(id, ActionKind.REPORT_DUE, f"subject-{id}", due_at, **changes)


async def _get(store: Storage, cls: type, id: str) -> Any:
    async with store.transaction() as tx:
        return await tx.get(cls, id)


async def _insert(store: Storage, *entities: Any) -> None:
    async with store.transaction() as tx:
        for entity in entities:
            await tx.insert(entity)


# --- 1. round trips -------------------------------------------------------------------


@pytest.mark.parametrize("cls", ENTITY_TYPES, ids=ENTITY_IDS)
def test_samples_cover_every_field(cls: type) -> None:
    """The full sample sets every field; the minimal one leaves every optional one None."""
    full, minimal = samples.full(cls), samples.minimal(cls)
    assert type(full) is cls and type(minimal) is cls
    unset = [f.name for f in dataclasses.fields(cls) if getattr(full, f.name) is None]
    assert unset == [], f"full {cls.__name__} sample leaves {unset} unset"
    nullable = {c.name for c in codec_for(cls).columns if c.nullable}
    set_optionals = [name for name in nullable if getattr(minimal, name) is not None]
    assert set_optionals == [], f"minimal {cls.__name__} sample sets {set_optionals}"
    assert full.id != minimal.id


@pytest.mark.parametrize("cls", ENTITY_TYPES, ids=ENTITY_IDS)
async def test_round_trip_of_every_entity(store: Storage, cls: type) -> None:
    full, minimal = samples.full(cls), samples.minimal(cls)
    await _insert(store, full, minimal)
    async with store.transaction() as tx:
        got_full = await tx.get(cls, full.id)
        got_minimal = await tx.get(cls, minimal.id)
        found = await tx.find(cls)
        assert await tx.count(cls) == 2
        assert await tx.get(cls, "no-such-id") is None
    assert got_full == full
    assert got_minimal == minimal
    assert sorted(found, key=lambda e: e.id) == sorted([full, minimal], key=lambda e: e.id)
    for field in dataclasses.fields(cls):
        before, after = getattr(full, field.name), getattr(got_full, field.name)
        assert type(after) is type(before) or (
            isinstance(before, datetime) and isinstance(after, datetime)), field.name
        if isinstance(before, datetime):
            # The same instant, to the microsecond, and still aware.
            assert after.utcoffset() is not None
            assert after.astimezone(UTC) == before.astimezone(UTC)
            assert after.microsecond == before.astimezone(UTC).microsecond


async def test_a_non_utc_time_comes_back_as_the_same_instant(store: Storage) -> None:
    moment = datetime(2026, 7, 1, 23, 30, 0, 1, tzinfo=samples.CHICAGO)  # next day in UTC
    await _insert(store, _action("a", moment))
    got = await _get(store, ScheduledAction, "a")
    assert got.due_at == moment
    assert got.due_at.astimezone(UTC) == datetime(2026, 7, 2, 4, 30, 0, 1, tzinfo=UTC)


_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                max_size=200)
_key_part = st.text(st.characters(exclude_categories=("Cs",), exclude_characters=":\x00"),
                    min_size=1, max_size=20)
_offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
_moments = st.datetimes(  # hypothesis takes naive bounds and attaches ``timezones``
    min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=_offsets)
_optional_moments = st.none() | _moments
_people = st.builds(PersonRef, st.sampled_from(PlatformName), _key_part, _key_part)
_places = st.builds(PlaceRef, st.sampled_from(PlatformName), _key_part, _key_part)
_messages = st.builds(MessageRef, st.sampled_from(PlatformName), _key_part, _key_part,
                      _key_part)
_incidents = st.builds(
    Incident, id=st.just("placeholder"), subject=_people,
    kind=st.sampled_from(IncidentKind), clause_id=_text, severity=st.sampled_from(Severity),
    created_at=_moments, automated=st.booleans(), actor=st.none() | _people,
    note=st.none() | _text, message=st.none() | _messages, excerpt=st.none() | _text,
    channel=st.none() | _places, report_id=st.none() | _text, rule_id=st.none() | _text,
    dm_delivered=st.none() | st.booleans(), reported_to_committee=st.booleans(),
    case_id=st.none() | _text, reversed_at=_optional_moments,
    reversed_by=st.none() | _people)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(incident=_incidents, id=_text.filter(bool))
async def test_any_incident_round_trips(store: Storage, incident: Incident, id: str) -> None:
    """Arbitrary unicode, quotes, offsets and instants survive storage unchanged."""
    incident = dataclasses.replace(incident, id=f"{uuid.uuid4()}/{id}")
    await _insert(store, incident)
    async with store.transaction() as tx:
        got = await tx.get(Incident, incident.id)
        by_subject = await tx.find(Incident, id=incident.id, subject=incident.subject,
                                   created_at=incident.created_at)
    assert got == incident
    assert by_subject == [incident]


async def test_storing_a_naive_datetime_is_refused(store: Storage) -> None:
    naive = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        async with store.transaction() as tx:
            await tx.insert(_action("naive", naive))
    assert await _get(store, ScheduledAction, "naive") is None


async def test_a_value_of_the_wrong_type_is_refused(store: Storage) -> None:
    bad = _action("bad", samples.t(0), attempts="3")
    with pytest.raises(TypeError, match="attempts"):
        async with store.transaction() as tx:
            await tx.insert(bad)
    assert await _get(store, ScheduledAction, "bad") is None


# --- 2. find / count filters ----------------------------------------------------------

BASE = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
async def actions(store: Storage) -> dict[str, ScheduledAction]:
    """Rows whose local-time text order differs from their instant order."""
    rows = [
        # 12:00 UTC written as 21:00 in Tokyo.
        _action("a", BASE.astimezone(TOKYO), claimed_by="w1", attempts=1),
        # 13:00 UTC written as 08:00 in New York.
        _action("b", (BASE + timedelta(hours=1)).astimezone(NEW_YORK), claimed_by="w2",
                status=ActionStatus.RUNNING),
        # 11:00 UTC written as 16:45 in Kathmandu.
        _action("c", (BASE - timedelta(hours=1)).astimezone(KATHMANDU), attempts=2),
        # 12:00:00.000001 UTC, one microsecond after "a".
        _action("d", BASE + timedelta(microseconds=1), status=ActionStatus.DONE,
                claimed_by="w1"),
        # 10:00 UTC, in Chicago.
        _action("e", (BASE - timedelta(hours=2)).astimezone(samples.CHICAGO)),
    ]
    await _insert(store, *rows)
    return {row.id: row for row in rows}


async def _ids(store: Storage, **where: Any) -> list[str]:
    async with store.transaction() as tx:
        found = await tx.find(ScheduledAction, **where)
        filters = {k: v for k, v in where.items()
                   if k not in ("order_by", "descending", "limit")}
        count = await tx.count(ScheduledAction, **filters)
        assert await tx.exists(ScheduledAction, **filters) == (count > 0), where
    if "limit" not in where:
        assert count == len(found), where
    ids = [row.id for row in found]
    return ids if "order_by" in where else sorted(ids)


async def test_filter_by_equality(store: Storage, actions: dict[str, Any]) -> None:
    assert await _ids(store, status=ActionStatus.PENDING) == ["a", "c", "e"]
    assert await _ids(store, claimed_by="w1") == ["a", "d"]
    assert await _ids(store, claimed_by="w1", status=ActionStatus.DONE) == ["d"]
    assert await _ids(store, attempts=2) == ["c"]
    assert await _ids(store, due_at=BASE) == ["a"]
    assert await _ids(store, due_at=BASE.astimezone(NEW_YORK)) == ["a"]
    assert await _ids(store, claimed_by="nobody") == []
    assert await _ids(store) == ["a", "b", "c", "d", "e"]


async def test_filter_none_matches_null(store: Storage, actions: dict[str, Any]) -> None:
    assert await _ids(store, claimed_by=None) == ["c", "e"]
    assert await _ids(store, claimed_by=None, attempts=2) == ["c"]


async def test_ne_is_null_safe(store: Storage, actions: dict[str, Any]) -> None:
    # Rows with no claimant are "not w1" too; plain SQL "!=" would drop them.
    assert await _ids(store, claimed_by__ne="w1") == ["b", "c", "e"]
    assert await _ids(store, status__ne=ActionStatus.PENDING) == ["b", "d"]
    assert await _ids(store, claimed_by__ne=None) == ["a", "b", "d"]


async def test_in(store: Storage, actions: dict[str, Any]) -> None:
    assert await _ids(store, claimed_by__in=["w2", "zz"]) == ["b"]
    assert await _ids(store, claimed_by__in=("w2", None)) == ["b", "c", "e"]
    assert await _ids(store, claimed_by__in=[None]) == ["c", "e"]
    assert await _ids(store, claimed_by__in=[]) == []
    assert await _ids(store, status__in={ActionStatus.DONE, ActionStatus.RUNNING}) == ["b", "d"]
    assert await _ids(store, id__in=("a", "e", "x")) == ["a", "e"]
    assert await _ids(store, status__in=[], claimed_by=None) == []


async def test_in_needs_a_collection(store: Storage, actions: dict[str, Any]) -> None:
    async with store.transaction() as tx:
        with pytest.raises(TypeError):
            await tx.find(ScheduledAction, claimed_by__in="w1")


async def test_datetime_comparisons_across_time_zones(
        store: Storage, actions: dict[str, Any]) -> None:
    bound = BASE.astimezone(samples.CHICAGO)  # 06:00 in Chicago = 12:00 UTC
    assert await _ids(store, due_at__lt=bound) == ["c", "e"]
    assert await _ids(store, due_at__lte=bound) == ["a", "c", "e"]
    assert await _ids(store, due_at__gt=bound) == ["b", "d"]
    assert await _ids(store, due_at__gte=bound) == ["a", "b", "d"]
    assert await _ids(store, due_at__gt=BASE.astimezone(TOKYO),
                      due_at__lt=(BASE + timedelta(hours=1)).astimezone(KATHMANDU)) == ["d"]
    assert await _ids(store, due_at__gte=BASE - timedelta(hours=1), attempts__gt=0) == ["a", "c"]
    assert await _ids(store, attempts__lte=1, due_at__lt=BASE) == ["e"]


async def test_order_by_and_limit(store: Storage, actions: dict[str, Any]) -> None:
    assert await _ids(store, order_by="due_at") == ["e", "c", "a", "d", "b"]
    assert await _ids(store, order_by="due_at", descending=True) == ["b", "d", "a", "c", "e"]
    assert await _ids(store, order_by="due_at", limit=2) == ["e", "c"]
    assert await _ids(store, order_by="due_at", descending=True, limit=1) == ["b"]
    assert await _ids(store, order_by="due_at", limit=0) == []
    assert await _ids(store, order_by="due_at", limit=10, status=ActionStatus.PENDING) == [
        "e", "c", "a"]
    # Ties are broken by id, in the same direction, so paging is deterministic.
    assert await _ids(store, order_by="attempts") == ["b", "d", "e", "a", "c"]
    assert await _ids(store, order_by="attempts", descending=True) == ["c", "a", "e", "d", "b"]


async def test_filter_by_reference_enum_and_bool(store: Storage) -> None:
    await _insert(store, samples.full(Incident), samples.minimal(Incident),
                  dataclasses.replace(samples.minimal(Incident), id="i-3", subject=ALICE,
                                      automated=True))
    async with store.transaction() as tx:
        assert {i.id for i in await tx.find(Incident, subject=samples.BOB)} == {"i-full",
                                                                                "i-min"}
        assert [i.id for i in await tx.find(Incident, automated=True, subject__ne=BOB)] == [
            "i-3"]
        assert await tx.count(Incident, kind=IncidentKind.WARNING) == 2
        assert await tx.count(Incident, actor=CAROL) == 1
        assert await tx.count(Incident, dm_delivered=False) == 1
        assert await tx.count(Incident, dm_delivered__ne=False) == 2


@pytest.mark.parametrize("where", [
    {"no_such_field": 1},
    {"no_such_field__in": [1]},
    {"status__like": "pend%"},
    {"claimed_by__startswith": "w"},
    {"due_at__": BASE},
])
async def test_unknown_filter_field_raises_value_error(
        store: Storage, actions: dict[str, Any], where: dict[str, Any]) -> None:
    async with store.transaction() as tx:
        with pytest.raises(ValueError):
            await tx.find(ScheduledAction, **where)
        with pytest.raises(ValueError):
            await tx.count(ScheduledAction, **where)


async def test_unknown_order_by_raises_value_error(
        store: Storage, actions: dict[str, Any]) -> None:
    async with store.transaction() as tx:
        with pytest.raises(ValueError):
            await tx.find(ScheduledAction, order_by="due_at; DROP TABLE scheduled_actions")
        with pytest.raises(ValueError):
            await tx.find(ScheduledAction, order_by="nope")
    assert await _ids(store) == ["a", "b", "c", "d", "e"]


async def test_naive_datetime_in_a_filter_raises_value_error(
        store: Storage, actions: dict[str, Any]) -> None:
    naive = datetime(2026, 1, 5, 12, 0)  # noqa: DTZ001 - the point of the test
    async with store.transaction() as tx:
        for key in ("due_at", "due_at__lt", "due_at__gte", "due_at__ne"):
            with pytest.raises(ValueError, match="naive"):
                await tx.find(ScheduledAction, **{key: naive})
        with pytest.raises(ValueError, match="naive"):
            await tx.count(ScheduledAction, due_at__in=[BASE, naive])


async def test_ordering_against_none_raises_value_error(
        store: Storage, actions: dict[str, Any]) -> None:
    async with store.transaction() as tx:
        with pytest.raises(ValueError):
            await tx.find(ScheduledAction, claimed_at__lt=None)


# --- 3. insert / update / upsert / delete / update_if ---------------------------------


async def test_insert_of_a_duplicate_id_is_refused(store: Storage) -> None:
    first = _action("dup", BASE, claimed_by="first")
    await _insert(store, first)
    with pytest.raises(StorageError, match="dup"):
        await _insert(store, _action("dup", BASE + timedelta(days=1), claimed_by="second"))
    assert await _get(store, ScheduledAction, "dup") == first
    async with store.transaction() as tx:
        assert await tx.count(ScheduledAction) == 1


async def test_a_refused_insert_rolls_back_its_transaction(store: Storage) -> None:
    await _insert(store, _action("dup", BASE))
    with pytest.raises(StorageError):
        await _insert(store, _action("other", BASE), _action("dup", BASE))
    assert await _get(store, ScheduledAction, "other") is None


async def test_a_second_open_automatic_case_is_a_duplicate_record(store: Storage) -> None:
    """Another unique rule than the id (one open automatic case per person) is reported as
    ``DuplicateRecord`` on every backend, so the service can join the case that won."""
    def case(id: str) -> Case:
        return Case(id, BOB, "repeat violations", CaseOrigin.ESCALATION, Severity.SERIOUS, BASE)

    await _insert(store, case("C-first"))
    with pytest.raises(DuplicateRecord):
        await _insert(store, case("C-second"))
    assert await _get(store, Case, "C-second") is None


async def test_insert_new_claims_an_id_once_and_keeps_the_first(store: Storage) -> None:
    first = _action("claim", BASE, claimed_by="first")
    async with store.transaction() as tx:
        assert await tx.insert_new(first) is True
        assert await tx.insert_new(_action("claim", BASE, claimed_by="second")) is False
    async with store.transaction() as tx:  # no error, and the transaction still commits
        assert await tx.insert_new(_action("claim", BASE, claimed_by="third")) is False
        assert await tx.insert_new(_action("other", BASE)) is True
    assert await _get(store, ScheduledAction, "claim") == first
    assert await _get(store, ScheduledAction, "other") is not None


async def test_concurrent_insert_new_has_exactly_one_winner(backend_url: str) -> None:
    """Two connections (two processes' worth) race to claim one id: one wins."""
    first = await open_migrated(backend_url)
    # separate in-memory databases share nothing: there, two tasks on one store race
    second = first if backend_url.endswith(":memory:") else await open_migrated(backend_url)
    stores = [first, second]

    async def claim(store: Storage, who: str) -> bool:
        async with store.transaction() as tx:
            return await tx.insert_new(_action("race", BASE, claimed_by=who))
    try:
        results = await asyncio.gather(*(claim(s, f"p{n}") for n, s in enumerate(stores)))
        assert sorted(results) == [False, True]
    finally:
        await first.close()
        await second.close()


async def test_update_replaces_and_a_missing_id_raises_not_found(store: Storage) -> None:
    original = samples.minimal(Report)
    await _insert(store, original)
    changed = dataclasses.replace(original, status=ReportStatus.DISMISSED, handled_by=CAROL,
                                  handled_at=BASE.astimezone(TOKYO))
    async with store.transaction() as tx:
        await tx.update(changed)
    assert await _get(store, Report, original.id) == changed
    with pytest.raises(NotFound, match="missing"):
        async with store.transaction() as tx:
            await tx.update(dataclasses.replace(original, id="missing"))
    assert await _get(store, Report, "missing") is None
    # Clearing an optional field stores NULL again.
    async with store.transaction() as tx:
        await tx.update(original)
    assert await _get(store, Report, original.id) == original


async def test_upsert_inserts_then_replaces(store: Storage) -> None:
    first = samples.minimal(Report)
    second = samples.full(Report)
    second = dataclasses.replace(second, id=first.id)
    async with store.transaction() as tx:
        await tx.upsert(first)
    assert await _get(store, Report, first.id) == first
    async with store.transaction() as tx:
        await tx.upsert(second)
    assert await _get(store, Report, first.id) == second
    async with store.transaction() as tx:
        assert await tx.count(Report) == 1


async def test_delete_reports_whether_a_row_went(store: Storage) -> None:
    await _insert(store, _action("a", BASE), _action("b", BASE))
    async with store.transaction() as tx:
        assert await tx.delete(ScheduledAction, "a") is True
        assert await tx.delete(ScheduledAction, "a") is False
        assert await tx.delete(ScheduledAction, "never") is False
    assert await _ids(store) == ["b"]


async def test_update_if_succeeds_only_when_expected_fields_match(store: Storage) -> None:
    pending = _action("job", BASE)
    await _insert(store, pending)
    running = dataclasses.replace(pending, status=ActionStatus.RUNNING, claimed_by="w1",
                                  claimed_at=BASE, attempts=1)
    async with store.transaction() as tx:
        assert await tx.update_if(running, status=ActionStatus.PENDING, claimed_by=None)
    assert await _get(store, ScheduledAction, "job") == running

    stolen = dataclasses.replace(running, claimed_by="w2")
    async with store.transaction() as tx:
        assert await tx.update_if(stolen, status=ActionStatus.PENDING) is False
        assert await tx.update_if(stolen, status=ActionStatus.RUNNING, claimed_by="w3") is False
        assert await tx.update_if(stolen, claimed_by=None) is False
        assert await tx.update_if(stolen, attempts__lt=1) is False
        assert await tx.update_if(dataclasses.replace(stolen, id="missing")) is False
    assert await _get(store, ScheduledAction, "job") == running

    done = dataclasses.replace(running, status=ActionStatus.DONE, finished_at=BASE)
    async with store.transaction() as tx:
        assert await tx.update_if(done, claimed_by="w1", attempts__lt=2,
                                  claimed_at=BASE.astimezone(TOKYO))
    assert await _get(store, ScheduledAction, "job") == done
    async with store.transaction() as tx:
        assert await tx.update_if(pending)  # no expectations: a plain update
        with pytest.raises(ValueError):
            await tx.update_if(pending, nonsense="x")
    assert await _get(store, ScheduledAction, "job") == pending


async def test_insert_all_adds_every_record_or_none(store: Storage) -> None:
    rows = [_action(f"many-{n}", BASE + timedelta(minutes=n)) for n in range(50)]
    async with store.transaction() as tx:
        await tx.insert_all(rows)
        await tx.insert_all([])  # nothing to add is fine
    assert await _ids(store) == sorted(r.id for r in rows)
    with pytest.raises(StorageError, match="already exists"):
        async with store.transaction() as tx:
            await tx.insert_all([_action("fresh", BASE), rows[3]])
    assert await _get(store, ScheduledAction, "fresh") is None  # rolled back with it
    with pytest.raises(ValueError):
        async with store.transaction() as tx:
            await tx.insert_all([_action("x", BASE), samples.full(AuditEntry)])
    entries = [dataclasses.replace(samples.full(AuditEntry), id=f"audit-{n}")
               for n in range(3)]
    async with store.transaction() as tx:  # appending to the append-only log is allowed
        await tx.insert_all(entries)
        assert await tx.count(AuditEntry) == 3


async def test_insert_all_new_adds_only_the_ids_not_there_yet(store: Storage) -> None:
    await _insert(store, _action("old", BASE))
    fresh = [_action(f"new-{n}", BASE) for n in range(40)]
    twice = _action("new-0", BASE + timedelta(hours=1))  # a repeat within the batch
    async with store.transaction() as tx:
        added = await tx.insert_all_new([_action("old", BASE + timedelta(days=1)),
                                         *fresh, twice])
        assert await tx.insert_all_new([]) == set()
    assert added == {r.id for r in fresh}
    assert await _get(store, ScheduledAction, "old") == _action("old", BASE)  # untouched
    assert await _get(store, ScheduledAction, "new-0") == fresh[0]  # the first one wins
    async with store.transaction() as tx:
        assert await tx.insert_all_new(fresh) == set()  # all there now: nothing added
    with pytest.raises(ValueError):
        async with store.transaction() as tx:
            await tx.insert_all_new([_action("x", BASE), samples.full(AuditEntry)])
    assert await _get(store, ScheduledAction, "x") is None


async def test_update_all_if_replaces_exactly_the_records_that_still_match(
        store: Storage) -> None:
    rows = [_action(f"job-{n}", BASE) for n in range(6)]
    await _insert(store, *rows)
    taken = dataclasses.replace(rows[1], status=ActionStatus.RUNNING, claimed_by="other")
    async with store.transaction() as tx:
        await tx.update(taken)  # another process claimed job-1 first
    claims = [dataclasses.replace(r, status=ActionStatus.RUNNING, claimed_by="me",
                                  claimed_at=BASE, attempts=1) for r in rows]
    missing = _action("never-added", BASE)
    async with store.transaction() as tx:
        won = await tx.update_all_if([*claims, missing], status=ActionStatus.PENDING)
        assert await tx.update_all_if([]) == set()
    assert won == {r.id for r in rows} - {"job-1"}
    assert await _get(store, ScheduledAction, "job-1") == taken
    assert await _get(store, ScheduledAction, "job-0") == claims[0]
    assert await _get(store, ScheduledAction, "never-added") is None
    async with store.transaction() as tx:
        again = await tx.update_all_if(claims, status=ActionStatus.PENDING)
        assert again == set()  # a second claimer wins nothing
        done = [dataclasses.replace(c, status=ActionStatus.DONE) for c in claims]
        assert await tx.update_all_if(done, claimed_by="me") == won
    assert await _ids(store, status=ActionStatus.DONE) == sorted(won)
    entry = samples.full(AuditEntry)
    await _insert(store, entry)
    with pytest.raises(StorageError, match="append-only"):
        async with store.transaction() as tx:
            await tx.update_all_if([dataclasses.replace(entry, reason="changed")])


# --- 4. transactions ------------------------------------------------------------------


class Boom(Exception):
    pass


async def test_an_exception_rolls_back_the_whole_transaction(store: Storage) -> None:
    kept, changed, removed = _action("kept", BASE), _action("changed", BASE), _action(
        "removed", BASE)
    await _insert(store, kept, changed, removed)
    with pytest.raises(Boom):
        async with store.transaction() as tx:
            await tx.insert(_action("new", BASE))
            await tx.update(dataclasses.replace(changed, attempts=9))
            await tx.upsert(dataclasses.replace(kept, claimed_by="x"))
            assert await tx.delete(ScheduledAction, "removed")
            await tx.insert(samples.full(AuditEntry))
            # The transaction sees its own writes before it fails.
            assert await tx.count(ScheduledAction) == 3
            assert (await tx.get(ScheduledAction, "changed")).attempts == 9
            raise Boom
    async with store.transaction() as tx:
        assert await tx.get(ScheduledAction, "new") is None
        assert await tx.get(ScheduledAction, "changed") == changed
        assert await tx.get(ScheduledAction, "kept") == kept
        assert await tx.get(ScheduledAction, "removed") == removed
        assert await tx.count(AuditEntry) == 0


async def test_a_cancelled_transaction_rolls_back_and_frees_the_store(store: Storage) -> None:
    entered = asyncio.Event()

    async def slow_writer() -> None:
        async with store.transaction() as tx:
            await tx.insert(_action("half-done", BASE))
            entered.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(slow_writer())
    await asyncio.wait_for(entered.wait(), DEADLINE)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.wait_for(_get(store, ScheduledAction, "half-done"), DEADLINE) is None
    await asyncio.wait_for(_insert(store, _action("after", BASE)), DEADLINE)
    assert await _ids(store) == ["after"]


async def test_a_nested_transaction_raises_instead_of_hanging(store: Storage) -> None:
    async def nest() -> None:
        async with store.transaction() as outer:
            await outer.insert(_action("outer", BASE))
            async with store.transaction() as inner:
                await inner.insert(_action("inner", BASE))

    with pytest.raises(StorageError):
        await asyncio.wait_for(nest(), timeout=DEADLINE)
    # The outer transaction failed with it, and the store is usable afterwards.
    assert await asyncio.wait_for(_ids(store), timeout=DEADLINE) == []


async def test_concurrent_read_modify_write_transactions_lose_no_update(
        store: Storage) -> None:
    await _insert(store, _action("counter", BASE))

    async def increment() -> None:
        async with store.transaction() as tx:
            row = await tx.get(ScheduledAction, "counter")
            await asyncio.sleep(0)  # let every other coroutine try to get in here
            await tx.update(dataclasses.replace(row, attempts=row.attempts + 1))

    await asyncio.wait_for(asyncio.gather(*(increment() for _ in range(50))), DEADLINE)
    assert (await _get(store, ScheduledAction, "counter")).attempts == 50


async def test_concurrent_update_if_retries_lose_no_update(store: Storage) -> None:
    await _insert(store, _action("counter", BASE))
    conflicts = 0

    async def increment() -> None:
        nonlocal conflicts
        while True:
            row = await _get(store, ScheduledAction, "counter")  # one transaction...
            await asyncio.sleep(0)
            bumped = dataclasses.replace(row, attempts=row.attempts + 1)
            async with store.transaction() as tx:  # ...and a later one that may lose
                if await tx.update_if(bumped, attempts=row.attempts):
                    return
            conflicts += 1

    await asyncio.wait_for(asyncio.gather(*(increment() for _ in range(50))), 60)
    assert (await _get(store, ScheduledAction, "counter")).attempts == 50
    assert conflicts > 0, "the coroutines never raced, so the test proved nothing"


async def test_a_closed_store_refuses_transactions(backend_url: str) -> None:
    opened = await open_migrated(backend_url)
    await opened.close()
    await opened.close()  # idempotent
    with pytest.raises(StorageError):
        async with opened.transaction():
            pass


# --- 5. the audit log is append-only --------------------------------------------------


async def test_audit_entries_cannot_be_changed_or_removed(store: Storage) -> None:
    entry = samples.full(AuditEntry)
    await _insert(store, entry)
    edited = dataclasses.replace(entry, reason="rewritten history")
    for attempt in ("update", "upsert", "update_if", "delete"):
        with pytest.raises(StorageError, match="append-only"):
            async with store.transaction() as tx:
                if attempt == "delete":
                    await tx.delete(AuditEntry, entry.id)
                elif attempt == "update_if":
                    await tx.update_if(edited, reason=entry.reason)
                else:
                    await getattr(tx, attempt)(edited)
    assert await _get(store, AuditEntry, entry.id) == entry
    # Appending still works, and a duplicate id is refused rather than overwriting.
    second = dataclasses.replace(entry, id="au-2")
    await _insert(store, second)
    with pytest.raises(StorageError):
        await _insert(store, edited)
    async with store.transaction() as tx:
        assert await tx.count(AuditEntry) == 2
        assert await tx.get(AuditEntry, entry.id) == entry


# --- 6. migrations (through the port) -------------------------------------------------


async def test_migrate_applies_each_migration_once(backend_url: str) -> None:
    fresh = await open_storage(backend_url)
    try:
        applied = await fresh.migrate()
        assert applied == [m.version for m in load_migrations()]
        assert applied[0] == 1
        assert await fresh.migrate() == []
        await _insert(fresh, samples.minimal(Report))
        assert await fresh.migrate() == []
        assert await _get(fresh, Report, "r-min") == samples.minimal(Report)
    finally:
        await fresh.close()


async def test_two_stores_migrating_at_once_apply_each_migration_once(
        backend_url: str) -> None:
    """Two processes starting together on one database: one applies each migration, the
    other waits for it and finds it done; neither fails."""
    if backend_url.endswith(":memory:"):
        pytest.skip("two in-memory stores are two databases")
    first, second = await open_storage(backend_url), await open_storage(backend_url)
    try:
        applied = await asyncio.wait_for(asyncio.gather(first.migrate(), second.migrate()), 60)
        versions = sorted([*applied[0], *applied[1]])
        assert versions == [m.version for m in load_migrations()], applied
        await _insert(first, samples.minimal(Report))
        assert await _get(second, Report, "r-min") == samples.minimal(Report)
    finally:
        await first.close()
        await second.close()


# --- 7. a recorded erasure is the audit log's one exception ---------------------------


async def test_an_erasure_may_blank_personal_fields_of_the_audit_log_only(
        store: Storage) -> None:
    entry = samples.full(AuditEntry)
    await _insert(store, entry)
    blanked = dataclasses.replace(entry, actor=None, reason=None, details=None)
    with pytest.raises(StorageError, match="erasure"):
        async with store.transaction() as tx:  # not an erasure: the port refuses
            await tx.rewrite(blanked)
    for changed in (dataclasses.replace(blanked, action="rewritten"),
                    dataclasses.replace(blanked, at=entry.at + timedelta(days=1)),
                    dataclasses.replace(blanked, automated=not entry.automated),
                    dataclasses.replace(blanked, subject_id="s-other")):
        with pytest.raises(StorageError, match="personal fields of the audit log"):
            async with store.erasure() as tx:  # the database refuses: events stay
                await tx.rewrite(changed)
    assert await _get(store, AuditEntry, entry.id) == entry
    async with store.erasure() as tx:
        await tx.rewrite(blanked)
    assert await _get(store, AuditEntry, entry.id) == blanked
    # The exception ends with the erasure: the next transaction is append-only again.
    with pytest.raises(StorageError, match="append-only"):
        async with store.transaction() as tx:
            await tx.update(dataclasses.replace(blanked, reason="again"))
