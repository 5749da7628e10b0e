"""Migration 0009 builds its unique index even on a database the old race left with
duplicate open automatic cases: the earliest stays open, the others are closed, saying why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.identity import PersonRef, PlatformName
from bot.core.models import Case, CaseOrigin, CaseStatus, Severity
from storage import open_storage
from storage._migrations import load_migrations

T0 = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
SUBJECT = PersonRef(PlatformName.DISCORD, "100", "spammer")


def case(n: int, origin: CaseOrigin = CaseOrigin.ESCALATION) -> Case:
    return Case(id=f"C-{n:07d}", subject=SUBJECT, summary="three removals", origin=origin,
                severity=Severity.SERIOUS, opened_at=T0 + timedelta(seconds=n))


async def test_duplicates_from_the_old_race_are_closed_and_the_index_built() -> None:
    store = await open_storage("sqlite:///:memory:")
    await store.migrate()
    conn = store._conn  # type: ignore[attr-defined]
    await conn.execute("DROP INDEX cases_one_open_automatic")  # as before 0009
    async with store.transaction() as tx:
        for item in (case(3), case(1), case(2), case(4, CaseOrigin.STAFF)):
            await tx.insert(item)
    migration = next(m for m in load_migrations() if m.version == 9)
    for statement in migration.statements:
        await conn.execute(statement)
    await conn.commit()
    async with store.transaction() as tx:
        found = {c.id: c for c in await tx.find(Case)}
    assert found["C-0000001"].status is CaseStatus.OPEN  # the earliest automatic one
    for closed in ("C-0000002", "C-0000003"):
        assert found[closed].status is CaseStatus.CLOSED
        assert "duplicate" in found[closed].summary and found[closed].final_at is not None
    assert found["C-0000004"].status is CaseStatus.OPEN  # staff's own case is untouched
    await store.close()
