"""The codec for value kinds no current entity uses (tuples, sets, floats, times).

No model has a collection field yet, so these go through a test-only record on a table
created for it, both through the codec alone and through the real SQLite backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar

import pytest

from bot.core.identity import PersonRef, PlatformName
from bot.core.models import Role
from storage import SqliteStorage, open_migrated
from storage._codec import codec_for
from tests.storage.samples import CHICAGO, TOKYO


@dataclass(frozen=True, slots=True, kw_only=True)
class Gadget:
    TABLE: ClassVar[str] = "test_gadgets"
    id: str
    names: tuple[str, ...]
    roles: frozenset[Role]
    moments: tuple[datetime, ...] = ()
    people: frozenset[PersonRef] = field(default_factory=frozenset)
    ratio: float | None = None
    span: timedelta | None = None
    alarm: time | None = None
    day: date | None = None
    counts: tuple[int, ...] | None = None


FULL = Gadget(
    id="g1", names=("b", "a", "it's \"x\"", "ü"), roles=frozenset({Role.STAFF, Role.COUNSEL}),
    moments=(datetime(2026, 1, 1, 1, 2, 3, 4, tzinfo=CHICAGO),
             datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=TOKYO)),
    people=frozenset({PersonRef(PlatformName.SLACK, "T1", "U1"),
                      PersonRef(PlatformName.DISCORD, "g", "1")}),
    ratio=0.25, span=timedelta(days=-1, microseconds=7), alarm=time(7, 30, 0, 5),
    day=date(2028, 2, 29), counts=(3, 1, 2))
EMPTY = Gadget(id="g2", names=(), roles=frozenset())


@pytest.mark.parametrize("gadget", [FULL, EMPTY], ids=["full", "empty"])
def test_codec_round_trip(gadget: Gadget) -> None:
    codec = codec_for(Gadget)
    assert codec.decode(codec.encode(gadget)) == gadget


def test_equal_sets_are_stored_equally() -> None:
    codec = codec_for(Gadget)
    a = Gadget(id="x", names=(), roles=frozenset([Role.STAFF, Role.EXECUTIVE, Role.COUNSEL]))
    b = Gadget(id="x", names=(), roles=frozenset([Role.COUNSEL, Role.EXECUTIVE, Role.STAFF]))
    assert codec.encode(a) == codec.encode(b)
    # Tuples keep their order.
    assert codec.decode(codec.encode(FULL)).names == ("b", "a", "it's \"x\"", "ü")


def test_wrong_element_types_are_refused() -> None:
    codec = codec_for(Gadget)
    with pytest.raises(TypeError, match="names"):
        codec.encode(Gadget(id="x", names=(1,), roles=frozenset()))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="counts"):
        codec.encode(Gadget(id="x", names=(), roles=frozenset(),
                            counts=(True,)))
    with pytest.raises(ValueError, match="naive"):
        codec.encode(Gadget(id="x", names=(), roles=frozenset(),
                            moments=(datetime(2026, 1, 1),)))  # noqa: DTZ001


@pytest.mark.parametrize("annotation", [
    list[str], dict[str, int], int | str, tuple[int, str], tuple[tuple[int, ...], ...], bytes,
    object, frozenset[int] | str,
], ids=repr)
def test_unstorable_field_types_are_refused_when_registered(annotation: object) -> None:
    bad = make_dataclass("Bad", [("id", str), ("value", annotation)],
                         namespace={"TABLE": "bad"}, frozen=True)
    with pytest.raises(TypeError, match=r"Bad\.value"):
        codec_for(bad)


async def test_collections_round_trip_through_sqlite() -> None:
    store = await open_migrated("sqlite:///:memory:")
    assert isinstance(store, SqliteStorage)
    try:
        codec = codec_for(Gadget)
        columns = ", ".join(
            f"{c.name} {c.sql_type}{'' if c.nullable else ' NOT NULL'}"
            f"{' PRIMARY KEY' if c.name == 'id' else ''}" for c in codec.columns)
        await store._conn.execute(f"CREATE TABLE {codec.table} ({columns}) STRICT")
        async with store.transaction() as tx:
            await tx.insert(FULL)
            await tx.insert(EMPTY)
        async with store.transaction() as tx:
            assert await tx.get(Gadget, "g1") == FULL
            assert await tx.get(Gadget, "g2") == EMPTY
            assert await tx.find(Gadget, roles=frozenset({Role.COUNSEL, Role.STAFF})) == [FULL]
            assert await tx.count(Gadget, span__lt=timedelta(0)) == 1
            assert await tx.count(Gadget, day__gte=date(2028, 1, 1)) == 1
            assert await tx.count(Gadget, ratio=None) == 1
            moment = datetime(2026, 1, 1, 7, 2, 3, 4, tzinfo=UTC)
            assert (await tx.get(Gadget, "g1")).moments[0] == moment  # type: ignore[union-attr]
    finally:
        await store.close()
