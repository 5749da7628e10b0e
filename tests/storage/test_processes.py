"""Two real processes racing for the same timed actions on one database: a SQLite file,
and PostgreSQL (skipped with the reason when there is none, never in CI).

Each worker reads every pending row in one transaction and tries to claim it with
``update_if(..., status=PENDING)`` in a later one, recording each win as an audit entry
in the same transaction. Exactly one worker must win each row: the claims sum to the
number of rows and no row has two claim records.

Then both increment one shared counter with get-then-update inside single transactions:
none of the increments may be lost, and neither process may fail with "database is
locked" (what a deferred ``BEGIN`` would produce when two readers both try to write).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.models import ActionKind, ActionStatus, AuditEntry, ScheduledAction
from storage import open_migrated

ROWS = 200
INCREMENTS = 100
ROOT = Path(__file__).resolve().parents[2]

WORKER = r"""
import asyncio, dataclasses, json, os, sys, time
from datetime import UTC, datetime

from bot.core.models import ActionStatus, AuditEntry, ScheduledAction
from storage import open_migrated

url, worker, folder, others = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
INCREMENTS = int(sys.argv[5])


async def barrier(stage: str) -> None:
    # Say this worker reached ``stage``, then wait for every worker to get there.
    open(os.path.join(folder, f"{stage}-{worker}"), "w").close()
    deadline = time.monotonic() + 120  # the others may still be starting on a loaded machine
    while not all(os.path.exists(os.path.join(folder, f"{stage}-{name}")) for name in others):
        if time.monotonic() > deadline:
            raise SystemExit(f"the other workers never reached {stage}")
        await asyncio.sleep(0.005)


async def main() -> None:
    store = await open_migrated(url)
    await barrier("ready")
    # A sweep: every worker sees all rows pending, so each claim below is a real race.
    async with store.transaction() as tx:
        pending = await tx.find(ScheduledAction, status=ActionStatus.PENDING, order_by="due_at")
    await barrier("swept")
    won = lost = 0
    for row in pending:
        now = datetime.now(UTC)
        claimed = dataclasses.replace(row, status=ActionStatus.RUNNING, claimed_by=worker,
                                      claimed_at=now, attempts=row.attempts + 1)
        async with store.transaction() as tx:
            if await tx.update_if(claimed, status=ActionStatus.PENDING):
                await tx.insert(AuditEntry(f"claim/{row.id}/{worker}", now, "claim",
                                           "scheduled_action", row.id, automated=True,
                                           reason=worker))
                won += 1
            else:
                lost += 1
    # Then read-modify-write one shared counter in single transactions, all at once.
    await barrier("claimed")
    for _ in range(INCREMENTS):
        async with store.transaction() as tx:
            counter = await tx.get(ScheduledAction, "counter")
            await tx.update(dataclasses.replace(counter, attempts=counter.attempts + 1))
    await store.close()
    print(json.dumps({"worker": worker, "seen": len(pending), "won": won, "lost": lost}))


asyncio.run(main())
"""


async def _run_workers(url: str, folder: Path, workers: list[str]) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    pipe = asyncio.subprocess.PIPE
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-c", WORKER, url, name, str(folder), ",".join(workers),
        str(INCREMENTS), cwd=ROOT,
        env=env, stdout=pipe, stderr=pipe) for name in workers]
    try:
        outputs = await asyncio.wait_for(  # a bound for a hang: seconds when idle
            asyncio.gather(*(p.communicate() for p in procs)), timeout=240)
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    results = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


@pytest.fixture(params=["sqlite-file", "postgresql"])
def race_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'race.db'}"


@pytest.mark.slow
async def test_two_processes_claim_every_row_exactly_once(tmp_path: Path, race_url: str) -> None:
    url = race_url
    due = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    store = await open_migrated(url)
    try:
        async with store.transaction() as tx:
            for index in range(ROWS):
                await tx.insert(ScheduledAction(
                    f"race/{index:03d}", ActionKind.REPORT_DUE, f"r-{index}",
                    due + timedelta(seconds=index)))
            await tx.insert(ScheduledAction("counter", ActionKind.MONTHLY_DIGEST, "-", due,
                                            status=ActionStatus.DONE))
    finally:
        await store.close()

    results = await _run_workers(url, tmp_path, ["alpha", "beta"])

    won = {str(r["worker"]): int(str(r["won"])) for r in results}
    lost = {str(r["worker"]): int(str(r["lost"])) for r in results}
    assert all(int(str(r["seen"])) == ROWS for r in results), results
    assert sum(won.values()) == ROWS, results
    # Every worker saw every row pending, so each row another worker won was refused by
    # update_if: the conditional update really was what decided each race.
    assert all(won[name] + lost[name] == ROWS for name in won), results

    store = await open_migrated(url)
    try:
        async with store.transaction() as tx:
            rows = await tx.find(ScheduledAction, kind=ActionKind.REPORT_DUE)
            counter = await tx.get(ScheduledAction, "counter")
            claims = await tx.find(AuditEntry, action="claim")
            assert await tx.count(ScheduledAction, status=ActionStatus.PENDING) == 0
    finally:
        await store.close()
    assert len(rows) == ROWS
    assert all(row.status is ActionStatus.RUNNING and row.attempts == 1 for row in rows)
    by_worker = Counter(row.claimed_by for row in rows)
    assert set(by_worker) <= {"alpha", "beta"}
    assert sum(by_worker.values()) == ROWS
    assert by_worker == Counter({name: n for name, n in won.items() if n})
    # Read-modify-write transactions from both processes serialised: none was lost.
    assert counter is not None and counter.attempts == 2 * INCREMENTS
    # Exactly one claim record per row, from the worker the row names.
    per_row = Counter(claim.subject_id for claim in claims)
    assert len(claims) == ROWS
    assert all(n == 1 for n in per_row.values()) and len(per_row) == ROWS
    owner = {row.id: row.claimed_by for row in rows}
    assert all(owner[claim.subject_id] == claim.reason for claim in claims)
